#pragma once
// Internal to zr_queue: the RabbitMQ back-end (message_queue.hpp) over one AmqpConnection,
// re-opened after any connection error: at once, then with a backoff of ZR_RPC_RECONNECT_FIRST
// doubling to ZR_RPC_RECONNECT_MAX. A delivery remembers the connection generation it came on:
// Ack/Release/KeepAlive of a delivery from an older connection do nothing and return false (the
// broker has already requeued it).
//
// A keeper thread services the connection's heartbeats whenever no call is in progress (every
// half heartbeat): an idle publisher is not dropped by the broker, a worker busy with a transfer
// keeps its delivery, and a dead connection is noticed within two heartbeats even when nobody
// calls. Every call holds mutex_ (the keeper only try-locks it).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "queue/message_queue.hpp"
#include "queue/rabbitmq_connection.hpp"

namespace zr::queue {

class RabbitMqQueue final : public MessageQueue {
public:
    // Connects, retrying for up to `connect_timeout`; QueueError naming the broker and the last
    // error if it cannot.
    RabbitMqQueue(const settings::Settings& settings, std::string consumer, std::chrono::milliseconds connect_timeout);
    ~RabbitMqQueue() override;

    void Publish(std::string_view queue, const nlohmann::json& message) override;
    bool PublishBestEffort(std::string_view queue, const nlohmann::json& message) override;
    std::optional<Delivery> Receive(std::string_view queue, std::chrono::milliseconds wait) override;
    bool Ack(const Delivery& delivery) override;
    void Release(const Delivery& delivery) override;
    bool KeepAlive(const Delivery& delivery) override;
    std::size_t Ready(std::string_view queue) override;
    bool Connected() const override { return connected_; }
    void Interrupt() override;

private:
    using SteadyTime = std::chrono::steady_clock::time_point;

    // True once connected; false if `deadline` passed first (attempts respect the backoff).
    bool EnsureConnected(SteadyTime deadline);
    void Lost(const std::exception& error);
    // The connection `delivery` came on, or nullptr if that one is gone.
    detail::AmqpConnection* ConnectionOf(const Delivery& delivery);
    [[noreturn]] void Unreachable(const char* operation) const;
    void KeepConnection();

    std::mutex mutex_;  // held by every call; the keeper try-locks it

    settings::Settings settings_;
    std::string consumer_;
    std::unique_ptr<detail::AmqpConnection> connection_;
    std::uint64_t generation_ = 0;  // of connection_
    bool consuming_ = false;        // basic.consume sent on connection_
    std::string consumed_queue_;
    std::chrono::milliseconds backoff_{0};
    SteadyTime next_attempt_{};
    std::string last_error_;
    bool reconnecting_ = false;  // a connection was lost and is not re-opened yet
    std::atomic<bool> connected_{false};
    std::atomic<bool> interrupted_{false};
    std::mutex keeper_mutex_;
    std::condition_variable keeper_wake_;
    bool keeper_stop_ = false;
    std::thread keeper_;  // last: started once everything else is set
};

}  // namespace zr::queue
