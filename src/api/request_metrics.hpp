#pragma once
// The transport's RequestObserver feeding metrics::Metrics: one series per route template of the
// router (declared up front), requests no route matched under "(unmatched)".
// Thread-safety: thread-safe; the router and the metrics must outlive it.
#include "http/router.hpp"
#include "http/server.hpp"
#include "metrics/metrics.hpp"

namespace zr::api {

class RequestMetrics final : public http::RequestObserver {
public:
    RequestMetrics(metrics::Metrics& metrics, const http::Router& router);
    void Started() noexcept override;
    void Finished(const http::Route* route, http::Method method, int status,
                  std::chrono::nanoseconds elapsed) noexcept override;

private:
    metrics::Metrics& metrics_;
    const http::Router& router_;
};

// The blocking (password-hashing) pool's queue depth, running handlers and refusals (503), read
// from `server` at each scrape. The server must outlive the metrics' last Render().
void AddOffloadMetrics(metrics::Metrics& metrics, const http::Server& server);

}  // namespace zr::api
