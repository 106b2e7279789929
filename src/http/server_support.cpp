#include "http/server_support.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <random>

#include "common/error.hpp"
#include "common/strings.hpp"
#include "http/error_response.hpp"

namespace zr::http {

namespace {

std::uint64_t SplitMix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

bool IsIdChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

}  // namespace

RequestIdGenerator::RequestIdGenerator() {
    std::random_device device;
    seed_ = (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

std::string RequestIdGenerator::Next() {
    static constexpr char kHex[] = "0123456789abcdef";
    // SplitMix64 is a bijection, so distinct counters give distinct ids.
    std::uint64_t value = SplitMix64(seed_ + counter_.fetch_add(1, std::memory_order_relaxed));
    std::string id(16, '0');
    for (int i = 15; i >= 0; --i) {
        id[static_cast<std::size_t>(i)] = kHex[value & 0xf];
        value >>= 4;
    }
    return id;
}

bool IsSaneRequestId(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), IsIdChar);
}

CorsPolicy::CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {
    allow_all_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

bool CorsPolicy::Allowed(std::string_view origin) const {
    if (allow_all_) return true;
    return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void CorsPolicy::AddHeaders(std::string_view origin, Response& response) const {
    if (!Allowed(origin)) return;
    response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
    response.headers.emplace_back("Vary", "Origin");
}

Response CorsPolicy::Preflight(std::string_view origin, std::optional<std::string_view> request_headers) const {
    Response response;
    response.content_type = "text/plain; charset=utf-8";
    if (!Allowed(origin)) {
        response.status = 400;
        response.body = "Disallowed CORS origin";
        return response;
    }
    response.body = "OK";
    AddHeaders(origin, response);
    response.headers.emplace_back("Access-Control-Allow-Methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
    response.headers.emplace_back("Access-Control-Max-Age", "600");
    if (request_headers && !request_headers->empty()) {
        response.headers.emplace_back("Access-Control-Allow-Headers", std::string(*request_headers));
    }
    return response;
}

std::string_view HttpDate() {
    // Per thread: formatting happens once a second, and no lock is needed.
    thread_local std::time_t cached_second = -1;
    thread_local char text[64] = {};
    const std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        // Formatted by hand: strftime's %a and %b follow the locale.
        static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        std::tm parts{};
        gmtime_r(&now, &parts);
        std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[parts.tm_wday % 7],
                      parts.tm_mday, kMonths[parts.tm_mon % 12], parts.tm_year + 1900, parts.tm_hour, parts.tm_min,
                      parts.tm_sec);
        cached_second = now;
    }
    return text;
}

void SplitTarget(std::string_view target, std::string_view* path, std::string_view* query) {
    const std::size_t mark = target.find('?');
    if (mark == std::string_view::npos) {
        *path = target;
        *query = {};
    } else {
        *path = target.substr(0, mark);
        *query = target.substr(mark + 1);
    }
}

std::optional<std::string> DecodeRequestPath(std::string_view raw_path) {
    if (raw_path.empty() || raw_path.front() != '/') return std::nullopt;
    std::string path = zr::PercentDecode(raw_path, false);
    if (path.find('\0') != std::string::npos) return std::nullopt;
    return path;
}

std::string RedirectLocation(std::string_view raw_path, std::string_view query) {
    std::string location(raw_path);
    if (!location.empty() && location.back() == '/') {
        location.pop_back();
    } else {
        location.push_back('/');
    }
    const std::size_t first = location.find_first_not_of('/');
    location.erase(0, first == std::string::npos ? location.size() : first);
    location.insert(0, 1, '/');
    if (!query.empty()) {
        location.push_back('?');
        location.append(query);
    }
    return location;
}

bool IsHtmlContentType(std::string_view content_type) {
    constexpr std::string_view kHtml = "text/html";
    if (content_type.size() < kHtml.size() || !EqualsIgnoreCase(content_type.substr(0, kHtml.size()), kHtml)) {
        return false;
    }
    const std::string_view rest = content_type.substr(kHtml.size());
    return rest.empty() || rest.front() == ';' || rest.front() == ' ' || rest.front() == '\t';
}

bool HasHeader(const Response& response, std::string_view name) {
    return std::any_of(response.headers.begin(), response.headers.end(),
                       [name](const auto& header) { return EqualsIgnoreCase(header.first, name); });
}

namespace {

bool IsPreflight(const Request& request) {
    return request.method == Method::kOptions && request.Header("origin") &&
           request.Header("access-control-request-method");
}

}  // namespace

Dispatch DispatchRequest(const Router& router, const CorsPolicy& cors, RequestIdGenerator& ids, Exchange& ex) {
    Request& request = ex.request;
    const auto incoming_id = request.Header("x-request-id");
    request.request_id = incoming_id && IsSaneRequestId(*incoming_id) ? std::string(*incoming_id) : ids.Next();
    std::string_view raw_path;
    std::string_view query;
    SplitTarget(request.target, &raw_path, &query);
    request.query.assign(query);
    Dispatch dispatch;
    auto path = DecodeRequestPath(raw_path);
    if (!path) {
        dispatch.response = DetailResponse(400, "Bad Request");
        return dispatch;
    }
    request.path = std::move(*path);
    if (IsPreflight(request)) {
        dispatch.response = cors.Preflight(*request.Header("origin"), request.Header("access-control-request-headers"));
        return dispatch;
    }
    Match match = router.Find(request.method, request.path);
    if (match.route != nullptr) {
        dispatch.route = match.route;
        request.path_params = std::move(match.params);
    } else if (match.path_known) {
        dispatch.response = MethodNotAllowed();
    } else if (match.redirect) {
        dispatch.response = Response::Redirect(307, RedirectLocation(raw_path, query));
    } else {
        dispatch.response = NotFound();
    }
    return dispatch;
}

Response LoggedErrorResponse(const zr::Error& e, const std::string& request_id) {
    const int status = ToHttpStatus(e.kind());
    if (e.kind() == ErrorKind::kInsufficientStorage) {
        // Not a bug of ours: the operators are told (SpaceAlarm), the client may send it again.
        spdlog::warn("{} {}: {}", request_id, status, e.log_detail());
    } else if (status >= 500) {
        spdlog::error("{} {}: {} {}", request_id, status, e.message(), e.log_detail());
    } else if (!e.log_detail().empty()) {
        spdlog::info("{} {}: {}", request_id, status, e.log_detail());
    }
    return ErrorResponse(e);
}

Response RunHandler(const Route& route, Request& request) noexcept {
    try {
        try {
            // A declared authentication that failed ends the request here, whatever the handler.
            if (request.auth_error && !route.options.defer_auth_failure) std::rethrow_exception(request.auth_error);
            return route.handler(request);
        } catch (const zr::Error& e) {
            return LoggedErrorResponse(e, request.request_id);
        } catch (const std::exception& e) {
            spdlog::error("{} handler for {} failed: {}", request.request_id, route.pattern, e.what());
        } catch (...) {
            spdlog::error("{} handler for {} failed with a non-standard exception", request.request_id, route.pattern);
        }
        return DetailResponse(500, "Internal Server Error");
    } catch (...) {
        // Building the error answer itself failed (out of memory): answer with what cannot fail.
        Response response;
        response.status = 500;
        return response;
    }
}

namespace {

// Runs a route's check (admission, screen): nullopt when it returned, else the answer.
std::optional<Response> RunCheck(const std::function<void(const Request&)>& check, std::string_view step,
                                 const Route& route, const Request& request) noexcept {
    try {
        check(request);
        return std::nullopt;
    } catch (const zr::Error& e) {
        return LoggedErrorResponse(e, request.request_id);
    } catch (const std::exception& e) {
        spdlog::error("{} {} for {} failed: {}", request.request_id, step, route.pattern, e.what());
    } catch (...) {
        spdlog::error("{} {} for {} failed", request.request_id, step, route.pattern);
    }
    return DetailResponse(500, "Internal Server Error");
}

}  // namespace

std::optional<Response> Admit(const Route& route, const Request& request) noexcept {
    if (!route.options.admit || request.auth_error) return std::nullopt;
    return RunCheck(route.options.admit, "admission", route, request);
}

std::optional<Response> Screen(const Route& route, const Request& request) noexcept {
    if (!route.options.screen) return std::nullopt;
    return RunCheck(route.options.screen, "screening", route, request);
}

Response BusyResponse() {
    Response response = DetailResponse(503, "The server is busy, please try again in a moment");
    response.headers.emplace_back("Retry-After", "1");
    return response;
}

void AddCorsHeaders(const CorsPolicy& cors, const Exchange& ex, Response& response) {
    if (IsPreflight(ex.request)) return;
    if (const auto origin = ex.request.Header("origin")) cors.AddHeaders(*origin, response);
}

void LogAccess(const Exchange& ex, int status, std::size_t body_bytes) {
    auto* logger = spdlog::default_logger_raw();
    if (!logger->should_log(spdlog::level::info)) return;
    std::string_view raw_path;
    std::string_view query;
    SplitTarget(ex.request.target, &raw_path, &query);
    const auto elapsed = std::chrono::steady_clock::now() - ex.start;
    const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
    // '<id> <address> "<METHOD> <path>" <status> <bytes> <ms>ms', put together by hand: fmt's
    // parsing of a format string at run time cost as much as the rest of the line (bench/README.md).
    spdlog::memory_buf_t line;
    const auto append = [&line](std::string_view text) { line.append(text.data(), text.data() + text.size()); };
    char number[32];
    const auto append_number = [&](auto value, auto... format) {
        const auto end = std::to_chars(number, number + sizeof number, value, format...).ptr;
        line.append(number, end);
    };
    append(ex.request.request_id);
    append(" ");
    append(ex.request.client_address);
    append(" \"");
    append(ex.method_text);
    append(" ");
    append(raw_path);
    append("\" ");
    append_number(status);
    append(" ");
    append_number(body_bytes);
    append(" ");
    append_number(ms, std::chars_format::fixed, 2);
    append("ms");
    logger->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace zr::http
