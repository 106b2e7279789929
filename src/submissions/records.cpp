#include "submissions/records.hpp"

#include <spdlog/spdlog.h>

#include "db/repositories.hpp"
#include "submissions/internal.hpp"

namespace zr::submissions {

domain::Submission Records::Find(std::string_view submission_id) const {
    if (!IsPlainFileName(submission_id)) throw detail::UnknownSubmission(submission_id);
    auto conn = db_.Acquire();
    auto submission = db::SubmissionRepository(*conn).Find(submission_id);
    if (!submission) throw detail::UnknownSubmission(submission_id);
    return std::move(*submission);
}

domain::Submission Records::Locate(const domain::User& user, std::optional<domain::ChallengeId> challenge_id,
                                   std::string_view submission_id) const {
    domain::Submission submission = Find(submission_id);
    if (challenge_id && submission.track_id != *challenge_id) throw detail::UnknownSubmission(submission_id);
    if (submission.user_id != user.id) throw detail::NotOwner(submission_id);
    return submission;
}

std::mutex& Records::Lock(const std::string& submission_id) {
    std::lock_guard lock(locks_mutex_);
    auto& slot = locks_[submission_id];
    if (!slot) slot = std::make_unique<std::mutex>();
    return *slot;
}

bool Records::ChangeStatus(const std::string& submission_id, domain::SubmissionStatus to, std::string_view reason,
                           bool force) const {
    {
        auto conn = db_.Acquire();
        db::SubmissionRepository submissions(*conn);
        if (force) {
            submissions.ForceStatus(submission_id, to);
        } else if (!submissions.Move(submission_id, to)) {
            return false;
        }
    }
    if (!store_.Exists(submission_id)) return true;
    // Only an uploading submission has the lock: leaving that status (completion, an admin's
    // change) closes it to parts. Completion removed it already.
    if (to != domain::SubmissionStatus::kUploading && store_.HasUploadLock(submission_id)) {
        try {
            store_.RemoveUploadLock(submission_id);
        } catch (const std::exception& e) {
            spdlog::warn("submission {}: upload.lock not removed: {}", submission_id, e.what());
        }
    }
    const TimePoint now = clock_.Now();
    if (!reason.empty()) store_.TryAppendLog(submission_id, now, reason);
    store_.TryAppendLog(submission_id, now, "status changed to " + std::string(domain::ToString(to)));
    spdlog::info("submission {}: status {}{}{}", submission_id, domain::ToString(to), reason.empty() ? "" : ": ",
                 reason);
    return true;
}

}  // namespace zr::submissions
