#include "queue/embedded_queue.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>

#include "db/queue_repository.hpp"
#include "queue/body.hpp"

namespace zr::queue {

// Raised when a message of one queue of one database file becomes ready in this process.
struct EmbeddedQueue::Signal {
    std::mutex mutex;
    std::condition_variable ready;
    std::uint64_t generation = 0;  // guarded by mutex

    void Raise() {
        {
            std::lock_guard lock(mutex);
            ++generation;
        }
        ready.notify_all();
    }
};

namespace {

constexpr auto kFirstPoll = std::chrono::milliseconds(5);
constexpr auto kLongestPoll = std::chrono::milliseconds(200);

// One signal per (database file, queue) for the whole process, shared by every instance on it
// whatever db::Database object it was opened through.
std::shared_ptr<EmbeddedQueue::Signal> SharedSignal(const std::string& key) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<EmbeddedQueue::Signal>> signals;
    std::lock_guard lock(mutex);
    auto& signal = signals[key];
    if (!signal) signal = std::make_shared<EmbeddedQueue::Signal>();
    return signal;
}

std::string DatabaseKey(const db::Database& db) {
    std::error_code error;
    auto path = std::filesystem::weakly_canonical(db.path(), error);
    if (error) path = std::filesystem::absolute(db.path());
    return path.string();
}

std::int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t RowId(const Delivery& delivery) { return static_cast<std::int64_t>(delivery.tag); }

}  // namespace

void NotifyInserted(const db::Database& db, std::string_view queue) {
    SharedSignal(DatabaseKey(db) + '\n' + std::string(queue))->Raise();
}

EmbeddedQueue::EmbeddedQueue(db::Database& db, std::string consumer, std::chrono::milliseconds lease)
    : db_(db),
      db_key_(DatabaseKey(db)),
      consumer_(std::move(consumer)),
      lease_(lease),
      random_(std::random_device{}()) {}

EmbeddedQueue::Signal& EmbeddedQueue::SignalOf(std::string_view queue) {
    auto it = signals_.find(queue);
    if (it == signals_.end()) {
        auto signal = SharedSignal(db_key_ + '\n' + std::string(queue));
        it = signals_.emplace(std::string(queue), std::move(signal)).first;
    }
    return *it->second;
}

EmbeddedQueue::~EmbeddedQueue() = default;

std::string EmbeddedQueue::NewLeaseToken() {
    char hex[33];
    std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(random_()),
                  static_cast<unsigned long long>(random_()));
    return consumer_ + "/" + hex;
}

void EmbeddedQueue::Publish(std::string_view queue, const nlohmann::json& message) {
    const std::string body = detail::EncodeBody(message);
    {
        auto conn = db_.Acquire();
        db::QueueRepository(*conn).Insert(queue, body, NowMs());
    }
    SignalOf(queue).Raise();
}

std::optional<Delivery> EmbeddedQueue::TryClaim(std::string_view queue) {
    std::string lease = NewLeaseToken();
    auto conn = db_.Acquire();
    auto row = db::QueueRepository(*conn).Claim(queue, lease, NowMs(), lease_.count());
    if (!row) return std::nullopt;
    Delivery delivery;
    delivery.queue = std::move(row->queue);
    delivery.tag = static_cast<std::uint64_t>(row->id);
    delivery.lease = std::move(lease);
    delivery.body = detail::DecodeBody(row->body);
    delivery.attempts = static_cast<unsigned>(std::max(row->deliveries, 1));
    return delivery;
}

std::optional<Delivery> EmbeddedQueue::Receive(std::string_view queue, std::chrono::milliseconds wait) {
    auto& signal = SignalOf(queue);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    auto poll = kFirstPoll;
    while (true) {
        std::uint64_t seen;
        {
            std::lock_guard lock(signal.mutex);
            seen = signal.generation;
        }
        if (auto delivery = TryClaim(queue)) return delivery;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return std::nullopt;
        std::unique_lock lock(signal.mutex);
        const bool raised =
            signal.ready.wait_until(lock, std::min(deadline, now + poll), [&] { return signal.generation != seen; });
        poll = raised ? kFirstPoll : std::min(poll * 2, std::chrono::milliseconds(kLongestPoll));
    }
}

bool EmbeddedQueue::Ack(const Delivery& delivery) {
    auto conn = db_.Acquire();
    return db::QueueRepository(*conn).Delete(RowId(delivery), delivery.lease);
}

void EmbeddedQueue::Release(const Delivery& delivery) {
    bool released;
    {
        auto conn = db_.Acquire();
        released = db::QueueRepository(*conn).Release(RowId(delivery), delivery.lease);
    }
    if (released) SignalOf(delivery.queue).Raise();
}

bool EmbeddedQueue::KeepAlive(const Delivery& delivery) {
    auto conn = db_.Acquire();
    return db::QueueRepository(*conn).Extend(RowId(delivery), delivery.lease, NowMs() + lease_.count());
}

std::size_t EmbeddedQueue::Ready(std::string_view queue) {
    auto conn = db_.Acquire();
    return db::QueueRepository(*conn).CountReady(queue, NowMs());
}

}  // namespace zr::queue
