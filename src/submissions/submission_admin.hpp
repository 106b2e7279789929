#pragma once
// The organisers' operations on submissions (zr submissions:list | submissions:set |
// submissions:create).
//
// Errors: zr::Error — 404 {"message"} unknown submission, challenge or user; 409 {"message"} a
// status change the transition table does not allow (without force); 400 {"message"} an archive
// that cannot be read.
// Thread-safety: thread-safe.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "submissions/completion_service.hpp"
#include "submissions/records.hpp"
#include "submissions/types.hpp"
#include "submissions/upload_service.hpp"

namespace zr::submissions {

class SubmissionAdmin {
public:
    // The references must outlive the object.
    SubmissionAdmin(Records& records, UploadService& uploads, CompletionService& completion)
        : records_(records), uploads_(uploads), completion_(completion) {}

    // Every submission matching the filter, ordered by submit_date (failed ones with their failure).
    std::vector<SubmissionView> List(const ListFilter& filter);
    // Sets the status (DB row + out.log line). Without force only the moves of the transition
    // table are made (409 {"message"} otherwise). 404 unknown submission.
    void SetStatus(std::string_view submission_id, domain::SubmissionStatus status, bool force);
    // Creates a single-part submission for user_id from a local zip (copied to input.zip) and
    // completes it synchronously; returns its id. No open-challenge check nor limits (admin).
    // 404 unknown challenge/user; 400 {"message"} if the archive cannot be read. The resulting
    // status (uploaded, or invalid/failed, or still uploading when the disk is full) is readable
    // with the returned id.
    std::string CreateFromArchive(domain::ChallengeId challenge_id, domain::UserId user_id,
                                  const std::filesystem::path& zip);

private:
    Records& records_;
    UploadService& uploads_;
    CompletionService& completion_;
};

}  // namespace zr::submissions
