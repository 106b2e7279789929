#pragma once
// What happens when the data folder runs out of space (a write failed with ENOSPC/EDQUOT, the
// database was full, or an upload was refused because it would not fit): each event is counted
// (zr_out_of_space_events_total in /metrics), logged as a warning, and posted to the organisers'
// Mattermost at most once per `min_interval`, the post saying how many events it stands for.
// Thread-safety: thread-safe; Report never throws.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "notify/mattermost.hpp"
#include "templates/templates.hpp"

namespace zr::notify {

class SpaceAlarm {
public:
    // The references must outlive the alarm.
    SpaceAlarm(Mattermost& mattermost, const templates::Engine& templates,
               std::chrono::seconds min_interval = std::chrono::minutes(10));

    // One out-of-space event; `what` names the write that failed (for the log and the post).
    void Report(const std::string& what) noexcept;
    // Events reported since the start.
    std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

private:
    Mattermost& mattermost_;
    const templates::Engine& templates_;
    const std::chrono::seconds min_interval_;
    std::atomic<std::uint64_t> count_{0};
    std::mutex mutex_;
    std::optional<std::chrono::steady_clock::time_point> last_post_;  // guarded by mutex_
    std::uint64_t unposted_ = 0;                                      // guarded by mutex_
};

}  // namespace zr::notify
