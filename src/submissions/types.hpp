#pragma once
// The values the submissions module's services take and give (upload_service.hpp,
// completion_service.hpp, submission_reads.hpp, submission_admin.hpp).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "domain/challenge.hpp"
#include "domain/submission_history.hpp"
#include "domain/submission_status.hpp"
#include "domain/user.hpp"

namespace zr::submissions {

struct PartInfo {
    std::string file_name;
    std::uint64_t file_size = 0;
    std::string file_hash;  // md5, 32 lower-case hex digits
};

// Body of POST /challenges/{id}/submission/create, or of the second generation's
// POST /users/{username}/submissions/create (api-v2.md P1-e) with its extra fields.
struct CreateRequest {
    std::string filename;
    std::string hash;  // md5 of the whole archive
    bool multipart = false;
    std::vector<PartInfo> index;  // multipart only, in merge order
    // Second generation only (none / false from the first's route).
    std::optional<std::string> model_id;
    bool has_scores = false;
    std::optional<std::string> author_label;
    std::optional<std::string> leaderboard_file;  // the client's entry file, relative to input/
};

// Answer of the upload routes: {"completed", "remaining"}.
struct UploadState {
    bool completed = false;
    std::vector<std::string> remaining;  // manifest order
};

// Which generation's route a part comes through: the second (POST /submissions/{id}/content/add,
// the zrc client) answers a part sent again after the upload completed with the same bytes as
// received (zrc re-sends whatever it did not see acknowledged), and its refusals point to
// `zrc submit --resume`. The first keeps its answers (400 once the upload is complete).
enum class UploadRoute { kFirstGeneration, kSecondGeneration };

// A part request that passed every check before its body was read (UploadService::PrepareUpload):
// the submission located and owned by the caller (its row read once), the part it will receive
// and the md5 that part must have. AcceptPart consumes it: nothing is looked up twice.
struct UploadTicket {
    domain::Submission submission;
    std::string part_name;
    std::string expected_md5;  // lower case: the manifest item's (multipart) or archive.hash
    bool multipart = false;
    UploadRoute route = UploadRoute::kFirstGeneration;
    // Second generation: the upload had completed when the request came (a re-send).
    bool after_completion = false;
};

// A received part, as the HTTP transport left it on disk.
struct ReceivedFile {
    std::filesystem::path path;  // temporary spool file in the submission's tmp/, synced
    std::uint64_t size = 0;
    std::string md5;
};

// A completed upload (status uploaded), with the rows the notices and the queuing need, read once
// by the completion.
struct UploadedEvent {
    domain::Submission submission;
    domain::Challenge challenge;
    std::optional<domain::User> owner;  // nullopt when the user row is gone
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
    domain::SubmissionStatus status = domain::SubmissionStatus::kUploading;
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

}  // namespace zr::submissions
