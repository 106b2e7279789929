#pragma once
// Submissions: creation, streamed part uploads, durable completion (merge, md5, safe unzip),
// statuses and their log, the participant's reads and the admin operations.
//
// Errors: zr::Error with the first implementation's statuses/bodies (api.md): 404 unknown
// challenge/submission ({"message": ...}), 403 someone else's submission, 400 wrong hash / unknown
// part / no more parts accepted, 422 invalid manifest (every problem listed), 429 limits reached.
// Thread-safety: thread-safe. Completion runs on the service's own background thread(s).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/time.hpp"
#include "db/database.hpp"
#include "domain/challenge.hpp"
#include "domain/submission_history.hpp"
#include "domain/submission_status.hpp"
#include "domain/user.hpp"
#include "mail/mailer.hpp"
#include "settings/settings.hpp"
#include "storage/submission_store.hpp"
#include "templates/templates.hpp"

namespace zr::submissions {

struct PartInfo {
    std::string file_name;
    std::uint64_t file_size = 0;
    std::string file_hash;  // md5, 32 lower-case hex digits
};

// Body of POST /challenges/{id}/submission/create.
struct CreateRequest {
    std::string filename;
    std::string hash;  // md5 of the whole archive
    bool multipart = false;
    std::vector<PartInfo> index;  // multipart only, in merge order
};

// Answer of the upload routes: {"completed", "remaining"}.
struct UploadState {
    bool completed = false;
    std::vector<std::string> remaining;  // manifest order
};

// A received part, as the HTTP transport left it on disk.
struct ReceivedFile {
    std::filesystem::path path;  // temporary file in the spool folder
    std::uint64_t size = 0;
    std::string md5;
};

// Why a failed submission failed (domain/submission_history.hpp).
struct FailureInfo {
    // platform / evaluator; nullopt when an administrator set the status over a job that did not
    // fail. A failed submission without any job (upload not completed, or failed before jobs were
    // recorded) is a platform failure.
    std::optional<domain::FailureKind> kind;
    std::string reason;
    bool counts_toward_limit = true;  // domain::CountsTowardLimit
};

// GET /users/submissions/{id}/status?details=true.
struct StatusDetails {
    std::string status;
    std::optional<int> queue_position;   // on_queue with a queued job: 1 = next to run on its host
    std::optional<FailureInfo> failure;  // status failed
    int evaluations = 0;                 // evaluation jobs it has had
    int score_versions = 0;              // completed evaluations whose scores are kept
};

// Row + folder facts for the participant's reads.
struct SubmissionView {
    domain::Submission submission;
    std::string username;  // "" when the owner's row is gone
    domain::Challenge challenge;
    // Filled by Get() only (empty in listings): the challenge's evaluator and leaderboards.
    std::optional<domain::Evaluator> evaluator;
    std::vector<domain::Leaderboard> leaderboards;
    // Filled by List() (admin) for failed submissions.
    std::optional<FailureInfo> failure;
};

// Parts received since the service started (for /metrics): accepted ones and their bytes, and
// parts refused because their md5 did not match.
struct UploadCounts {
    std::uint64_t accepted_parts = 0;
    std::uint64_t accepted_bytes = 0;
    std::uint64_t rejected_parts = 0;
};

struct ListFilter {
    std::optional<domain::UserId> user_id;
    std::optional<domain::ChallengeId> track_id;
    std::optional<domain::SubmissionStatus> status;
};

// True for a plain file name usable as a part name: 1-255 bytes, no '/', '\\', NUL, "..", not
// starting with '.'.
bool IsPlainFileName(std::string_view name);

class SubmissionService {
public:
    // All references must outlive the service. Starts no thread until the first completion is
    // scheduled (or ResumePending is called).
    SubmissionService(db::Database& db, const storage::SubmissionStore& store, const settings::Settings& settings,
                      mail::MailQueue& mail, const templates::Engine& templates, const Clock& clock);
    // Calls Shutdown().
    ~SubmissionService();
    SubmissionService(const SubmissionService&) = delete;
    SubmissionService& operator=(const SubmissionService&) = delete;

    // --- Participant: creating and uploading ----------------------------------------------------

    // Creates a submission (row status "uploading" + folder per data.md) and returns its id
    // "YYYYMM-DDHH-MMSS-<uuid4>". Errors: 404 {"message": "There is no challenge with the
    // following id: N"}; 404 {"message": "The Challenge <label>[<id>] is not active"} when not open;
    // 422 listing every problem (loc ["body","filename"], ["body","hash"], ["body","index"],
    // ["body","index",i,"file_name"|"file_hash"]); 429 {"message": ...} when the owner reached
    // ZR_MAX_SUBMISSIONS_PER_DAY (last 24 h) or ZR_MAX_SUBMISSIONS_TOTAL for this challenge
    // (domain::CountsTowardLimit: invalid, canceled and platform-failed submissions do not count). md5s may be
    // upper-case; stored lower. A crash never leaves a row without its folder.
    std::string Create(const domain::User& owner, domain::ChallengeId challenge_id, const CreateRequest& request);

    // The upload_spool check of PUT .../submission/upload: fast, no hashing. Returns the
    // submission's tmp/ folder (created if needed) where the transport spools the part.
    // Errors: 404 {"message"} unknown submission (or one of another challenge); 403 {"message"} not
    // the owner; 400 {"message": "... does not accept any more parts"} when the submission is not
    // uploading or its upload.lock is gone; 400 {"message"} part_name not in the manifest
    // (multipart) or not a plain file name (single-part accepts any plain name).
    std::filesystem::path PrepareUpload(const domain::User& user, domain::ChallengeId challenge_id,
                                        std::string_view submission_id, std::string_view part_name);

    // Takes ownership of file.path on success (renamed into place); on any error the file is left
    // for the transport to delete (a wrong md5 deletes it at once). Same checks as PrepareUpload,
    // then file.md5 against the manifest's file_hash (multipart) or archive.hash (single-part):
    // mismatch -> 400 {"message": "ValueError: the md5 of part X does not match the expected
    // hash"}. A part received twice replaces the earlier one and counts once. When the last part
    // is in, upload.lock is removed and completion is scheduled in the background.
    UploadState AcceptPart(const domain::User& user, domain::ChallengeId challenge_id, std::string_view submission_id,
                           std::string_view part_name, const ReceivedFile& file);

    // GET .../submission/upload: the state the last AcceptPart returned (remaining in manifest
    // order; completed once every part is in, also after completion). 404/403 as above.
    UploadState UploadStatus(const domain::User& user, domain::ChallengeId challenge_id,
                             std::string_view submission_id);

    // --- Participant: reads (404 {"message"} unknown, 403 {"message"} not the owner) -------------

    SubmissionView Get(const domain::User& user, std::string_view submission_id);
    // The user's submissions ordered by submit_date; with track_id only that challenge's
    // (404 {"message": "There is no challenge with the following id: N"} if unknown).
    std::vector<SubmissionView> ListForUser(const domain::User& user, std::optional<domain::ChallengeId> track_id);
    std::string Status(const domain::User& user, std::string_view submission_id);
    // The status with its queue position, failure and evaluation counts (a few indexed reads).
    StatusDetails Details(const domain::User& user, std::string_view submission_id);
    // out.log split in lines (no trailing newline characters); empty if the file is absent.
    std::vector<std::string> LogLines(const domain::User& user, std::string_view submission_id);
    // {<leaderboard label>: <entry JSON>} for each leaderboard of the challenge whose entry_file
    // exists (and parses as JSON) in the submission's newest completed scores: the submission
    // folder, or the version kept under scores_history/ while a re-run is queued, running, failed
    // or canceled (domain::WhichScoresShown).
    nlohmann::json Scores(const domain::User& user, std::string_view submission_id);

    // --- Admin ------------------------------------------------------------------------------------

    // Every submission matching the filter, ordered by submit_date.
    std::vector<SubmissionView> List(const ListFilter& filter);
    // Sets the status (DB row + out.log line). Without force only IsLegalTransition moves are made
    // (409 {"message"} otherwise). 404 unknown submission.
    void SetStatus(std::string_view submission_id, domain::SubmissionStatus status, bool force);
    // Creates a single-part submission for user_id from a local zip (copied to input.zip) and
    // completes it synchronously; returns its id. No open-challenge check nor limits (admin).
    // 404 unknown challenge/user; 400 {"message"} if the archive cannot be read. The resulting
    // status (uploaded, or invalid/failed) is readable with the returned id.
    std::string CreateFromArchive(domain::ChallengeId challenge_id, domain::UserId user_id,
                                  const std::filesystem::path& zip);

    // --- Background work ----------------------------------------------------------------------

    // Called (on the completion thread) after a submission reached "uploaded", once its
    // new-submission e-mail is queued: the evaluation service queues it. Set before any upload
    // completes; the hook must not throw.
    void SetUploadedHook(std::function<void(const std::string&)> hook) { uploaded_hook_ = std::move(hook); }

    // Start-up recovery (server only): schedules completion of every "uploading" submission whose
    // folder has no upload.lock (all parts received), removes stale ".upload-*.part" spool files
    // from uploading submissions' tmp/, and removes half-created staging folders.
    void ResumePending();
    // Blocks until no completion is queued or running (tests, CLI).
    void WaitIdle();
    // Stops accepting completions, finishes the one running, joins the thread. Queued but not
    // started ones stay "uploading" without upload.lock and are resumed by the next ResumePending.
    // Idempotent.
    void Shutdown();
    UploadCounts upload_counts() const;

private:
    struct Located;  // a submission row + its checks, see submission_service.cpp
    Located Locate(const domain::User& user, std::optional<domain::ChallengeId> challenge_id,
                   std::string_view submission_id);
    Located LocateUploading(const domain::User& user, domain::ChallengeId challenge_id, std::string_view submission_id);
    UploadState StateOf(const std::string& submission_id);
    void ChangeStatus(const std::string& submission_id, domain::SubmissionStatus status, std::string_view reason);
    void CheckLimits(db::Connection& conn, const domain::User& owner, domain::ChallengeId challenge_id);
    std::string InsertWithFolder(const domain::User& owner, const domain::Challenge& challenge,
                                 const CreateRequest& request, bool check_limits);
    UploadState AcceptManifestPart(const std::string& submission_id, std::string_view part_name,
                                   const ReceivedFile& file);
    UploadState AcceptArchive(const std::string& submission_id, std::string_view part_name, const ReceivedFile& file);
    [[noreturn]] void RejectHash(const std::string& submission_id, std::string_view part_name,
                                 const ReceivedFile& file);
    void FinishUpload(const std::string& submission_id);
    void CountAccepted(const ReceivedFile& file);
    bool IsFullyReceived(const std::string& submission_id);
    std::optional<std::string> PrepareArchive(const std::string& submission_id);
    std::string MergeParts(const std::string& submission_id, const storage::UploadManifest& manifest);
    std::mutex& SubmissionMutex(const std::string& submission_id);
    void Schedule(const std::string& submission_id);
    void WorkerLoop();
    void Complete(const std::string& submission_id);
    void NotifyNewSubmission(const std::string& submission_id);

    db::Database& db_;
    const storage::SubmissionStore& store_;
    const settings::Settings& settings_;
    mail::MailQueue& mail_;
    const templates::Engine& templates_;
    const Clock& clock_;

    std::mutex locks_mutex_;
    std::map<std::string, std::unique_ptr<std::mutex>, std::less<>> locks_;

    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<std::string> queue_;
    std::optional<std::string> running_;  // the completion in progress
    bool stopping_ = false;
    std::thread worker_;
    std::function<void(const std::string&)> uploaded_hook_;
    std::atomic<std::uint64_t> accepted_parts_{0};
    std::atomic<std::uint64_t> accepted_bytes_{0};
    std::atomic<std::uint64_t> rejected_parts_{0};
};

}  // namespace zr::submissions
