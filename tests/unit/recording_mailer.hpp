#pragma once
// Test helper (header only): a mailer that keeps every message it is asked to send.
#include <mutex>
#include <vector>

#include "mail/mailer.hpp"

namespace zr::testing {

class RecordingMailer : public mail::Mailer {
public:
    void Send(const mail::Message& message) override {
        std::lock_guard lock(mutex_);
        sent_.push_back(message);
    }
    std::vector<mail::Message> Sent() {
        std::lock_guard lock(mutex_);
        return sent_;
    }

private:
    std::mutex mutex_;
    std::vector<mail::Message> sent_;
};

}  // namespace zr::testing
