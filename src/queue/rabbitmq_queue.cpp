#include "queue/rabbitmq_queue.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "queue/body.hpp"

namespace zr::queue {
namespace {

// How long Publish and Ready keep retrying before QueueError.
constexpr auto kPatience = std::chrono::seconds(30);
constexpr auto kConfirmTimeout = std::chrono::seconds(10);

std::chrono::milliseconds Until(std::chrono::steady_clock::time_point deadline) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
}

}  // namespace

RabbitMqQueue::RabbitMqQueue(const settings::Settings& settings, std::string consumer,
                             std::chrono::milliseconds connect_timeout)
    : settings_(settings), consumer_(std::move(consumer)) {
    if (!EnsureConnected(std::chrono::steady_clock::now() + connect_timeout)) Unreachable("connecting");
    keeper_ = std::thread([this] { KeepConnection(); });
}

RabbitMqQueue::~RabbitMqQueue() {
    {
        std::lock_guard lock(keeper_mutex_);
        keeper_stop_ = true;
    }
    keeper_wake_.notify_all();
    keeper_.join();
}

void RabbitMqQueue::KeepConnection() {
    const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.rpc_heartbeat) / 2;
    std::unique_lock keeper_lock(keeper_mutex_);
    while (!keeper_wake_.wait_for(keeper_lock, interval, [this] { return keeper_stop_; })) {
        // A call in progress services the connection itself (or is held by the network and will
        // end at its deadline): nothing to do then.
        std::unique_lock lock(mutex_, std::try_to_lock);
        if (!lock || !connection_) continue;
        try {
            connection_->Service();
        } catch (const detail::AmqpFailure& error) {
            Lost(error);
        }
    }
}

void RabbitMqQueue::Interrupt() { interrupted_ = true; }

void RabbitMqQueue::Unreachable(const char* operation) const {
    throw QueueError("RabbitMQ at " + settings_.rpc_host + ":" + std::to_string(settings_.rpc_port) + " unreachable (" +
                     operation + "): " + last_error_);
}

bool RabbitMqQueue::EnsureConnected(SteadyTime deadline) {
    while (!connection_) {
        if (interrupted_) {
            if (last_error_.empty()) last_error_ = "stopping";
            return false;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= next_attempt_) {
            try {
                connection_ = std::make_unique<detail::AmqpConnection>(settings_);
                ++generation_;
                consuming_ = false;
                connected_ = true;
                if (reconnecting_) spdlog::info("queue: reconnected to RabbitMQ ({})", consumer_);
                backoff_ = std::chrono::milliseconds(0);
                reconnecting_ = false;
                return true;
            } catch (const detail::AmqpFailure& error) {
                last_error_ = error.what();
                backoff_ = backoff_.count() == 0 ? settings_.rpc_reconnect_first
                                                 : std::min(backoff_ * 2, settings_.rpc_reconnect_max);
                next_attempt_ = std::chrono::steady_clock::now() + backoff_;
                // Before the first connection Open's QueueError tells it all: no warning then.
                spdlog::log(reconnecting_ ? spdlog::level::warn : spdlog::level::info,
                            "queue: RabbitMQ connection failed ({}); next attempt in {} ms", last_error_,
                            backoff_.count());
            }
        }
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_until(std::min(next_attempt_, deadline));
    }
    return true;
}

void RabbitMqQueue::Lost(const std::exception& error) {
    last_error_ = error.what();
    spdlog::warn("queue: RabbitMQ connection lost ({}): {}", consumer_, last_error_);
    connection_.reset();
    connected_ = false;
    // The first attempt at once (an idle connection the broker dropped is the common case);
    // EnsureConnected backs off from there if the broker is really gone.
    backoff_ = std::chrono::milliseconds(0);
    next_attempt_ = std::chrono::steady_clock::now();
    reconnecting_ = true;
}

detail::AmqpConnection* RabbitMqQueue::ConnectionOf(const Delivery& delivery) {
    if (!connection_ || delivery.lease != std::to_string(generation_)) return nullptr;
    return connection_.get();
}

void RabbitMqQueue::Publish(std::string_view queue, const nlohmann::json& message) {
    std::lock_guard lock(mutex_);
    const std::string body = detail::EncodeBody(message);
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (EnsureConnected(deadline)) {
        try {
            if (connection_->Publish(queue, body, kConfirmTimeout)) return;
            last_error_ = "the broker refused the message (nack)";
            spdlog::warn("queue: RabbitMQ nacked a message to {}; publishing again", queue);
        } catch (const detail::AmqpFailure& error) {
            Lost(error);
        }
        if (std::chrono::steady_clock::now() >= deadline || interrupted_) break;
    }
    Unreachable("publishing");
}

bool RabbitMqQueue::PublishBestEffort(std::string_view queue, const nlohmann::json& message) {
    std::lock_guard lock(mutex_);
    if (!connection_) return false;
    try {
        connection_->Send(queue, detail::EncodeBody(message));
        return true;
    } catch (const detail::AmqpFailure& error) {
        Lost(error);
        return false;
    }
}

std::optional<Delivery> RabbitMqQueue::Receive(std::string_view queue, std::chrono::milliseconds wait) {
    std::lock_guard lock(mutex_);
    if (consumed_queue_.empty()) consumed_queue_ = queue;
    if (consumed_queue_ != queue) throw QueueError("this queue instance already consumes " + consumed_queue_);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (EnsureConnected(deadline)) {
        try {
            if (!consuming_) {
                connection_->Consume(queue, consumer_);
                consuming_ = true;
            }
            if (auto message = connection_->Next(std::max(Until(deadline), std::chrono::milliseconds(0)))) {
                return Delivery{consumed_queue_, message->tag, std::to_string(generation_),
                                detail::DecodeBody(message->body), message->attempts};
            }
        } catch (const detail::AmqpFailure& error) {
            Lost(error);
        }
        if (std::chrono::steady_clock::now() >= deadline) break;
    }
    return std::nullopt;
}

bool RabbitMqQueue::Ack(const Delivery& delivery) {
    std::lock_guard lock(mutex_);
    auto* connection = ConnectionOf(delivery);
    if (connection == nullptr) return false;
    try {
        connection->Service();  // a close or a dead socket shows here rather than after the ack
        connection->Ack(delivery.tag);
        return true;
    } catch (const detail::AmqpFailure& error) {
        Lost(error);
        return false;
    }
}

void RabbitMqQueue::Release(const Delivery& delivery) {
    std::lock_guard lock(mutex_);
    auto* connection = ConnectionOf(delivery);
    if (connection == nullptr) return;
    try {
        connection->Requeue(delivery.tag);
    } catch (const detail::AmqpFailure& error) {
        Lost(error);
    }
}

bool RabbitMqQueue::KeepAlive(const Delivery& delivery) {
    std::lock_guard lock(mutex_);
    auto* connection = ConnectionOf(delivery);
    if (connection == nullptr) return false;
    try {
        connection->Service();
        return true;
    } catch (const detail::AmqpFailure& error) {
        Lost(error);
        return false;
    }
}

std::size_t RabbitMqQueue::Ready(std::string_view queue) {
    std::lock_guard lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (EnsureConnected(deadline)) {
        try {
            return connection_->Ready(queue);
        } catch (const detail::AmqpFailure& error) {
            Lost(error);
        }
        if (std::chrono::steady_clock::now() >= deadline) break;
    }
    Unreachable("counting messages");
}

}  // namespace zr::queue
