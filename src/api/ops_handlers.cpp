// Operators' routes: GET /health (no auth) and GET /metrics (its route declares
// Auth::kMetricsToken: Bearer ZR_METRICS_TOKEN when one is set).
#include "api/handlers.hpp"

namespace zr::api {

http::Response Health(ApiContext& ctx, http::Request&) {
    const monitoring::HealthReport report = ctx.health.Check();
    http::Response response = http::Response::Json(report.ok ? 200 : 503, report.body);
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

http::Response MetricsText(ApiContext& ctx, http::Request&) {
    http::Response response;
    response.content_type = std::string(metrics::kContentType);
    response.body = ctx.metrics.Render();
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

}  // namespace zr::api
