// worker: evaluation workers in this process (pipeline.md section 4), until SIGINT/SIGTERM.
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "cli/commands.hpp"
#include "queue/message_queue.hpp"
#include "worker/worker.hpp"

namespace zr::cli {
namespace worker_cmd {  // named, so the unity build keeps each file's helpers apart
namespace {

constexpr std::chrono::milliseconds kSignalPoll{200};
constexpr std::chrono::milliseconds kRetryPause{2000};

struct Options {
    unsigned threads = 1;
    bool once = false;
};

// SIGINT and SIGTERM blocked in this thread and in the threads it starts (the child processes
// of the runner unblock them); the main thread takes them with sigtimedwait.
class BlockedStopSignals {
public:
    BlockedStopSignals() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set_, &previous_);
    }
    ~BlockedStopSignals() {
        // A signal that arrived after the last wait must not kill us once unblocked.
        timespec none{0, 0};
        while (sigtimedwait(&set_, nullptr, &none) > 0) {
        }
        pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    BlockedStopSignals(const BlockedStopSignals&) = delete;
    BlockedStopSignals& operator=(const BlockedStopSignals&) = delete;

    // The signal received within `wait`, or 0.
    int Wait(std::chrono::milliseconds wait) const {
        timespec timeout{static_cast<time_t>(wait.count() / 1000), static_cast<long>(wait.count() % 1000) * 1000000};
        const int sig = sigtimedwait(&set_, nullptr, &timeout);
        return sig > 0 ? sig : 0;
    }

private:
    sigset_t set_;
    sigset_t previous_;
};

// What the workers share: the database (embedded queue, shared transfer) and the submission folders.
struct Resources {
    db::Database* db = nullptr;
    std::optional<storage::SubmissionStore> store;
    const Clock* clock = nullptr;
};

Resources OpenResources(Context& context) {
    const auto& settings = context.settings();
    Resources resources;
    const bool shared = settings.worker_transfer == "shared";
    if (shared || settings.queue_backend == "embedded") {
        auto& services = context.services();
        resources.db = &services.database();
        resources.clock = &services.clock();
    }
    if (shared) resources.store.emplace(context.services().file_system(), settings.submission_dir);
    return resources;
}

std::unique_ptr<worker::Worker> MakeWorker(Context& context, Resources& resources, unsigned index) {
    const auto& settings = context.settings();
    worker::WorkerConfig config = worker::ConfigFromSettings(settings, "", index);
    auto queue = queue::Open(settings, resources.db, config.name);
    std::unique_ptr<worker::WorkerLink> link;
    if (resources.store) {
        link = worker::MakeLocalLink(*resources.db, *resources.store, *resources.clock);
    } else {
        link = worker::MakeHttpLink(settings);
    }
    return std::make_unique<worker::Worker>(std::move(config), std::move(queue), std::move(link));
}

// --once: the first delivery handled ends the thread (or a stop).
void RunOnce(worker::Worker& worker, const std::atomic<bool>& stopping, const std::string& name) {
    while (!stopping) {
        try {
            if (worker.RunOnce(std::chrono::milliseconds(1000))) return;
        } catch (const std::exception& e) {
            spdlog::error("worker {}: {}", name, e.what());
            std::this_thread::sleep_for(kRetryPause);
        }
    }
}

void CheckSettings(const settings::Settings& settings) {
    if (settings.worker_transfer != "shared" && settings.worker_transfer != "http") {
        throw CliError("ZR_WORKER_TRANSFER must be 'shared' or 'http', not '" + settings.worker_transfer + "'");
    }
    if (worker::WorkerBinFolder(settings).empty()) {
        const std::string pool = worker::PoolOf(settings);
        throw CliError("no bin folder for " +
                       (pool == settings.hostname ? "host '" + pool + "'"
                                                  : "pool '" + pool + "' or host '" + settings.hostname + "'") +
                       " in ZR_REMOTE_BIN: this host runs no evaluator");
    }
}

int RunWorkers(Context& context, const Options& options) {
    const auto& settings = context.settings();
    CheckSettings(settings);
    spdlog::set_level(settings.debug ? spdlog::level::debug : spdlog::level::info);
    Resources resources = OpenResources(context);
    BlockedStopSignals signals;  // before the threads start, so that they inherit the mask

    std::vector<std::unique_ptr<worker::Worker>> workers;
    for (unsigned i = 0; i < options.threads; ++i) workers.push_back(MakeWorker(context, resources, i));
    std::atomic<bool> stopping{false};
    std::atomic<unsigned> running{options.threads};
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < options.threads; ++i) {
        threads.emplace_back([&, i] {
            if (options.once) {
                RunOnce(*workers[i], stopping, std::to_string(i));
            } else {
                workers[i]->Run();
            }
            --running;
        });
    }
    spdlog::info("zr worker: {} worker(s) on host {} taking jobs of pool {} ({} queue, {} transfer)", options.threads,
                 settings.hostname, worker::PoolOf(settings), settings.queue_backend, settings.worker_transfer);
    unsigned received = 0;
    while (running > 0) {
        const int sig = signals.Wait(kSignalPoll);
        if (sig == 0) continue;
        ++received;
        stopping = true;
        spdlog::warn(
            "zr worker: {} received, {}", sig == SIGINT ? "SIGINT" : "SIGTERM",
            received == 1 ? "stopping after the running jobs (again to cancel them)" : "canceling the running jobs");
        for (auto& worker : workers) worker->Stop(received > 1);
    }
    for (auto& thread : threads) thread.join();
    spdlog::info("zr worker: stopped");
    return 0;
}

}  // namespace
}  // namespace worker_cmd

void AddWorkerCommand(CommandSet& commands) {
    using namespace worker_cmd;
    auto options = std::make_shared<Options>();
    auto& command = commands.Add("worker", "",
                                 "Run evaluation workers on this host until SIGINT/SIGTERM (a second signal "
                                 "cancels the running evaluations)",
                                 [options](Context& context) { return RunWorkers(context, *options); });
    command.add_option("-n,--threads", options->threads, "Number of workers (jobs run at once, default 1)")
        ->check(CLI::Range(1u, 256u));
    command.add_flag("--once", options->once, "Each worker handles one job, then the command exits");
}

}  // namespace zr::cli
