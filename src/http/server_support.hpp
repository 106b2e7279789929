#pragma once
// Pieces of the transport that need no socket: request ids, CORS, the Date header and the
// request-line checks. Used by server.cpp; kept apart so they are small and unit-testable.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

namespace zr::http {

// Thread-safe source of request ids: 16 lower-case hex characters, unique within a process run
// (a counter mixed with a random per-process seed, so ids do not reveal the request count).
class RequestIdGenerator {
public:
    RequestIdGenerator();
    std::string Next();

private:
    std::uint64_t seed_;
    std::atomic<std::uint64_t> counter_{0};
};

// An incoming X-Request-ID we may reuse: 1..64 characters of [A-Za-z0-9._-].
bool IsSaneRequestId(std::string_view id);

// Starlette's CORSMiddleware with allow_credentials, all methods and all headers allowed.
// Thread-safety: read-only after construction.
class CorsPolicy {
public:
    // Exact origins ("https://zerospeech.com"); "*" allows every origin.
    explicit CorsPolicy(std::vector<std::string> origins);

    bool Allowed(std::string_view origin) const;
    // Adds Access-Control-Allow-Origin/-Credentials and Vary: Origin when origin is allowed.
    void AddHeaders(std::string_view origin, Response& response) const;
    // The answer to a preflight (OPTIONS with Access-Control-Request-Method): 200 "OK" with the
    // allow headers, or 400 text/plain "Disallowed CORS origin".
    Response Preflight(std::string_view origin, std::optional<std::string_view> request_headers) const;

private:
    std::vector<std::string> origins_;
    bool allow_all_ = false;
};

// The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), cached per second and
// per thread. The view stays valid until the next call on the same thread.
std::string_view HttpDate();

// Splits a request target into its path and its query ("" when there is no '?').
void SplitTarget(std::string_view target, std::string_view* path, std::string_view* query);

// Percent-decodes a path for routing ('+' kept). nullopt when the target path does not start with
// '/' or the decoded path contains NUL.
std::optional<std::string> DecodeRequestPath(std::string_view raw_path);

// Location of the trailing-slash redirect (Router's Match::redirect): the raw path with its final
// '/' removed if it has one and added otherwise, then "?query" when there is one. Leading slashes
// are collapsed to one so the Location never names another host ("//evil.example/").
std::string RedirectLocation(std::string_view raw_path, std::string_view query);

// "text/html", alone or with parameters ("text/html; charset=utf-8"), in any case.
bool IsHtmlContentType(std::string_view content_type);
// Whether the response has a header named `name` (any case) among its own headers.
bool HasHeader(const Response& response, std::string_view name);

inline constexpr std::string_view kNoSniffName = "X-Content-Type-Options";
inline constexpr std::string_view kNoSniffValue = "nosniff";

// Calls add(name, value) with each header the transport adds to an answer after the answer's own:
// "X-Content-Type-Options: nosniff" on every answer and `html_headers` (ServerConfig) on a
// text/html one, each unless the answer sets a header of that name itself. The views point into
// `html_headers` or static storage: nothing is allocated.
template <class Add>
void ForEachAddedHeader(const Response& response, const HeaderList& html_headers, Add&& add) {
    if (!HasHeader(response, kNoSniffName)) add(kNoSniffName, kNoSniffValue);
    if (html_headers.empty() || !IsHtmlContentType(response.content_type)) return;
    for (const auto& [name, value] : html_headers) {
        if (!HasHeader(response, name)) add(std::string_view(name), std::string_view(value));
    }
}

// State of one request/response exchange on a connection, filled by the transport.
struct Exchange {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    Request request;
    std::string method_text;       // as received, for the access log
    unsigned version = 11;         // 10 or 11
    bool close = false;            // close the connection after the response
    bool drain = false;            // the client may still be sending a body we did not read
    bool respond = true;           // false: the connection failed, nothing to answer
    const Route* route = nullptr;  // the matched route, once known
    int status = 0;                // of the answer written; 0 until then
    bool behind_proxy = false;     // the peer is a trusted proxy: X-Forwarded-For names the client
};

// Outcome of looking at a request header: a route to run, or a response to send right away
// (CORS preflight, 400 for a bad path, 404, 405, 307).
struct Dispatch {
    const Route* route = nullptr;
    Response response;
};

// Given ex.request's method, target and headers: sets request_id (a sane incoming X-Request-ID or
// a new one), path (decoded), query and path_params, and decides what to do.
Dispatch DispatchRequest(const Router& router, const CorsPolicy& cors, RequestIdGenerator& ids, Exchange& ex);

// ErrorResponse(e), logging e.log_detail() with the request id (error level for 5xx, info otherwise).
Response LoggedErrorResponse(const zr::Error& e, const std::string& request_id);

// Calls the route's handler, or answers the failure of the route's authentication instead (unless
// the route defers it to its handler). zr::Error becomes ErrorResponse (its log_detail logged with
// the request id); any other exception becomes 500 {"detail": "Internal Server Error"} with what()
// logged only.
Response RunHandler(const Route& route, Request& request) noexcept;
// The route's admission check (RouteOptions::admit) for a request whose authentication did not
// fail: the refusal's answer, or nullopt to go on (also when the route has no check).
std::optional<Response> Admit(const Route& route, const Request& request) noexcept;
// Runs the route's screen (RouteOptions::screen), if any: nullopt to go on, or the answer.
std::optional<Response> Screen(const Route& route, const Request& request) noexcept;
// 503 {"detail": "..."} with Retry-After: the blocking pool's queue is full.
Response BusyResponse();

// Adds the CORS headers for the request's Origin (no-op for preflight answers, which have them).
void AddCorsHeaders(const CorsPolicy& cors, const Exchange& ex, Response& response);

// The access log line: `<id> <remote> "<METHOD> <path>" <status> <bytes> <ms>` (path without the
// query, so tokens in query strings stay out of the log).
void LogAccess(const Exchange& ex, int status, std::size_t body_bytes);

}  // namespace zr::http
