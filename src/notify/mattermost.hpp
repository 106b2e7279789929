#pragma once
// Organisers' chat notifications (pipeline.md section 6): an incoming-webhook POST of
// {"channel", "username", "text"} to <mattermost_url>/<MATTERMOST_API_KEY> (libcurl), sent in the
// background with retries (1 s, 5 s); failures are logged and dropped, never reaching the caller.
// Disabled (messages logged at debug level) when mattermost_url is empty.
// Thread-safety: thread-safe.
#include <chrono>
#include <string>

#include "common/delivery_counters.hpp"
#include "common/work_queue.hpp"
#include "settings/settings.hpp"

namespace zr::notify {

class Mattermost {
public:
    explicit Mattermost(const settings::Settings& settings,
                        std::chrono::milliseconds drain_timeout = std::chrono::seconds(10));
    // Sends what is queued for at most drain_timeout, then joins.
    ~Mattermost();
    Mattermost(const Mattermost&) = delete;
    Mattermost& operator=(const Mattermost&) = delete;

    bool enabled() const { return !url_.empty(); }
    // Queues a message (markdown text); never blocks on the network, never throws.
    void Post(std::string text);
    // Blocks until nothing is queued or being sent.
    void Flush();
    // Messages posted, failed attempts, messages dropped (after the retries or at shutdown).
    DeliveryCounts counts() const { return counters_.Read(); }

private:
    void SendWithRetries(const std::string& text);
    std::string url_;
    std::string channel_;
    std::string username_;
    std::chrono::milliseconds drain_timeout_;
    DeliveryCounters counters_;
    WorkQueue<std::string> queue_;  // last: its thread uses the members above
};

}  // namespace zr::notify
