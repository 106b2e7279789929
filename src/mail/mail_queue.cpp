#include <spdlog/spdlog.h>

#include "mail/mailer.hpp"

namespace zr::mail {

std::vector<std::chrono::milliseconds> MailQueue::DefaultRetryDelays() {
    return {std::chrono::seconds(1), std::chrono::seconds(5)};
}

MailQueue::MailQueue(Mailer& mailer, std::vector<std::chrono::milliseconds> retry_delays,
                     std::chrono::milliseconds drain_timeout)
    : mailer_(mailer),
      retry_delays_(std::move(retry_delays)),
      drain_timeout_(drain_timeout),
      queue_("mail", [this](const Message& message) { SendWithRetries(message); }) {}

MailQueue::~MailQueue() {
    const std::vector<Message> dropped = queue_.Stop(drain_timeout_);
    for (const auto& message : dropped) {
        spdlog::error("mail to {} dropped at shutdown: '{}'", message.to, message.subject);
    }
    counters_.Dropped(dropped.size());
}

void MailQueue::Enqueue(Message message) {
    if (!queue_.Post(message)) {
        spdlog::error("mail to {} dropped (shutting down): '{}'", message.to, message.subject);
        counters_.Dropped();
    }
}

void MailQueue::Flush() { queue_.Flush(); }

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
        if (!queue_.Pause(retry_delays_[attempt])) {
            spdlog::error("mail to {} ('{}') dropped at shutdown: {}", message.to, message.subject, reason);
            counters_.Dropped();
            return;
        }
    }
}

}  // namespace zr::mail
