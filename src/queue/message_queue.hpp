#pragma once
// Durable message queues between the service and its evaluation workers (pipeline.md section 4).
//
// Two back-ends give the same guarantees:
// - embedded (default): a table of the service's own SQLite file (queue_messages). A received
//   message is leased to its consumer; if the consumer stops renewing the lease (KeepAlive) for
//   ZR_EVAL_LEASE, the message is handed out again with attempts + 1.
// - RabbitMQ (librabbitmq): durable queues, persistent messages, publisher confirms, manual ack,
//   prefetch 1. eval_queue is a quorum queue so that redeliveries are counted (x-delivery-count);
//   a consumer whose connection drops (process killed, heartbeats missed) loses its message, which
//   the broker hands out again. No call waits without a deadline; a keeper thread services the
//   heartbeats of an idle connection (between calls, during long transfers); a lost connection is
//   re-opened at once, then after ZR_RPC_RECONNECT_FIRST doubling up to ZR_RPC_RECONNECT_MAX.
//
// Messages are JSON objects (see evaluation/messages.hpp for their "type" and "version").
// Delivery is at least once: consumers must tolerate duplicates.
//
// Thread-safety: an instance is used by one thread at a time (open one per thread), except
// KeepAlive and Interrupt, which another thread may call. Embedded instances may share one
// db::Database.
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "db/database.hpp"
#include "settings/settings.hpp"

namespace zr::queue {

inline constexpr std::string_view kEvalQueue = "eval_queue";
inline constexpr std::string_view kUpdateQueue = "update_queue";

// The back-end cannot be reached or refused an operation (after its own retries).
class QueueError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Delivery {
    std::string queue;
    std::uint64_t tag = 0;  // embedded: row id; RabbitMQ: delivery tag on the current channel
    std::string lease;      // embedded: lease token fencing Ack/KeepAlive; RabbitMQ: connection generation
    nlohmann::json body;    // a message that is not a JSON object arrives as {"raw": "<text>"}
    unsigned attempts = 1;  // deliveries of this message so far, this one included
};

class MessageQueue {
public:
    virtual ~MessageQueue() = default;

    // Stores the message durably: returns once it is committed (embedded) or confirmed by the
    // broker (RabbitMQ; a nack or a lost connection is retried). Throws QueueError when the
    // back-end stays unreachable (RabbitMQ: after ~30 s of retries).
    virtual void Publish(std::string_view queue, const nlohmann::json& message) = 0;

    // Best effort, for messages that may be lost (heartbeats, presence): RabbitMQ sends on the
    // current connection without waiting for the broker's confirm, and not at all (false) while
    // the connection is lost; embedded: Publish. Never waits for the network beyond one send.
    virtual bool PublishBestEffort(std::string_view queue, const nlohmann::json& message) {
        Publish(queue, message);
        return true;
    }

    // The next message of `queue`, waiting at most `wait`; nullopt on timeout. The message stays
    // the caller's until Ack or Release. An instance consumes at most one queue (the first it
    // receives from); publishing to others is fine. Survives broker restarts (reconnects).
    virtual std::optional<Delivery> Receive(std::string_view queue, std::chrono::milliseconds wait) = 0;

    // Removes the message for good. False when the caller no longer owned it (lease expired and
    // taken over, or the connection it came on was lost): it will be / was delivered again.
    virtual bool Ack(const Delivery& delivery) = 0;

    // Hands the message back at once for another delivery (attempts is counted again).
    virtual void Release(const Delivery& delivery) = 0;

    // Keeps the delivery the caller's during long work: renews the lease (embedded) or services
    // the connection's heartbeats (RabbitMQ). Call at least every ZR_EVAL_LEASE / 3 (the worker
    // calls it every few seconds). False when ownership was lost.
    virtual bool KeepAlive(const Delivery& delivery) = 0;

    // Messages of `queue` waiting for a consumer (not leased / not unacknowledged).
    virtual std::size_t Ready(std::string_view queue) = 0;

    // Whether the back-end answered the last operation: RabbitMQ false from a lost connection until
    // it is re-opened; embedded always true (its database is checked on its own).
    virtual bool Connected() const { return true; }

    // The owner is stopping: from now on an operation that would wait for an unreachable back-end
    // gives up at once (Publish and Ready throw QueueError, Receive returns nullopt). Thread-safe.
    virtual void Interrupt() {}
};

// The back-end chosen by ZR_QUEUE_BACKEND. `consumer` names this consumer in leases and logs
// (e.g. "gpu1:1234:0"). `db` is used by the embedded back-end only (must outlive the queue).
// Opening RabbitMQ connects and declares both queues; QueueError if the broker is unreachable.
std::unique_ptr<MessageQueue> Open(const settings::Settings& settings, db::Database* db, std::string consumer);

// Embedded back-end: wakes this process's consumers of `queue` on `db` at once after a message was
// inserted without Publish (inside the caller's own transaction, with db::QueueRepository).
// Consumers in other processes find it by polling.
void NotifyInserted(const db::Database& db, std::string_view queue);

// How long Open keeps trying to reach RabbitMQ before QueueError.
inline constexpr std::chrono::milliseconds kConnectPatience{30000};
// Same as Open, giving up on RabbitMQ after `connect_timeout` (`zr messaging:send` waits less).
// QueueError also for an unknown ZR_QUEUE_BACKEND, or embedded without `db`.
std::unique_ptr<MessageQueue> Open(const settings::Settings& settings, db::Database* db, std::string consumer,
                                   std::chrono::milliseconds connect_timeout);

}  // namespace zr::queue
