// The organisers' operations: listing, forced and table-checked status changes, creation from a
// local archive.
#include "submissions/submission_admin.hpp"

#include <spdlog/spdlog.h>

#include <map>

#include "crypto/crypto.hpp"
#include "db/repositories.hpp"
#include "submissions/internal.hpp"

namespace zr::submissions {
namespace fs = std::filesystem;

using domain::SubmissionStatus;

namespace detail {

domain::Challenge ChallengeOf(const std::map<domain::ChallengeId, domain::Challenge>& challenges,
                              domain::ChallengeId id) {
    if (auto it = challenges.find(id); it != challenges.end()) return it->second;
    domain::Challenge unknown;
    unknown.id = id;
    return unknown;
}

}  // namespace detail

std::vector<SubmissionView> SubmissionAdmin::List(const ListFilter& filter) {
    auto conn = records_.db().Acquire();
    db::ReadTransaction snapshot(*conn);
    std::map<domain::ChallengeId, domain::Challenge> challenges;
    for (auto& challenge : db::ChallengeRepository(*conn).List()) challenges.emplace(challenge.id, challenge);
    std::map<domain::UserId, std::string> usernames;
    for (const auto& user : db::UserRepository(*conn).List()) usernames.emplace(user.id, user.username);
    const auto failures = detail::CurrentFailures(*conn);
    std::vector<SubmissionView> views;
    for (auto& submission : db::SubmissionRepository(*conn).List(filter.user_id, filter.track_id, filter.status)) {
        auto user = usernames.find(submission.user_id);
        std::string username = user == usernames.end() ? std::string() : user->second;
        const domain::ChallengeId challenge_id = submission.track_id;
        std::optional<FailureInfo> failure;
        if (submission.status == SubmissionStatus::kFailed) failure = detail::FailureOf(*conn, submission.id, failures);
        views.push_back({std::move(submission),
                         std::move(username),
                         detail::ChallengeOf(challenges, challenge_id),
                         std::nullopt,
                         {},
                         std::move(failure)});
    }
    return views;
}

void SubmissionAdmin::SetStatus(std::string_view submission_id, SubmissionStatus status, bool force) {
    const std::string id(submission_id);
    std::lock_guard lock(records_.Lock(id));
    const domain::Submission submission = records_.Find(id);
    const bool changed = records_.ChangeStatus(id, status, force ? "status set by an administrator" : "", force);
    if (!changed) {
        throw Error::Message(ErrorKind::kConflict, "Submission " + id + " cannot go from status " +
                                                       std::string(domain::ToString(submission.status)) + " to " +
                                                       std::string(domain::ToString(status)));
    }
}

std::string SubmissionAdmin::CreateFromArchive(domain::ChallengeId challenge_id, domain::UserId user_id,
                                               const fs::path& zip) {
    std::optional<domain::User> user;
    std::optional<domain::Challenge> challenge;
    {
        auto conn = records_.db().Acquire();
        user = db::UserRepository(*conn).FindById(user_id);
        challenge = db::ChallengeRepository(*conn).Find(challenge_id);
    }
    if (!challenge) throw detail::UnknownChallenge(challenge_id);
    if (!user) {
        throw Error::Message(ErrorKind::kNotFound,
                             "There is no user with the following id: " + std::to_string(user_id));
    }
    std::error_code ec;
    std::string md5;
    try {
        if (!fs::is_regular_file(zip, ec)) throw std::runtime_error("not a regular file");
        md5 = crypto::Md5OfFile(zip.string());
    } catch (const std::exception& e) {
        throw Error::Message(ErrorKind::kInvalidInput, "Cannot read the archive " + zip.string(), e.what());
    }
    CreateRequest request;
    request.filename = zip.filename().string();
    request.hash = md5;
    std::string id = uploads_.CreateUnchecked(*user, *challenge, request);
    const storage::SubmissionStore& store = records_.store();
    {
        std::lock_guard lock(records_.Lock(id));
        try {
            store.ImportArchive(id, zip);
        } catch (const std::exception& e) {
            records_.ChangeStatus(id, SubmissionStatus::kFailed, std::string("cannot copy the archive: ") + e.what());
            return id;
        }
        store.TryAppendLog(id, records_.clock().Now(),
                           "archive " + zip.filename().string() + " added by an administrator");
        store.RemoveUploadLock(id);
    }
    completion_.CompleteNow(id);
    return id;
}

}  // namespace zr::submissions
