#include <spdlog/spdlog.h>

#include "mail/mailer.hpp"

namespace zr::mail {

std::vector<std::chrono::milliseconds> MailQueue::DefaultRetryDelays() {
    return {std::chrono::seconds(1), std::chrono::seconds(5)};
}

MailQueue::MailQueue(Mailer& mailer, std::vector<std::chrono::milliseconds> retry_delays,
                     std::chrono::milliseconds drain_timeout)
    : mailer_(mailer), retry_delays_(std::move(retry_delays)), drain_timeout_(drain_timeout) {
    thread_ = std::thread([this] { Loop(); });
}

MailQueue::~MailQueue() {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    cv_.notify_all();
    const bool drained = cv_.wait_for(lock, drain_timeout_, [this] { return queue_.empty() && !busy_; });
    if (!drained) aborting_ = true;
    cv_.notify_all();
    lock.unlock();
    thread_.join();
}

void MailQueue::Enqueue(Message message) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(message));
    }
    cv_.notify_all();
}

void MailQueue::Flush() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void MailQueue::Loop() {
    std::unique_lock lock(mutex_);
    while (true) {
        cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
        if (aborting_ || (stopping_ && queue_.empty())) break;
        Message message = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
        lock.unlock();
        SendWithRetries(message);
        lock.lock();
        busy_ = false;
        cv_.notify_all();
    }
    for (const auto& message : queue_) {
        spdlog::error("mail to {} dropped at shutdown: '{}'", message.to, message.subject);
    }
    counters_.Dropped(queue_.size());
    queue_.clear();
    cv_.notify_all();
}

void MailQueue::SendWithRetries(const Message& message) {
    for (std::size_t attempt = 0;; ++attempt) {
        std::string reason;
        try {
            mailer_.Send(message);
            counters_.Sent();
            return;
        } catch (const std::exception& e) {
            reason = e.what();
        } catch (...) {
            reason = "unknown error";
        }
        counters_.FailedAttempt();
        if (attempt >= retry_delays_.size()) {
            spdlog::error("mail to {} ('{}') dropped after {} attempts: {}", message.to, message.subject, attempt + 1,
                          reason);
            counters_.Dropped();
            return;
        }
        spdlog::warn("mail to {} ('{}') failed, retrying in {} ms: {}", message.to, message.subject,
                     retry_delays_[attempt].count(), reason);
        std::unique_lock lock(mutex_);
        if (cv_.wait_for(lock, retry_delays_[attempt], [this] { return aborting_; })) {
            spdlog::error("mail to {} ('{}') dropped at shutdown: {}", message.to, message.subject, reason);
            counters_.Dropped();
            return;
        }
    }
}

}  // namespace zr::mail
