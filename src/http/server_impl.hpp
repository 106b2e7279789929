#pragma once
// Private to the http module: the Beast/Asio types of the transport, shared by server.cpp (the
// accept loop and the request/response cycle) and server_upload.cpp (streamed multipart uploads).
// Nothing outside src/http includes this header. See server.hpp for the contract.
// clang-format off
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <string_view>

#include "http/server.hpp"
#include "http/server_request.hpp"
#include "http/server_support.hpp"

namespace zr::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// Room reserved in the read buffer before a body is read: Beast reads at most max(512, capacity -
// size) bytes per call, and after a header the buffer holds ~1 KiB, so without it a body arrives
// 512 bytes per recvmsg (uploads were 3.5-4 times slower).
inline constexpr std::size_t kBodyReadReserve = 64 * 1024;
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// One accepted connection. `socket` and `idle` (waiting for the first byte of a request) are only
// used on the connection's strand. The deadline is set there and read by the watchdog
// (Server::Impl::Watch), which closes the socket once it has passed: one timer for all
// connections instead of one armed and cancelled around every read and write (bench/README.md).
struct Connection {
    using Clock = std::chrono::steady_clock;
    static constexpr Clock::rep kNever = std::numeric_limits<Clock::rep>::max();

    explicit Connection(tcp::socket socket_in) : socket(std::move(socket_in)) {}
    void ExpiresAfter(Clock::duration timeout) {
        deadline.store((Clock::now() + timeout).time_since_epoch().count(), std::memory_order_relaxed);
    }
    void ExpiresNever() { deadline.store(kNever, std::memory_order_relaxed); }
    bool Expired(Clock::time_point now) const {
        return deadline.load(std::memory_order_relaxed) <= now.time_since_epoch().count();
    }
    // Shuts both directions down and closes; pending operations complete with an error.
    void Close() {
        ErrorCode ec;
        socket.shutdown(tcp::socket::shutdown_both, ec);
        socket.close(ec);
    }

    tcp::socket socket;
    bool idle = false;
    std::atomic<Clock::rep> deadline{kNever};
};
using ConnectionList = std::list<std::shared_ptr<Connection>>;

// Lowers the priority of a blocking-pool thread once, so hashing never starves the IO threads.
void LowerThisThreadPriority();

struct Server::Impl {
    Impl(ServerConfig config_in, const Router& router_in);

    std::uint16_t Listen();
    void Run();
    void DoStop();
    void CloseConnections(bool idle_only);
    void Forget(ConnectionList::iterator it);
    // On control, from Run() until the server has stopped and its last connection is gone: every
    // watch_tick, closes the connections whose deadline has passed.
    asio::awaitable<void> Watch();
    void CloseExpired();

    asio::any_io_executor ConnectionExecutor();
    asio::awaitable<void> Accept();
    asio::awaitable<void> Session(std::shared_ptr<Connection> conn, ConnectionList::iterator it);
    asio::awaitable<void> Serve(Connection& conn);
    asio::awaitable<void> HandleOne(Connection& conn, beast::flat_buffer& buffer, Exchange& ex);
    asio::awaitable<Response> ReadAndDispatch(Connection& conn, beast::flat_buffer& buffer, Parser& parser,
                                              Exchange& ex);
    asio::awaitable<Response> ReadBodyAndRun(Connection& conn, beast::flat_buffer& buffer, Parser& parser, Exchange& ex,
                                             const Route& route);
    // Runs an offloaded route's handler on the blocking pool. Other handlers are called directly
    // (RunHandler), without a coroutine frame of their own. Not `offload ? co_await
    // RunOffloaded(..) : RunHandler(..)`: g++ 12 destroys the result of a co_await in a
    // conditional expression twice.
    asio::awaitable<Response> RunOffloaded(const Route& route, Exchange& ex);
    // Writes "100 Continue" when the request expects it. False (and ex.respond unset) when the
    // write failed.
    asio::awaitable<bool> SendContinue(Connection& conn, const Parser& parser, Exchange& ex);
    asio::awaitable<std::size_t> Write(Connection& conn, Response& response, Exchange& ex);
    // server_write.cpp: Write's file case, in a coroutine of its own so that Write's frame (one
    // allocation per response) does not carry a file serializer. Sent: the file's bytes written.
    // Not sent (HEAD, a status without body, or the file cannot be opened and `response` became
    // a 404): the Content-Length Write's in-memory path announces.
    struct FileWrite {
        bool sent = false;
        std::uint64_t bytes = 0;
    };
    asio::awaitable<FileWrite> WriteFile(Connection& conn, Response& response, Exchange& ex, bool no_body);
    asio::awaitable<void> Drain(Connection& conn);

    // server_upload.cpp: the route has prepare_upload. Checks the size and the caller, asks
    // prepare_upload for the target, reads the multipart body into it, runs the handler, discards
    // the files it did not move.
    asio::awaitable<Response> ReceiveUpload(Connection& conn, beast::flat_buffer& buffer, Parser& parser, Exchange& ex,
                                            const Route& route);

    ServerConfig config;
    const Router& router;
    CorsPolicy cors;
    RequestIdGenerator ids;
    unsigned io_threads;
    asio::io_context ioc;
    asio::strand<asio::io_context::executor_type> control;
    tcp::acceptor acceptor;
    asio::signal_set signals;
    asio::steady_timer grace_timer;
    asio::steady_timer watchdog;
    std::chrono::milliseconds watch_tick;
    asio::thread_pool pool;
    // Set by Stop() at once, so responses being written already say "Connection: close".
    std::atomic<bool> stopping{false};
    bool stop_started = false;  // control only
    std::mutex mutex;
    ConnectionList connections;  // guarded by mutex
    // Offloaded requests queued for the pool, running on it, and refused for a full queue.
    std::atomic<std::uint64_t> offload_waiting{0};
    std::atomic<std::uint64_t> offload_running{0};
    std::atomic<std::uint64_t> offload_refused{0};
};

}  // namespace zr::http
