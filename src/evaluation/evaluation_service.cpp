// The service's life cycle and the update_queue consumer thread.
#include "evaluation/evaluation_service.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/time.hpp"
#include "db/monitoring_repository.hpp"
#include "evaluation/internal.hpp"

namespace zr::evaluation {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// How long one Receive waits: bounds Stop's latency and the time before a drained queue is noticed.
constexpr auto kReceiveWait = 200ms;
// RabbitMQ outbox: how often unpublished rows are looked for, and how old they must be (younger
// ones are being published by the request that queued them).
constexpr auto kOutboxInterval = 10s;
constexpr auto kOutboxAge = 60s;
constexpr auto kErrorPause = 1s;
// Workers not heard from for this long are forgotten (their processes ended long ago); checked
// this often.
constexpr auto kForgetWorkersAfter = std::chrono::hours(24);
constexpr auto kForgetWorkersInterval = std::chrono::hours(1);

}  // namespace

EvaluationService::EvaluationService(db::Database& db, const storage::SubmissionStore& store,
                                     const settings::Settings& settings, leaderboards::LeaderboardService& leaderboards,
                                     Notifiers notifiers, const Clock& clock)
    : impl_(std::make_unique<Impl>(db, store, settings, leaderboards, notifiers, clock)) {}

EvaluationService::~EvaluationService() { Stop(); }

void EvaluationService::Start() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->started) return;
        impl_->started = true;
        impl_->stopping = false;
    }
    try {
        impl_->RecoverPublications();
        impl_->RepublishUnpublished(std::nullopt);
        for (const auto& id : impl_->ForgottenUploads()) {
            spdlog::info("submission {}: uploaded but never queued; queuing it", id);
            try {
                Enqueue(id);
            } catch (const std::exception& e) {
                spdlog::error("submission {}: cannot queue it for evaluation: {}", id, e.what());
            }
        }
    } catch (const std::exception& e) {
        spdlog::error("evaluation start-up recovery failed: {}", e.what());
    }
    impl_->consumer = std::thread([this] { impl_->ConsumeLoop(); });
}

void EvaluationService::Stop() {
    {
        std::lock_guard lock(impl_->mutex);
        if (!impl_->started) return;
        impl_->stopping = true;
    }
    impl_->cv.notify_all();
    if (impl_->consumer.joinable()) impl_->consumer.join();
    std::lock_guard lock(impl_->mutex);
    impl_->started = false;
    impl_->cv.notify_all();
}

void EvaluationService::WaitIdle() {
    std::unique_lock lock(impl_->mutex);
    if (!impl_->started) {
        lock.unlock();
        impl_->RebuildDue(true, true);
        return;
    }
    // Two drained passes: the first may have begun before the caller's last update was queued.
    const std::uint64_t target = impl_->idle_generation + 2;
    impl_->cv.wait(lock, [&] { return impl_->idle_generation >= target || impl_->stopping || !impl_->started; });
}

void EvaluationService::Impl::ConsumeLoop() {
    std::unique_ptr<queue::MessageQueue> queue;
    auto last_outbox = SteadyClock::now();
    auto last_forget = SteadyClock::now() - kForgetWorkersInterval;
    for (;;) {
        {
            std::lock_guard lock(mutex);
            if (stopping) break;
        }
        try {
            if (!queue) {
                queue = queue::Open(settings, &db, settings.hostname + ":" + std::to_string(getpid()) + ":updates");
            }
            auto delivery = queue->Receive(queue::kUpdateQueue, kReceiveWait);
            queue_connected = queue->Connected();
            if (delivery) HandleDelivery(*queue, *delivery);
            RebuildDue(!delivery);
            if (!delivery) {
                std::lock_guard lock(mutex);
                ++idle_generation;
                cv.notify_all();
            }
            if (!embedded && SteadyClock::now() - last_outbox >= kOutboxInterval) {
                last_outbox = SteadyClock::now();
                RepublishUnpublished(clock.Now() - kOutboxAge);
            }
            if (SteadyClock::now() - last_forget >= kForgetWorkersInterval) {
                last_forget = SteadyClock::now();
                ForgetOldWorkers();
            }
        } catch (const std::exception& e) {
            if (!queue) queue_connected = false;  // Open failed: the broker is unreachable
            spdlog::error("evaluation updates: {}; retrying", e.what());
            std::unique_lock lock(mutex);
            cv.wait_for(lock, kErrorPause, [&] { return stopping; });
        }
    }
    RebuildDue(true, true);  // completions applied just before the stop are still published
}

void EvaluationService::Impl::HandleDelivery(queue::MessageQueue& queue, const queue::Delivery& delivery) {
    Update update;
    try {
        update = UpdateFromJson(delivery.body);
    } catch (const MessageError& e) {
        spdlog::warn("update_queue: dropping a message that is not an update ({}): {}", e.what(), delivery.body.dump());
        queue.Ack(delivery);
        return;
    }
    RecordWorker(update);
    if (update.type == UpdateType::kPresence) {
        queue.Ack(delivery);
        return;
    }
    try {
        const bool final = update.type == UpdateType::kComplete || update.type == UpdateType::kFailed ||
                           update.type == UpdateType::kCanceled;
        if (!ApplyUpdate(update) && final) {
            // At-least-once delivery: a result applied before (its acknowledgement was lost), or
            // from a run that lost its job to another worker.
            spdlog::info(
                "update_queue: {} of job {} (attempt {}, worker {}) changes nothing: already applied or "
                "superseded",
                ToString(update.type), update.job_id, update.attempt, update.worker);
        }
    } catch (const std::exception&) {
        // Most likely the database is busy: hand the update back for another try.
        queue.Release(delivery);
        throw;
    }
    if (!queue.Ack(delivery)) {
        spdlog::warn("update {} of job {}: acknowledgement lost; it will be applied again (no effect)",
                     ToString(update.type), update.job_id);
    }
}

void EvaluationService::SetJobEvents(JobEvents events) { impl_->job_events = std::move(events); }

bool EvaluationService::QueueConnected() const { return impl_->queue_connected; }

std::vector<db::WorkerRow> EvaluationService::ListWorkers() {
    auto conn = impl_->db.Acquire();
    return db::MonitoringRepository(*conn).ListWorkers();
}

void EvaluationService::Impl::RecordWorker(const Update& update) {
    if (update.worker.empty()) return;
    const bool busy = update.type == UpdateType::kStarted || update.type == UpdateType::kHeartbeat;
    try {
        auto conn = db.Acquire();
        db::MonitoringRepository(*conn).WorkerSeen(update.worker, update.host, UnixMillis(clock.Now()),
                                                   busy ? update.job_id : std::string());
    } catch (const std::exception& e) {
        spdlog::warn("update_queue: cannot record worker {}: {}", update.worker, e.what());
    }
}

void EvaluationService::Impl::ForgetOldWorkers() {
    auto conn = db.Acquire();
    const int forgotten =
        db::MonitoringRepository(*conn).ForgetWorkersBefore(UnixMillis(clock.Now() - kForgetWorkersAfter));
    if (forgotten > 0) spdlog::info("workers: forgot {} not heard from for a day", forgotten);
}

void EvaluationService::Impl::ReportJobEvent(UpdateType type, const db::EvaluationJobRow& job) {
    if (type == UpdateType::kStarted) {
        if (job_events.started) job_events.started(static_cast<unsigned>(job.attempts));
        return;
    }
    if (!domain::IsFinal(job.state) || !job_events.finished) return;
    std::optional<double> seconds;
    if (job.started_at && job.finished_at) {
        seconds = std::chrono::duration<double>(*job.finished_at - *job.started_at).count();
    }
    job_events.finished(domain::ToString(job.state), seconds);
}

}  // namespace zr::evaluation
