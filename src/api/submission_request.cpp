#include "api/submission_request.hpp"

#include "api/fields.hpp"
#include "common/error.hpp"

namespace zr::api {
namespace {

// The keys of an index item: the first generation's, or the second's (zrc's).
struct PartKeys {
    const char* name;
    const char* size;
    const char* hash;
};
constexpr PartKeys kFirstKeys{"file_name", "file_size", "file_hash"};
constexpr PartKeys kSecondKeys{"filename", "filesize", "filehash"};

// One item of "index" (pydantic v1's SubmissionRequestFileIndexItem): {"file_name": str,
// "file_size": int, "file_hash": str}. The hash is required here (both generations took null and
// failed later) and the size must not be negative.
submissions::PartInfo ParsePart(const nlohmann::json& input, std::size_t i, const PartKeys& keys,
                                std::vector<ValidationIssue>& issues) {
    submissions::PartInfo part;
    const nlohmann::json loc = {"body", "index", i};
    const auto item = PydanticDict(input, loc, issues);
    if (!item) return part;
    auto field = [&](const char* key) -> std::pair<const nlohmann::json*, nlohmann::json> {
        nlohmann::json at = loc;
        at.push_back(key);
        auto it = item->find(key);
        if (it == item->end() || (it->is_null() && std::string_view(key) == keys.hash)) {
            issues.push_back({at, "field required", "value_error.missing"});
            return {nullptr, at};
        }
        return {&*it, at};
    };
    if (auto [value, at] = field(keys.name); value) part.file_name = PydanticStr(*value, at, issues).value_or("");
    if (auto [value, at] = field(keys.size); value) {
        const auto size = PydanticInt(*value, at, issues);
        if (size && *size < 0) {
            issues.push_back({at,
                              "ensure this value is greater than or equal to 0",
                              "value_error.number.not_ge",
                              {{"limit_value", 0}}});
        } else if (size) {
            part.file_size = static_cast<std::uint64_t>(*size);
        }
    }
    if (auto [value, at] = field(keys.hash); value) part.file_hash = PydanticStr(*value, at, issues).value_or("");
    return part;
}

void ParseIndex(Fields& body, const PartKeys& keys, submissions::CreateRequest& create,
                std::vector<ValidationIssue>& issues) {
    const nlohmann::json index = body.values().value("index", nlohmann::json());
    if (index.is_array()) {
        for (std::size_t i = 0; i < index.size(); ++i) create.index.push_back(ParsePart(index[i], i, keys, issues));
    } else if (!index.is_null()) {
        body.Invalid("index", "value is not a valid list", "type_error.list");
    }
}

// Every issue found: the body's own first, then the index items'.
void ThrowIfInvalid(const Fields& body, std::vector<ValidationIssue> issues) {
    try {
        body.ThrowIfInvalid();
    } catch (const Error& e) {
        issues.insert(issues.begin(), e.issues().begin(), e.issues().end());
    }
    if (!issues.empty()) throw Error::Validation(std::move(issues));
}

}  // namespace

submissions::CreateRequest ParseCreateRequest(const http::Request& request) {
    return ParseCreateRequest(Fields::FromJsonBody(request));
}

submissions::CreateRequest ParseCreateRequest(Fields body) {
    submissions::CreateRequest create;
    create.filename = body.RequiredString("filename");
    create.hash = body.RequiredString("hash");
    create.multipart = body.RequiredBool("multipart");
    std::vector<ValidationIssue> issues;
    ParseIndex(body, kFirstKeys, create, issues);
    ThrowIfInvalid(body, std::move(issues));
    return create;
}

SecondGenerationCreate ParseSecondGenerationCreate(Fields body) {
    SecondGenerationCreate out;
    submissions::CreateRequest& create = out.request;
    create.model_id = body.RequiredString("model_id");
    out.benchmark_label = body.RequiredString("benchmark_id");
    create.author_label = body.RequiredString("author_label");
    create.filename = body.RequiredString("filename");
    create.hash = body.RequiredString("hash");
    create.has_scores = body.RequiredBool("has_scores");
    create.multipart = body.RequiredBool("multipart");
    create.leaderboard_file = body.OptionalString("leaderboard");
    std::vector<ValidationIssue> issues;
    ParseIndex(body, kSecondKeys, create, issues);
    ThrowIfInvalid(body, std::move(issues));
    return out;
}

Error WithSecondGenerationKeys(const Error& error) {
    if (error.kind() != ErrorKind::kValidation) return error;
    std::vector<ValidationIssue> issues = error.issues();
    for (auto& issue : issues) {
        for (auto& part : issue.loc) {
            if (!part.is_string()) continue;
            const std::string key = part.get<std::string>();
            if (key == kFirstKeys.name) part = kSecondKeys.name;
            if (key == kFirstKeys.size) part = kSecondKeys.size;
            if (key == kFirstKeys.hash) part = kSecondKeys.hash;
        }
    }
    return Error::Validation(std::move(issues));
}

}  // namespace zr::api
