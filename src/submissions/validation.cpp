#include <set>

#include "common/file_system.hpp"
#include "common/strings.hpp"
#include "crypto/crypto.hpp"
#include "submissions/internal.hpp"

namespace zr::submissions::detail {
namespace {

void CheckMd5(std::vector<ValidationIssue>& issues, nlohmann::json loc, std::string& value) {
    if (value.empty()) {
        issues.push_back({std::move(loc), "field required", "value_error.missing"});
    } else if (!IsMd5(value)) {
        issues.push_back({std::move(loc), "not an md5 hash (32 hexadecimal digits)", "value_error.md5"});
    } else {
        value = ToLower(value);
    }
}

void CheckIndex(std::vector<ValidationIssue>& issues, std::vector<PartInfo>& index) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < index.size(); ++i) {
        PartInfo& part = index[i];
        const nlohmann::json name_loc = {"body", "index", i, "file_name"};
        if (part.file_name.empty()) {
            issues.push_back({name_loc, "field required", "value_error.missing"});
        } else if (!IsPlainFileName(part.file_name)) {
            issues.push_back({name_loc,
                              "not a plain file name (no '/', '\\\\' or NUL, no leading '.', at most 255 bytes)",
                              "value_error.file_name"});
        } else if (!names.insert(part.file_name).second) {
            issues.push_back({name_loc, "duplicate part name: " + part.file_name, "value_error.duplicate"});
        }
        CheckMd5(issues, {"body", "index", i, "file_hash"}, part.file_hash);
    }
}

// A path inside the submission's input/ folder, as the client names its leaderboard entry
// ("scores/leaderboard.json"): plain names joined by '/', nothing that could leave the folder.
bool IsPlainRelativePath(std::string_view path) {
    if (path.empty() || path.size() > 1024) return false;
    while (true) {
        const auto slash = path.find('/');
        if (!IsPlainFileName(path.substr(0, slash))) return false;
        if (slash == std::string_view::npos) return true;
        path.remove_prefix(slash + 1);
    }
}

constexpr std::size_t kMaxAuthorLabel = 1000;

}  // namespace

std::string NewSubmissionId(TimePoint now) {
    const std::string t = FormatDateTime(now);  // YYYY-MM-DD HH:MM:SS.ffffff
    return t.substr(0, 4) + t.substr(5, 2) + "-" + t.substr(8, 2) + t.substr(11, 2) + "-" + t.substr(14, 2) +
           t.substr(17, 2) + "-" + crypto::Uuid4();
}

bool IsMd5(std::string_view text) {
    if (text.size() != 32) return false;
    for (char c : text) {
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex) return false;
    }
    return true;
}

std::vector<ValidationIssue> ValidateCreateRequest(CreateRequest& request) {
    std::vector<ValidationIssue> issues;
    if (request.filename.empty()) {
        issues.push_back({{"body", "filename"}, "field required", "value_error.missing"});
    }
    CheckMd5(issues, {"body", "hash"}, request.hash);
    if (request.multipart && request.index.empty()) {
        issues.push_back(
            {{"body", "index"}, "a multipart submission needs the index of its parts", "value_error.missing"});
    }
    if (request.multipart) CheckIndex(issues, request.index);
    if (request.leaderboard_file && request.leaderboard_file->empty()) request.leaderboard_file.reset();
    if (request.leaderboard_file && !IsPlainRelativePath(*request.leaderboard_file)) {
        issues.push_back({{"body", "leaderboard"},
                          "not a relative path of plain names inside the submission (no '..', no leading '/' or '.')",
                          "value_error.path"});
    }
    if (request.author_label && request.author_label->size() > kMaxAuthorLabel) {
        issues.push_back({{"body", "author_label"},
                          "ensure this value has at most " + std::to_string(kMaxAuthorLabel) + " characters",
                          "value_error.any_str.max_length",
                          {{"limit_value", kMaxAuthorLabel}}});
    }
    return issues;
}

storage::UnzipLimits UnzipLimitsFrom(const settings::Settings& settings) {
    return {settings.unzip_max_bytes, settings.unzip_max_entries, settings.unzip_max_ratio};
}

Error UnknownSubmission(std::string_view submission_id) {
    return Error::Message(ErrorKind::kNotFound,
                          "There is no submission with the following id: " + std::string(submission_id));
}

Error NotOwner(std::string_view submission_id) {
    return Error::Message(ErrorKind::kForbidden,
                          "Submission " + std::string(submission_id) + " does not belong to you");
}

Error NoMoreParts(std::string_view submission_id) {
    return Error::Message(ErrorKind::kInvalidInput,
                          "Submission " + std::string(submission_id) + " does not accept any more parts");
}

Error UnknownChallenge(domain::ChallengeId challenge_id) {
    return Error::Message(ErrorKind::kNotFound,
                          "There is no challenge with the following id: " + std::to_string(challenge_id));
}

}  // namespace zr::submissions::detail
