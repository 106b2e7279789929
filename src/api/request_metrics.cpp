#include "api/request_metrics.hpp"

#include <spdlog/spdlog.h>

namespace zr::api {

RequestMetrics::RequestMetrics(metrics::Metrics& metrics, const http::Router& router)
    : metrics_(metrics), router_(router) {
    std::vector<std::pair<std::string, std::string>> declared;
    for (const auto& route : router.routes()) {
        declared.emplace_back(std::string(http::ToString(route.method)), route.pattern);
    }
    metrics_.DeclareRoutes(declared);
}

void RequestMetrics::Started() noexcept { metrics_.RequestStarted(); }

void RequestMetrics::Finished(const http::Route* route, http::Method method, int status,
                              std::chrono::nanoseconds elapsed) noexcept {
    const auto& routes = router_.routes();
    std::size_t index = metrics::Metrics::kNoRoute;
    if (route != nullptr && !routes.empty() && route >= routes.data() && route < routes.data() + routes.size()) {
        index = static_cast<std::size_t>(route - routes.data());
    }
    try {
        metrics_.RequestFinished(index, http::ToString(method), status, elapsed);
    } catch (const std::exception& e) {
        // Only an allocation failure can get here; a lost sample must not end the connection.
        spdlog::warn("metrics: request not counted: {}", e.what());
    }
}

}  // namespace zr::api

namespace zr::api {

void AddOffloadMetrics(metrics::Metrics& metrics, const http::Server& server) {
    metrics.AddSource([&server](metrics::Snapshot& out) {
        const auto stats = server.offload_stats();
        out.Gauge("zr_hash_queue_depth", "Requests waiting for a password-hashing thread",
                  static_cast<double>(stats.waiting));
        out.Gauge("zr_hash_running", "Requests on a password-hashing thread now", static_cast<double>(stats.running));
        out.Counter("zr_hash_queue_refused_total",
                    "Logins and sign-ups answered 503 at once because the hashing queue was full",
                    static_cast<double>(stats.refused));
    });
}

}  // namespace zr::api
