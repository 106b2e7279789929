#pragma once
// The HTTP/1.1 server: Boost.Beast + Asio with C++20 coroutines. Only the transport's .cpp files
// (server.cpp, server_upload.cpp, server_request.cpp, via the private server_impl.hpp and
// server_request.hpp) include Beast.
//
// One session coroutine per connection: read header (size limit), look up the route, check the
// body limit (413 without reading the body, answering "100 Continue" to an accepted Expect), read
// the body, run the handler (on the blocking pool when the route says offload), write, loop while
// keep-alive. Routes with RouteOptions::upload_spool stream a multipart body to disk instead
// (contract in router.hpp). Read and idle timeouts close slow or idle connections (a watchdog looks
// every quarter of the shorter one, 50 ms to 1 s; handlers have no timeout). Every response
// carries X-Request-ID, X-Content-Type-Options: nosniff and the CORS headers for allowed origins,
// an HTML one ServerConfig::html_headers too; every request is logged (method, path, status,
// duration, request id).
//
// Thread-safety: Stop() may be called from any thread or a signal handler context via Asio.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "http/router.hpp"

namespace zr::http {

// Told about every request, for metrics. Started() when a request's first byte arrived,
// Finished() once its answer was written (or the connection failed: status 0). `route` is the
// matched route (an element of Router::routes()) or nullptr when none matched (404, 405,
// redirects, CORS preflights, malformed requests). Called on IO threads: must be fast, must not
// throw, and must be thread-safe.
class RequestObserver {
public:
    virtual ~RequestObserver() = default;
    virtual void Started() noexcept = 0;
    virtual void Finished(const Route* route, Method method, int status, std::chrono::nanoseconds elapsed) noexcept = 0;
};

struct ServerConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8000;  // 0 = any free port
    unsigned io_threads = 0;    // 0 = hardware concurrency
    unsigned blocking_threads = 1;
    std::size_t max_header_bytes = 16 * 1024;
    std::chrono::seconds read_timeout{30};
    std::chrono::seconds idle_timeout{60};
    std::chrono::seconds shutdown_grace{10};
    // Origins allowed by CORS ("https://zerospeech.com"); preflights from others get 400.
    std::vector<std::string> cors_origins;
    // Added to every answer whose Content-Type is text/html (pages, files), after the answer's own
    // headers, except those it sets itself (same name, any case): the application's security
    // headers for HTML. Every answer also carries "X-Content-Type-Options: nosniff".
    HeaderList html_headers;
    bool handle_signals = true;  // stop gracefully on SIGINT/SIGTERM
    // Peers (the reverse proxy) whose X-Forwarded-For names the client: Request::client_address.
    AddressSet trusted_proxies;
    // Offloaded requests that may wait for a blocking thread; past it, the routes that say
    // RouteOptions::refuse_when_busy answer 503 with Retry-After at once. 0 = no bound.
    unsigned max_offload_waiting = 0;
    RequestObserver* observer = nullptr;  // not owned; must outlive the server
};

class Server {
public:
    Server(ServerConfig config, const Router& router);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens. Returns the bound port. Throws std::system_error if the address is taken.
    std::uint16_t Listen();
    // Serves until Stop() or a signal; then stops accepting, lets in-flight requests finish for at
    // most shutdown_grace, and returns.
    void Run();
    // Starts a graceful stop. Thread-safe.
    void Stop();

    // The blocking pool's load, for metrics. Thread-safe.
    struct OffloadStats {
        std::uint64_t waiting = 0;  // offloaded requests queued for a thread
        std::uint64_t running = 0;  // offloaded handlers running
        std::uint64_t refused = 0;  // requests answered 503 because too many were waiting (ever)
    };
    OffloadStats offload_stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace zr::http
