#pragma once
// Counts of a background sender (e-mail, Mattermost) for /metrics: messages delivered, attempts
// that failed (each retry counts), messages given up on. Thread-safe (relaxed atomics).
#include <atomic>
#include <cstdint>

namespace zr {

struct DeliveryCounts {
    std::uint64_t sent = 0;
    std::uint64_t failed_attempts = 0;
    std::uint64_t dropped = 0;
};

class DeliveryCounters {
public:
    void Sent() { sent_.fetch_add(1, std::memory_order_relaxed); }
    void FailedAttempt() { failed_attempts_.fetch_add(1, std::memory_order_relaxed); }
    void Dropped(std::uint64_t n = 1) { dropped_.fetch_add(n, std::memory_order_relaxed); }
    DeliveryCounts Read() const {
        return {sent_.load(std::memory_order_relaxed), failed_attempts_.load(std::memory_order_relaxed),
                dropped_.load(std::memory_order_relaxed)};
    }

private:
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> failed_attempts_{0};
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace zr
