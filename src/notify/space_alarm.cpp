#include "notify/space_alarm.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <utility>

namespace zr::notify {

SpaceAlarm::SpaceAlarm(Mattermost& mattermost, const templates::Engine& templates, std::chrono::seconds min_interval)
    : mattermost_(mattermost), templates_(templates), min_interval_(min_interval) {}

void SpaceAlarm::Report(const std::string& what) noexcept {
    count_.fetch_add(1, std::memory_order_relaxed);
    try {
        spdlog::warn("out of disk space: {}", what);
        std::uint64_t events = 0;
        std::string since;
        {
            std::lock_guard lock(mutex_);
            ++unposted_;
            const auto now = std::chrono::steady_clock::now();
            if (last_post_ && now - *last_post_ < min_interval_) return;
            since =
                last_post_
                    ? "since the last alert, " +
                          std::to_string(std::chrono::duration_cast<std::chrono::minutes>(now - *last_post_).count()) +
                          " min ago"
                    : std::string("since the service started");
            last_post_ = now;
            events = std::exchange(unposted_, 0);
        }
        const nlohmann::json data = {{"what", what}, {"events", events}, {"since", since}};
        mattermost_.Post(templates_.Render("mattermost/out_of_space.md", data));
    } catch (const std::exception& e) {
        spdlog::error("cannot report the out-of-space event: {}", e.what());
    }
}

}  // namespace zr::notify
