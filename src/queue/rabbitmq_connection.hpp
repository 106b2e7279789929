#pragma once
// Internal to zr_queue: one AMQP 0-9-1 connection (librabbitmq) set up the way both queues need
// it: channel 1 in publisher-confirm mode, eval_queue and update_queue declared durable quorum
// queues, prefetch 1. No reconnection here (RabbitMqQueue does that).
//
// Deadlines: no call blocks without one. Each public method (the constructor too) is armed with a
// deadline on a process-wide watchdog thread, which shuts the socket down when it passes; the call
// then fails with AmqpFailure. This guards against librabbitmq 0.11 (Debian 12), whose sends wait
// in poll(fd, POLLOUT, -1) without a timeout once the connection is dead (after missed heartbeats:
// rabbitmq-c issue #780, fixed upstream in 0.14). The socket also gets TCP_USER_TIMEOUT and
// keepalive probes of twice the heartbeat, so that the kernel gives up on a vanished peer too.
//
// Errors: every method throws AmqpFailure once the connection is unusable (socket error, missed
// heartbeats, a deadline passed, the broker closing the channel or connection); the object must
// then be dropped. Not thread-safe.
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "settings/settings.hpp"

struct amqp_connection_state_t_;
struct amqp_frame_t_;

namespace zr::queue::detail {

// Limits of one call (the watchdog's deadlines; see above).
inline constexpr std::chrono::milliseconds kOpenDeadline{5000};   // login and declarations (TCP connect: 3 s)
inline constexpr std::chrono::milliseconds kCallDeadline{10000};  // publish with its confirm, consume, count
inline constexpr std::chrono::milliseconds kQuickDeadline{5000};  // ack, nack, servicing heartbeats
inline constexpr std::chrono::milliseconds kCloseDeadline{1000};  // the polite close of the destructor

class AmqpFailure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct AmqpMessage {
    std::uint64_t tag = 0;  // delivery tag on this connection's channel
    std::string body;
    unsigned attempts = 1;  // x-delivery-count + 1 (the header is absent on a first delivery)
};

class AmqpConnection {
public:
    // Connects (TCP within 3 s), logs in with the rpc_* settings and declares both queues, all
    // within kOpenDeadline.
    explicit AmqpConnection(const settings::Settings& settings);
    // Closes the channel and connection politely unless the connection already failed.
    ~AmqpConnection();
    AmqpConnection(const AmqpConnection&) = delete;
    AmqpConnection& operator=(const AmqpConnection&) = delete;

    // Publishes a persistent application/json message to `queue` (default exchange, mandatory)
    // and waits for the broker's confirm: true when acked, false when nacked. A message the broker
    // could not route (queue deleted) or no confirm within `confirm_timeout` is an AmqpFailure.
    bool Publish(std::string_view queue, std::string_view body, std::chrono::milliseconds confirm_timeout);
    // Publishes without waiting for the confirm (which is ignored when it comes) nor asking for
    // a return: for messages that may be lost (heartbeats, presence).
    void Send(std::string_view queue, std::string_view body);
    // basic.consume with manual acknowledgement.
    void Consume(std::string_view queue, std::string_view consumer_tag);
    // The next delivery, waiting at most `wait`; nullopt on timeout. Heartbeats are sent and
    // checked while waiting (a broker silent for two heartbeats is an AmqpFailure).
    std::optional<AmqpMessage> Next(std::chrono::milliseconds wait);
    void Ack(std::uint64_t tag);
    // Whether the connection failed (a method threw): only destruction is left.
    bool broken() const { return broken_; }
    // basic.nack with requeue: the broker delivers the message again.
    void Requeue(std::uint64_t tag);
    // Reads what the broker sent (heartbeats, a close) and sends our heartbeat when it is due.
    void Service();
    // Messages of `queue` ready for delivery (passive declare).
    std::size_t Ready(std::string_view queue);

private:
    struct StateDeleter {
        void operator()(amqp_connection_state_t_* state) const;
    };

    void Open(const settings::Settings& settings);
    void DeclareQueue(std::string_view name);
    [[noreturn]] void Fail(const std::string& what);
    // Arms the watchdog for the current call; disarmed when the returned guard goes.
    class CallDeadline;
    int Socket() const;
    void CheckReply(const char* operation);
    bool WaitFrame(amqp_frame_t_& frame, std::chrono::milliseconds timeout);
    void HandleFrame(const amqp_frame_t_& frame);
    // basic.publish of a persistent JSON message; returns its publish sequence number.
    std::uint64_t BasicPublish(std::string_view queue, std::string_view body, bool mandatory);
    void ReadDelivery(const amqp_frame_t_& frame);

    std::unique_ptr<amqp_connection_state_t_, StateDeleter> state_;
    bool broken_ = false;
    CallDeadline* deadline_ = nullptr;  // of the call in progress
    std::deque<AmqpMessage> pending_;   // deliveries read while waiting for something else
    std::uint64_t next_publish_seq_ = 1;
    std::uint64_t awaited_seq_ = 0;
    std::optional<bool> confirm_;  // of awaited_seq_
    bool returned_ = false;        // the broker returned the message being published
};

}  // namespace zr::queue::detail
