#pragma once
// Completing uploads off the request path (pipeline.md section 2): once every part is in, the
// parts are merged in manifest order (md5 checked against the declared hash), the archive is
// unzipped safely into input/, and the status becomes uploaded — or invalid (the archive does not
// match its hash or is refused) or failed (a fault of ours that a retry cannot fix). Each step is
// durable before the next (storage/submission_store.hpp).
//
// A full disk, an I/O error or any other fault of ours (the database unavailable for a moment)
// postpones the completion, nothing lost: the submission stays "uploading" with its parts and is
// tried again after a delay (1 min, doubling up to 30 min) and at every start-up.
//
// The uploaded event carries the submission, its challenge and its owner, read once here; the
// hook (evaluation) sends the notices and queues it.
// Thread-safety: thread-safe. Completions run one at a time on the service's own thread (a
// WorkQueue).
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "common/work_queue.hpp"
#include "settings/settings.hpp"
#include "submissions/records.hpp"
#include "submissions/types.hpp"

namespace zr::submissions {

class CompletionService {
public:
    // The references must outlive the service. No thread starts before the first Schedule.
    CompletionService(Records& records, const settings::Settings& settings);
    // Shutdown().
    ~CompletionService();
    CompletionService(const CompletionService&) = delete;
    CompletionService& operator=(const CompletionService&) = delete;

    // Called on the completion thread after a submission reached "uploaded". Set before any upload
    // completes; it must not throw.
    void SetUploadedHook(std::function<void(const UploadedEvent&)> hook) { uploaded_hook_ = std::move(hook); }

    // Completes the submission in the background, after `delay` (nothing if it is queued already).
    void Schedule(const std::string& submission_id, std::chrono::milliseconds delay = std::chrono::milliseconds(0));
    // Completes it now, on the calling thread (an administrator's creation from an archive).
    void CompleteNow(const std::string& submission_id);

    // Start-up recovery (server only): publishes or removes half-created folders; removes what a
    // crash left in the folders of submissions uploading or under evaluation (spool files, partial
    // merge, extraction or scores; scores/ put back when a crash cut its replacement in two); and
    // schedules the completion of uploads whose parts are all in (upload.lock removed if a crash
    // left it). Returns how many completions it scheduled.
    int RecoverPending();
    // Blocks until no completion is queued or running (retries waiting included) (tests, CLI).
    void WaitIdle();
    // Stops taking completions, finishes the one running, joins the thread. Those queued but not
    // started stay "uploading" without upload.lock and are taken up by the next RecoverPending.
    // Idempotent.
    void Shutdown();

private:
    struct Attempt {
        std::string submission_id;
        bool operator==(const Attempt& other) const { return submission_id == other.submission_id; }
    };
    void Complete(const std::string& submission_id);
    void CompleteOrPostpone(const std::string& submission_id);
    // Makes input.zip whole and checked. Returns the reason when the archive is invalid.
    std::optional<std::string> PrepareArchive(const std::string& submission_id);
    void Postpone(const std::string& submission_id, const std::string& why);
    void Announce(const domain::Submission& submission);

    Records& records_;
    const settings::Settings& settings_;
    std::function<void(const UploadedEvent&)> uploaded_hook_;
    std::mutex retries_mutex_;
    std::map<std::string, int> retries_;  // postponements so far, by submission
    WorkQueue<Attempt> queue_;            // last: its thread uses the members above
};

}  // namespace zr::submissions
