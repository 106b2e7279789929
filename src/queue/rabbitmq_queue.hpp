#pragma once
// Internal to zr_queue: the RabbitMQ back-end (message_queue.hpp) over one AmqpConnection,
// re-opened after any connection error: at once, then with a backoff of 0.5 s doubling to 10 s. A delivery
// remembers the connection generation it came on: Ack/Release/KeepAlive of a delivery from an
// older connection do nothing and return false (the broker has already requeued it).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

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
    std::optional<Delivery> Receive(std::string_view queue, std::chrono::milliseconds wait) override;
    bool Ack(const Delivery& delivery) override;
    void Release(const Delivery& delivery) override;
    bool KeepAlive(const Delivery& delivery) override;
    std::size_t Ready(std::string_view queue) override;
    bool Connected() const override { return connection_ != nullptr; }

private:
    using SteadyTime = std::chrono::steady_clock::time_point;

    // True once connected; false if `deadline` passed first (attempts respect the backoff).
    bool EnsureConnected(SteadyTime deadline);
    void Lost(const std::exception& error);
    // The connection `delivery` came on, or nullptr if that one is gone.
    detail::AmqpConnection* ConnectionOf(const Delivery& delivery);
    [[noreturn]] void Unreachable(const char* operation) const;

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
};

}  // namespace zr::queue
