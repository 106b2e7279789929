#pragma once
// The evaluation workers that run inside `zr serve` (ZR_LOCAL_WORKERS, pipeline.md section 4):
// each a worker::Worker on its own thread with its own queue connection and a local link to the
// data folder, configured from the settings as `zr worker` does.
//
// None start when this host has no bin folder in ZR_REMOTE_BIN (they would refuse every job).
// Errors: the constructor throws queue::QueueError when a queue cannot be opened.
// Thread-safety: construct, Stop and destroy from one thread.
#include <memory>
#include <thread>
#include <vector>

#include "storage/submission_store.hpp"
#include "wiring/services.hpp"
#include "worker/worker.hpp"

namespace zr::api {

class LocalWorkers {
public:
    explicit LocalWorkers(wiring::Services& services);
    // Calls Stop().
    ~LocalWorkers();
    LocalWorkers(const LocalWorkers&) = delete;
    LocalWorkers& operator=(const LocalWorkers&) = delete;

    std::size_t size() const { return workers_.size(); }
    // Kills the running evaluations (their deliveries go back to the queue for the next start or
    // another worker) and joins the threads. Idempotent.
    void Stop();

private:
    storage::SubmissionStore store_;  // the local links' view of the submission folders
    std::vector<std::unique_ptr<worker::Worker>> workers_;
    std::vector<std::thread> threads_;
};

}  // namespace zr::api
