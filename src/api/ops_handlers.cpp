// Operators' routes: GET /health (no auth) and GET /metrics (Bearer ZR_METRICS_TOKEN when set).
#include "api/handlers.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"
#include "crypto/crypto.hpp"

namespace zr::api {
namespace {

constexpr std::string_view kBearer = "bearer ";

// 401 unless the request carries "Authorization: Bearer <ZR_METRICS_TOKEN>" (when one is set).
void RequireMetricsToken(const ApiContext& ctx, const http::Request& request) {
    const std::string& expected = ctx.settings.metrics_token;
    if (expected.empty()) return;
    const auto header = request.Header("authorization");
    const std::string_view value = header ? Trim(*header) : std::string_view();
    if (value.size() <= kBearer.size() || !EqualsIgnoreCase(value.substr(0, kBearer.size()), kBearer)) {
        throw Error::Detail(ErrorKind::kUnauthenticated, "Not authenticated");
    }
    // Digests have one length whatever the token's: the comparison time tells nothing about it.
    const std::string_view token = Trim(value.substr(kBearer.size()));
    if (!crypto::ConstantTimeEquals(crypto::Md5Hex(token), crypto::Md5Hex(expected))) {
        throw Error::Detail(ErrorKind::kUnauthenticated, "Invalid metrics token");
    }
}

}  // namespace

http::Response Health(ApiContext& ctx, http::Request&) {
    const monitoring::HealthReport report = ctx.health.Check();
    http::Response response = http::Response::Json(report.ok ? 200 : 503, report.body);
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

http::Response MetricsText(ApiContext& ctx, http::Request& request) {
    RequireMetricsToken(ctx, request);
    http::Response response;
    response.content_type = std::string(metrics::kContentType);
    response.body = ctx.metrics.Render();
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

}  // namespace zr::api
