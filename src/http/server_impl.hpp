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
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
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

inline constexpr std::size_t kBodyReadReserve = 64 * 1024;  // pitfall 4: bigger reads for bodies
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// One accepted connection. `idle` (waiting for the first byte of a request) is only read and
// written on the connection's strand.
struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool idle = false;
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

    asio::any_io_executor ConnectionExecutor();
    asio::awaitable<void> Accept();
    asio::awaitable<void> Session(std::shared_ptr<Connection> conn, ConnectionList::iterator it);
    asio::awaitable<void> Serve(Connection& conn);
    asio::awaitable<void> HandleOne(Connection& conn, beast::flat_buffer& buffer, Exchange& ex);
    asio::awaitable<Response> ReadAndDispatch(Connection& conn, beast::flat_buffer& buffer, Parser& parser,
                                              Exchange& ex);
    asio::awaitable<Response> ReadBodyAndRun(Connection& conn, beast::flat_buffer& buffer, Parser& parser, Exchange& ex,
                                             const Route& route);
    // Runs the route's handler, on the blocking pool when the route says offload.
    asio::awaitable<Response> RunRoute(const Route& route, Exchange& ex);
    // Writes "100 Continue" when the request expects it. False (and ex.respond unset) when the
    // write failed.
    asio::awaitable<bool> SendContinue(Connection& conn, const Parser& parser, Exchange& ex);
    asio::awaitable<std::size_t> Write(Connection& conn, Response& response, Exchange& ex);
    asio::awaitable<void> Drain(Connection& conn);

    // server_upload.cpp: the route has upload_spool. Checks the size, asks upload_spool, reads the
    // multipart body into the spool, runs the handler, removes the files it did not move.
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
    asio::thread_pool pool;
    // Set by Stop() at once, so responses being written already say "Connection: close".
    std::atomic<bool> stopping{false};
    bool stop_started = false;  // control only
    std::mutex mutex;
    ConnectionList connections;  // guarded by mutex
};

}  // namespace zr::http
