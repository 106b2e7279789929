#pragma once
// The service side of remote workers without a shared file system (pipeline.md section 4, "Data
// for remote workers"): a worker holding ZR_WORKER_TOKEN reads a job's state, downloads the
// submission's input.zip (md5 given), appends evaluator output to out.log and sends back scores/
// as a zip with its md5. The HTTP handlers (api/worker_handlers.cpp) call these functions.
//
// Errors: zr::Error with {"detail": ...} bodies: 404 "Not Found" when the feature is off (no
// worker token configured) or the job is unknown; 401 "Not authenticated" without a bearer token,
// 401 "Invalid worker token" with a wrong one; 409 when the job's state does not allow the
// operation (or it is no longer its submission's current job); 400 for a wrong md5 or a refused
// zip; 413 for a log chunk over kMaxLogBytes. Failures of our own (disk) throw std::runtime_error.
// Thread-safety: thread-safe.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/file_system.hpp"
#include "common/time.hpp"
#include "db/database.hpp"
#include "domain/submission_status.hpp"
#include "settings/settings.hpp"
#include "storage/submission_store.hpp"

namespace zr::transfer {

// GET /worker/jobs/{job_id}.
struct JobView {
    std::string job_id;
    std::string submission_id;
    domain::JobState state = domain::JobState::kQueued;
    int attempts = 0;
    // Running: seconds since the service last heard from the run (db::QuietSeconds).
    std::optional<double> quiet_seconds;
};

// A scores upload that passed the checks before its body (PrepareScores): the job, running and
// current. AcceptScores consumes it.
struct ScoresTicket {
    JobView job;
};

// The archive a worker downloads and the md5 it must have (from archive.hash or the upload
// manifest's merge_hash, the hash the participant declared and the service checked).
struct InputArchive {
    std::filesystem::path path;
    std::string md5;
};

// Scores received: what was extracted into scores/.
struct ScoresReceived {
    std::string md5;
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;
};

class TransferService {
public:
    static constexpr std::size_t kMaxLogBytes = 1024 * 1024;

    // References must outlive the service.
    TransferService(db::Database& db, const storage::SubmissionStore& store, const settings::Settings& settings,
                    const Clock& clock);

    // True when a worker token is configured.
    bool Enabled() const;
    // Checks a bearer token (nullopt: the request had none) in constant time against the
    // configured token. 404 when disabled (before anything else), 401 otherwise.
    void Authorize(std::optional<std::string_view> token) const;

    // 404 {"detail": "Job not found"} for an unknown job.
    JobView Job(std::string_view job_id);
    // The input archive of a queued or running job (409 otherwise, 404 if the archive is gone).
    InputArchive Input(std::string_view job_id);
    // Appends evaluator output to out.log (lines as sent; a missing final '\n' is added). The
    // job must be running (409) and its submission's current job; 413 beyond kMaxLogBytes.
    void AppendLog(std::string_view job_id, std::string_view text);
    // The check of PUT /worker/jobs/{job_id}/scores before its body: the job must be running (409)
    // and current.
    ScoresTicket PrepareScores(std::string_view job_id);
    // Where the transport writes the zip (a spool file in the submission's tmp/), and the removal
    // of one it did not hand over.
    SpoolFile NewSpoolFile(const ScoresTicket& ticket) const;
    void DiscardSpoolFile(const std::filesystem::path& path) const noexcept;
    // `zip` is the received file and `zip_md5` its md5 computed on the way; `expected_md5` the
    // md5 the worker declared. Mismatch -> 400 with nothing changed; the zip is extracted safely
    // (unzip limits of the settings; a refused archive -> 400 naming the reason, nothing changed)
    // into a staging folder that then replaces scores/. The job must still be running (409).
    // 507 on a full disk, nothing changed.
    ScoresReceived AcceptScores(const ScoresTicket& ticket, const std::filesystem::path& zip, std::string_view zip_md5,
                                std::string_view expected_md5);

private:
    struct Located {
        JobView job;
        bool current = false;  // the latest job of its submission
    };
    Located Locate(std::string_view job_id);
    // Locate + state check: 409 unless the job is current and in one of `states`.
    JobView Require(std::string_view job_id, std::initializer_list<domain::JobState> states);

    db::Database& db_;
    const Clock& clock_;
    const storage::SubmissionStore& store_;
    const settings::Settings& settings_;
    std::mutex log_mutex_;     // one out.log append at a time (lines of two chunks never mix)
    std::mutex scores_mutex_;  // one scores/ swap at a time
};

}  // namespace zr::transfer
