#pragma once
// An evaluation worker (pipeline.md section 4): takes jobs from eval_queue, runs them, reports on
// update_queue. Used by `zr worker` (one per evaluation host, any number of processes) and by the
// local workers inside `zr serve`.
//
// For each delivery: a message that is not a job is logged and acknowledged; a job for another
// pool (job.host is neither this worker's pool nor its host name) is published again at the tail
// of eval_queue, acknowledged, and the worker pauses (it waits for that pool's workers, attempts
// not counted); a job whose state (WorkerLink::JobState) is final or canceled is acknowledged
// without running (duplicates, late redeliveries). A job still running elsewhere whose run the
// service heard from within two heartbeats (a redelivery after a broker restart lost the
// acknowledgement of a finished run, or a handover) is held up to kResultGrace while its result
// may still arrive: final -> acknowledged without running. A delivery with attempts >
// max_attempts is reported evaluation_failed ("lost its worker N times") without running.
// Otherwise: evaluation_started, CheckScript against bin_dir (Refused -> evaluation_failed with
// the reason, nothing run), Checkout, RunProcess with the time limit, output appended to out.log
// as produced; every heartbeat interval evaluation_heartbeat is published (best effort) and
// JobState is polled (canceled -> the run is killed, evaluation_canceled). Then ReturnScores
// (exit 0) and evaluation_complete / evaluation_failed (exit status, time limit, spawn failure),
// Flush, Cleanup, and only then Ack.
// evaluation_started carries the script's sha256 and its index.yml version (computed after
// CheckScript, before anything runs); evaluation_failed carries the failure kind: "platform" for
// refusals, checkout failures, lost workers, scores not returned and ClassifyFailure's platform
// cases, "evaluator" otherwise.
// While a job is evaluated (checkout to report), a thread keeps its delivery alive every heartbeat
// (KeepAlive). A lost delivery (KeepAlive false) interrupts the link's transfers, kills the run and
// reports nothing: the job runs elsewhere. However the job ends (done, failure, refused input,
// transfer failure, lost delivery, cancel, stop, an exception), the link's copy is removed
// (WorkerLink::Cleanup).
// While idle, Run() publishes worker_presence every `presence` interval (the service's /health
// and /metrics count the workers it heard from).
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "domain/submission_history.hpp"
#include "queue/message_queue.hpp"
#include "worker/link.hpp"
#include "worker/runner.hpp"

namespace zr::worker {

// How long a redelivered job waits for the result of a run the service heard from moments ago.
inline constexpr std::chrono::milliseconds kResultGrace{5000};

struct WorkerConfig {
    std::string name;      // "host:pid:n", in updates and logs
    std::string hostname;  // settings.hostname: this machine
    std::string pool;      // settings.eval_pool, or the host name

    std::filesystem::path bin_dir;               // BinFolderOf(pool); empty = every job is refused
    std::chrono::seconds time_limit{12 * 3600};  // applied when the job carries none
    unsigned max_attempts = 3;
    std::chrono::milliseconds heartbeat{5000};
    std::chrono::milliseconds receive_wait{1000};  // how long one Receive waits (Stop latency)
    std::chrono::milliseconds presence{60000};     // worker_presence interval while idle (0 = never)
};

class Worker {
public:
    Worker(WorkerConfig config, std::unique_ptr<queue::MessageQueue> queue, std::unique_ptr<WorkerLink> link);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Handles jobs until Stop(). QueueErrors are logged and retried after a pause.
    void Run();
    // Handles at most one delivery, waiting up to `wait`; true if one was handled (tests).
    bool RunOnce(std::chrono::milliseconds wait);
    // Thread-safe: Run returns after the current job; a running evaluation is left to finish
    // unless `cancel_running` (then it is killed, its transfers end and its delivery is released
    // for another worker). Waits on the network stop at once when no job is held (an unreachable
    // broker is not waited for), or when `cancel_running`.
    void Stop(bool cancel_running = false);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The failure kind of a run that did not succeed (domain/submission_history.hpp): a non-zero exit
// status or a self-raised signal (SIGSEGV, SIGABRT, SIGFPE, SIGBUS, SIGILL, SIGTRAP, SIGSYS,
// SIGPIPE) is the evaluator's; the time limit, a spawn failure or a signal from outside is the
// platform's.
domain::FailureKind ClassifyFailure(const RunResult& result);

// The bin folder of `name` (a pool or a host) from REMOTE_BIN (empty path when it has none).
std::filesystem::path BinFolderOf(const settings::Settings& settings, const std::string& name);
// This host's pool (ZR_EVAL_POOL, else the host name) and its bin folder (REMOTE_BIN[pool], else
// REMOTE_BIN[host name]).
std::string PoolOf(const settings::Settings& settings);
std::filesystem::path WorkerBinFolder(const settings::Settings& settings);

// Worker number `index` of this process, from the settings: name "<hostname>:<pid>:<tag><index>",
// this host's pool and bin folder, ZR_EVAL_TIME_LIMIT, ZR_EVAL_MAX_ATTEMPTS, and a heartbeat and a presence
// interval of at most a third of ZR_EVAL_LEASE (the embedded queue's lease must be renewed in
// time; the service counts the workers heard from within one lease).
WorkerConfig ConfigFromSettings(const settings::Settings& settings, const std::string& tag, unsigned index);

}  // namespace zr::worker
