#include "worker/worker.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "domain/submission_status.hpp"
#include "worker/command.hpp"
#include "worker/runner.hpp"

namespace zr::worker {
namespace {

using evaluation::Job;
using evaluation::Update;
using evaluation::UpdateType;
using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kErrorPause{2000};
// How often a running job looks at the stop flag; heartbeats use their own interval.
constexpr std::chrono::milliseconds kMaxPoll{250};

// Jobs not to run: finished, canceled, or unknown to the service (nothing would take their result).
bool IsSkipped(const std::string& state) {
    const auto parsed = domain::ParseJobState(state);
    return !parsed || domain::IsFinal(*parsed);
}

// While a job is held: keeps its delivery alive every heartbeat from a thread of its own (the run,
// the transfers and the reports are all covered), and once the delivery is lost (the job goes to
// another worker) interrupts the link's transfers.
class DeliveryWatch {
public:
    DeliveryWatch(queue::MessageQueue& queue, WorkerLink& link, const queue::Delivery& delivery,
                  std::chrono::milliseconds interval)
        : queue_(queue), link_(link), delivery_(delivery), interval_(interval), thread_([this] { Loop(); }) {}
    ~DeliveryWatch() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    DeliveryWatch(const DeliveryWatch&) = delete;
    DeliveryWatch& operator=(const DeliveryWatch&) = delete;

    bool lost() const { return lost_; }

private:
    void Loop() {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, interval_, [this] { return done_; })) {
            lock.unlock();
            bool alive = true;
            try {
                alive = queue_.KeepAlive(delivery_);
            } catch (const std::exception& e) {
                spdlog::warn("worker: keeping a delivery alive failed: {}", e.what());  // tried again
            }
            lock.lock();
            if (!alive) {
                lost_ = true;
                link_.SetInterrupted(true);
                return;
            }
        }
    }

    queue::MessageQueue& queue_;
    WorkerLink& link_;
    const queue::Delivery& delivery_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;
    std::atomic<bool> lost_{false};
    std::thread thread_;  // last: started once the rest is set
};

// Why a run was stopped by the worker rather than ending on its own.
enum class Interrupt { kNone, kCanceled, kLost, kReleased };

double SecondsSince(SteadyClock::time_point start) {
    return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

}  // namespace

// What one update reports beside the job and the delivery.
struct Report {
    UpdateType type = UpdateType::kStarted;
    std::optional<int> exit_code;
    std::string reason;
    std::optional<domain::FailureKind> failure_kind;
    ScriptInfo script;
};

namespace {

Report Failure(std::string reason, domain::FailureKind kind = domain::FailureKind::kPlatform) {
    Report report;
    report.type = UpdateType::kFailed;
    report.reason = std::move(reason);
    report.failure_kind = kind;
    return report;
}

Report Plain(UpdateType type) {
    Report report;
    report.type = type;
    return report;
}

}  // namespace

struct Worker::Impl {
    WorkerConfig config;
    std::unique_ptr<queue::MessageQueue> queue;
    std::unique_ptr<WorkerLink> link;
    std::atomic<bool> stopping{false};
    std::atomic<bool> cancel_running{false};
    std::atomic<bool> holding{false};  // a delivery is being handled
    std::mutex pause_mutex;
    std::condition_variable pause_wake;

    void Handle(const queue::Delivery& delivery);
    void Evaluate(const Job& job, const queue::Delivery& delivery);
    // Runs the command; returns the run's result and how the worker interrupted it.
    std::pair<RunResult, Interrupt> Execute(const Job& job, const queue::Delivery& delivery,
                                            const std::vector<std::string>& argv, const std::filesystem::path& folder,
                                            const DeliveryWatch& watch);
    void Publish(const Job& job, const queue::Delivery& delivery, const Report& report);
    Update MakeUpdate(const Job& job, const queue::Delivery& delivery, const Report& report) const;
    // Publish, releasing the delivery when the update cannot be recorded (the job must run again).
    void PublishOrRelease(const Job& job, const queue::Delivery& delivery, const Report& report);
    // The update of a run that ended on its own or was canceled (scores returned when it succeeded).
    Report Outcome(const Job& job, const RunResult& result, Interrupt interrupt, const std::filesystem::path& folder);
    void Ack(const queue::Delivery& delivery, const Job& job);
    void AppendLine(const Job& job, const std::string& line);
    // Publishes worker_presence when the interval has passed since the last one.
    void Announce();
    SteadyClock::time_point next_presence{};
    void Cleanup(const Job& job);
    void Pause();
    // Holds a delivery of a job still running elsewhere while that run's result may arrive
    // (see kResultGrace); the job's status then, or nullopt when the delivery was lost or released.
    std::optional<JobStatus> AwaitResult(const Job& job, const queue::Delivery& delivery, JobStatus status);
};

void Worker::Impl::Publish(const Job& job, const queue::Delivery& delivery, const Report& report) {
    const Update update = MakeUpdate(job, delivery, report);
    queue->Publish(queue::kUpdateQueue, evaluation::ToJson(update));
}

Update Worker::Impl::MakeUpdate(const Job& job, const queue::Delivery& delivery, const Report& report) const {
    Update update;
    update.type = report.type;
    update.job_id = job.job_id;
    update.submission_id = job.submission_id;
    update.host = config.hostname;
    update.worker = config.name;
    update.attempt = delivery.attempts;
    update.exit_code = report.exit_code;
    update.reason = report.reason;
    update.failure_kind = report.failure_kind;
    update.script_sha256 = report.script.sha256;
    update.evaluator_version = report.script.version;
    return update;
}

void Worker::Impl::PublishOrRelease(const Job& job, const queue::Delivery& delivery, const Report& report) {
    try {
        Publish(job, delivery, report);
    } catch (...) {
        try {
            queue->Release(delivery);
        } catch (const std::exception& e) {
            spdlog::warn("worker {}: cannot release job {}: {}", config.name, job.job_id, e.what());
        }
        throw;
    }
}

void Worker::Impl::Ack(const queue::Delivery& delivery, const Job& job) {
    if (!queue->Ack(delivery)) {
        spdlog::warn("worker {}: job {} of submission {} was no longer ours when acknowledged", config.name, job.job_id,
                     job.submission_id);
    }
}

// A line of ours in out.log; the log is a courtesy, its failure does not change the outcome.
void Worker::Impl::AppendLine(const Job& job, const std::string& line) {
    try {
        link->AppendLog(job, line + "\n");
        link->Flush(job);
    } catch (const std::exception& e) {
        spdlog::warn("worker {}: cannot write the log of submission {}: {}", config.name, job.submission_id, e.what());
    }
}

void Worker::Impl::Cleanup(const Job& job) {
    try {
        link->Cleanup(job);
    } catch (const std::exception& e) {
        spdlog::warn("worker {}: cleanup of submission {} failed: {}", config.name, job.submission_id, e.what());
    }
}

void Worker::Impl::Announce() {
    if (config.presence.count() <= 0 || SteadyClock::now() < next_presence) return;
    next_presence = SteadyClock::now() + config.presence;  // also after a failure: no tight loop
    Update update;
    update.type = UpdateType::kPresence;
    update.host = config.hostname;
    update.worker = config.name;
    queue->PublishBestEffort(queue::kUpdateQueue, evaluation::ToJson(update));
}

void Worker::Impl::Pause() {
    std::unique_lock lock(pause_mutex);
    pause_wake.wait_for(lock, kErrorPause, [this] { return stopping.load(); });
}

void Worker::Impl::Handle(const queue::Delivery& delivery) {
    if (!cancel_running) link->SetInterrupted(false);  // a job lost before does not hold this one
    Job job;
    try {
        job = evaluation::JobFromJson(delivery.body);
    } catch (const evaluation::MessageError& e) {
        spdlog::warn("worker {}: dropping a message of {} that is not a job ({}): {}", config.name, delivery.queue,
                     e.what(), delivery.body.dump());
        queue->Ack(delivery);
        return;
    }
    if (job.host && *job.host != config.pool && *job.host != config.hostname) {
        // Another pool's evaluator: handed on as a new message at the tail of the queue (so that
        // the deliveries it spent here do not count as lost workers) for that pool's workers.
        queue->Publish(queue::kEvalQueue, delivery.body);
        queue->Ack(delivery);
        spdlog::debug("worker {}: job {} is for host {}, handed on", config.name, job.job_id, *job.host);
        Pause();
        return;
    }
    try {
        JobStatus status = link->JobState(job.job_id);
        if (status.state == "running" && status.quiet_seconds) {
            auto awaited = AwaitResult(job, delivery, std::move(status));
            if (!awaited) return;
            status = std::move(*awaited);
        }
        if (IsSkipped(status.state)) {
            spdlog::info("worker {}: job {} of submission {} is {}, not run", config.name, job.job_id,
                         job.submission_id, status.state.empty() ? "unknown to the service" : status.state);
            Ack(delivery, job);
            return;
        }
        if (delivery.attempts > config.max_attempts) {
            const unsigned lost = delivery.attempts - 1;
            spdlog::warn("worker {}: job {} of submission {} lost its worker {} times, failed", config.name, job.job_id,
                         job.submission_id, lost);
            Publish(job, delivery, Failure("the job lost its worker " + std::to_string(lost) + " times"));
            Ack(delivery, job);
            return;
        }
    } catch (...) {
        queue->Release(delivery);  // another worker (or this one, later) will try again
        throw;
    }
    Evaluate(job, delivery);
}

std::optional<JobStatus> Worker::Impl::AwaitResult(const Job& job, const queue::Delivery& delivery, JobStatus status) {
    // The service hears from a live run every heartbeat: quieter than two of them, it is gone.
    const double window = std::chrono::duration<double>(2 * config.heartbeat).count() + 1.0;
    if (*status.quiet_seconds >= window) return status;
    spdlog::info(
        "worker {}: job {} of submission {} is running elsewhere (heard from {:.1f}s ago); waiting up to {}s "
        "for that run's result before running it again",
        config.name, job.job_id, job.submission_id, *status.quiet_seconds,
        std::chrono::duration_cast<std::chrono::seconds>(kResultGrace).count());
    const auto until = SteadyClock::now() + kResultGrace;
    while (status.state == "running" && status.quiet_seconds && *status.quiet_seconds < window &&
           SteadyClock::now() < until) {
        {
            std::unique_lock lock(pause_mutex);
            pause_wake.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping.load(); });
        }
        if (stopping) {
            queue->Release(delivery);
            return std::nullopt;
        }
        if (!queue->KeepAlive(delivery)) return std::nullopt;
        status = link->JobState(job.job_id);
    }
    return status;
}

void Worker::Impl::Evaluate(const Job& job, const queue::Delivery& delivery) {
    const auto start = SteadyClock::now();
    // Whatever happens below (exceptions included), the copy goes; the paths that report remove
    // it before reporting, so that a finished job leaves nothing behind once it is seen finished.
    struct CopyRemoval {
        Impl& impl;
        const Job& job;
        bool done = false;
        void Now() {
            if (!std::exchange(done, true)) impl.Cleanup(job);
        }
        ~CopyRemoval() { Now(); }
    } removal{*this, job};
    const DeliveryWatch watch(*queue, *link, delivery, config.heartbeat);
    spdlog::info("worker {}: job {} submission {} started ({} {}, attempt {})", config.name, job.job_id,
                 job.submission_id, job.executor, job.script_path, delivery.attempts);
    Report started = Plain(UpdateType::kStarted);
    std::filesystem::path script;
    std::string refusal;
    try {
        script = CheckScript(config.bin_dir, job.script_path);
        started.script = DescribeScript(script, config.bin_dir, job.evaluator);
    } catch (const Refused& e) {
        refusal = std::string("evaluation refused: ") + e.what();
    } catch (const std::exception& e) {
        refusal = std::string("cannot prepare the evaluation: ") + e.what();
    }
    PublishOrRelease(job, delivery, started);

    std::filesystem::path folder;
    std::vector<std::string> argv;
    if (refusal.empty()) {
        try {
            folder = link->Checkout(job);
            argv = BuildCommand(job, config.bin_dir, script, folder);
        } catch (const Refused& e) {
            refusal = std::string("evaluation refused: ") + e.what();
        } catch (const std::exception& e) {
            refusal = std::string("cannot prepare the evaluation: ") + e.what();
        }
    }
    if (cancel_running) {
        // Stopped during the transfer (which the stop interrupted): not a failure of the job.
        spdlog::warn("worker {}: job {} submission {} stopped before it ran", config.name, job.job_id,
                     job.submission_id);
        removal.Now();
        queue->Release(delivery);
        return;
    }
    if (watch.lost() || !queue->KeepAlive(delivery)) {
        // Lost during a long transfer (the connection died): it runs elsewhere.
        spdlog::warn("worker {}: job {} submission {} lost its delivery before it ran", config.name, job.job_id,
                     job.submission_id);
        return;
    }
    if (!refusal.empty()) {
        AppendLine(job, refusal);
        spdlog::warn("worker {}: job {} submission {} failed: {}", config.name, job.job_id, job.submission_id, refusal);
        removal.Now();
        PublishOrRelease(job, delivery, Failure(refusal));
        Ack(delivery, job);
        return;
    }

    auto [result, interrupt] = Execute(job, delivery, argv, folder, watch);
    try {
        link->Flush(job);
    } catch (const std::exception& e) {
        spdlog::warn("worker {}: cannot write the log of submission {}: {}", config.name, job.submission_id, e.what());
    }
    if (interrupt == Interrupt::kLost || interrupt == Interrupt::kReleased) {
        spdlog::warn("worker {}: job {} submission {} {} after {:.1f}s, not reported", config.name, job.job_id,
                     job.submission_id, interrupt == Interrupt::kLost ? "lost its delivery" : "stopped",
                     SecondsSince(start));
        removal.Now();
        if (interrupt == Interrupt::kReleased) queue->Release(delivery);
        return;
    }
    const Report report = Outcome(job, result, interrupt, folder);
    if (watch.lost()) {
        // Lost while the scores or the log went back: another worker runs it; no report.
        spdlog::warn("worker {}: job {} submission {} lost its delivery after its run, not reported", config.name,
                     job.job_id, job.submission_id);
        return;
    }
    removal.Now();
    PublishOrRelease(job, delivery, report);
    spdlog::info("worker {}: job {} submission {} {} (exit {}{}{}) in {:.1f}s", config.name, job.job_id,
                 job.submission_id, evaluation::ToString(report.type),
                 report.exit_code ? std::to_string(*report.exit_code) : "none", report.reason.empty() ? "" : ", ",
                 report.reason, SecondsSince(start));
    Ack(delivery, job);
}

Report Worker::Impl::Outcome(const Job& job, const RunResult& result, Interrupt interrupt,
                             const std::filesystem::path& folder) {
    if (interrupt == Interrupt::kCanceled) {
        Report canceled = Plain(UpdateType::kCanceled);
        canceled.reason = "canceled";
        return canceled;
    }
    Report report = Failure(result.reason, ClassifyFailure(result));
    if (result.end == RunEnd::kExited || result.end == RunEnd::kSignaled) report.exit_code = result.exit_code;
    if (result.end != RunEnd::kExited || result.exit_code != 0) return report;
    try {
        link->ReturnScores(job, folder);
    } catch (const std::exception& e) {
        report.reason = std::string("cannot return the scores: ") + e.what();
        return report;  // exit code 0, kind platform
    }
    Report complete = Plain(UpdateType::kComplete);
    complete.exit_code = 0;
    return complete;
}

std::pair<RunResult, Interrupt> Worker::Impl::Execute(const Job& job, const queue::Delivery& delivery,
                                                      const std::vector<std::string>& argv,
                                                      const std::filesystem::path& folder, const DeliveryWatch& watch) {
    Interrupt interrupt = Interrupt::kNone;
    auto next_heartbeat = SteadyClock::now() + config.heartbeat;
    bool log_failed = false;

    RunOptions options;
    options.cwd = folder;
    options.time_limit = job.time_limit_s > 0 ? std::chrono::seconds(job.time_limit_s) : config.time_limit;
    options.poll_interval = std::min<std::chrono::milliseconds>(config.heartbeat, kMaxPoll);
    options.on_output = [&](std::string_view text) {
        try {
            link->AppendLog(job, text);
        } catch (const std::exception& e) {
            if (!log_failed)
                spdlog::warn("worker {}: cannot write the log of submission {}: {}", config.name, job.submission_id,
                             e.what());
            log_failed = true;
        }
    };
    options.keep_going = [&] {
        if (cancel_running) {
            interrupt = Interrupt::kReleased;
            return false;
        }
        if (watch.lost()) {
            interrupt = Interrupt::kLost;
            return false;
        }
        if (SteadyClock::now() < next_heartbeat) return true;
        next_heartbeat = SteadyClock::now() + config.heartbeat;
        try {
            // Best effort: a heartbeat must not hold the run while the network is away.
            queue->PublishBestEffort(queue::kUpdateQueue,
                                     evaluation::ToJson(MakeUpdate(job, delivery, Plain(UpdateType::kHeartbeat))));
            if (domain::ParseJobState(link->JobState(job.job_id).state) == domain::JobState::kCanceled) {
                interrupt = Interrupt::kCanceled;
                return false;
            }
        } catch (const std::exception& e) {
            // A transient failure must not end a long evaluation; a lost delivery shows as KeepAlive false.
            spdlog::warn("worker {}: heartbeat of job {} failed: {}", config.name, job.job_id, e.what());
        }
        return true;
    };
    RunResult result = RunProcess(argv, options);
    return {std::move(result), interrupt};
}

Worker::Worker(WorkerConfig config, std::unique_ptr<queue::MessageQueue> queue, std::unique_ptr<WorkerLink> link)
    : impl_(std::make_unique<Impl>()) {
    impl_->config = std::move(config);
    impl_->queue = std::move(queue);
    impl_->link = std::move(link);
}

Worker::~Worker() = default;

void Worker::Run() {
    while (!impl_->stopping) {
        try {
            impl_->Announce();
            RunOnce(impl_->config.receive_wait);
        } catch (const std::exception& e) {
            spdlog::error("worker {}: {}; retrying in {}s", impl_->config.name, e.what(),
                          std::chrono::duration_cast<std::chrono::seconds>(kErrorPause).count());
            impl_->Pause();
        }
    }
}

bool Worker::RunOnce(std::chrono::milliseconds wait) {
    auto delivery = impl_->queue->Receive(queue::kEvalQueue, wait);
    if (!delivery) return false;
    struct Holding {
        std::atomic<bool>& flag;
        explicit Holding(std::atomic<bool>& f) : flag(f) { flag = true; }
        ~Holding() { flag = false; }
    } holding(impl_->holding);
    if (impl_->stopping) {
        impl_->queue->Release(*delivery);  // arrived as we stop: for another worker
        return true;
    }
    impl_->Handle(*delivery);
    return true;
}

void Worker::Stop(bool cancel_running) {
    {
        std::lock_guard lock(impl_->pause_mutex);
        impl_->stopping = true;
    }
    if (cancel_running) {
        impl_->cancel_running = true;
        impl_->link->SetInterrupted(true);
    }
    // Idle, or giving the job up: no reason left to wait for an unreachable broker.
    if (cancel_running || !impl_->holding) impl_->queue->Interrupt();
    impl_->pause_wake.notify_all();
}

WorkerConfig ConfigFromSettings(const settings::Settings& settings, const std::string& tag, unsigned index) {
    WorkerConfig config;
    config.hostname = settings.hostname;
    config.pool = PoolOf(settings);
    config.name = config.hostname + ":" + std::to_string(::getpid()) + ":" + tag + std::to_string(index);
    config.bin_dir = WorkerBinFolder(settings);
    config.time_limit = settings.eval_time_limit;
    config.max_attempts = settings.eval_max_attempts;
    const auto third_of_lease = std::chrono::duration_cast<std::chrono::milliseconds>(settings.eval_lease) / 3;
    config.heartbeat = std::min(config.heartbeat, third_of_lease);
    config.presence = std::min(config.presence, third_of_lease);
    return config;
}

std::filesystem::path BinFolderOf(const settings::Settings& settings, const std::string& name) {
    auto it = settings.remote_bin.find(name);
    return it == settings.remote_bin.end() ? std::filesystem::path() : std::filesystem::path(it->second);
}

std::string PoolOf(const settings::Settings& settings) {
    return settings.eval_pool.empty() ? settings.hostname : settings.eval_pool;
}

std::filesystem::path WorkerBinFolder(const settings::Settings& settings) {
    auto bin = BinFolderOf(settings, PoolOf(settings));
    return bin.empty() ? BinFolderOf(settings, settings.hostname) : bin;
}

}  // namespace zr::worker
