#pragma once
// What the submissions module's services share (upload_service, completion_service,
// submission_reads, submission_admin): the database, the submission folders, the clock, one mutex
// per submission, and the two operations every one of them needs — finding a submission the
// caller may act on, and changing a status (row, out.log, upload.lock) through the transition
// table.
// Thread-safety: thread-safe.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "db/database.hpp"
#include "domain/challenge.hpp"
#include "domain/submission_status.hpp"
#include "domain/user.hpp"
#include "storage/submission_store.hpp"

namespace zr::submissions {

class Records {
public:
    // The references must outlive the object.
    Records(db::Database& db, const storage::SubmissionStore& store, const Clock& clock)
        : db_(db), store_(store), clock_(clock) {}
    Records(const Records&) = delete;
    Records& operator=(const Records&) = delete;

    db::Database& db() const { return db_; }
    const storage::SubmissionStore& store() const { return store_; }
    const Clock& clock() const { return clock_; }

    // The row of a submission `user` owns (one read): 404 {"message"} unknown (or of another
    // challenge than `challenge_id` when given, or an id that is not a plain name), 403 {"message"}
    // someone else's.
    domain::Submission Locate(const domain::User& user, std::optional<domain::ChallengeId> challenge_id,
                              std::string_view submission_id) const;
    // The row, or 404 {"message"}.
    domain::Submission Find(std::string_view submission_id) const;

    // Serialises the writers of one submission's folder (parts, completion, admin changes).
    std::mutex& Lock(const std::string& submission_id);

    // Moves the submission to `to` if the transition table allows it from its current status
    // (false otherwise, nothing written); with `force`, sets it whatever it was. Then writes
    // `reason` (when given) and "status changed to <to>" to out.log, and removes upload.lock when
    // the submission leaves "uploading" (no part is accepted from then on).
    bool ChangeStatus(const std::string& submission_id, domain::SubmissionStatus to, std::string_view reason,
                      bool force = false) const;

private:
    db::Database& db_;
    const storage::SubmissionStore& store_;
    const Clock& clock_;
    std::mutex locks_mutex_;
    std::map<std::string, std::unique_ptr<std::mutex>, std::less<>> locks_;
};

}  // namespace zr::submissions
