// The yardstick of bench/run.sh: the smallest Boost.Beast HTTP/1.1 server we can write, built with
// the same compiler, flags and Boost as zr and run with the same number of IO threads. It answers
// every request with a small constant JSON body and keeps the connection open; zr's figures are
// given as a ratio of its figures, measured in the same run on the same machine.
//
//   zr_yardstick [PORT] [THREADS]     PORT 0 (default) = any free port; THREADS 0 (default) = cores
//
// Prints "yardstick listening on http://127.0.0.1:<port>" (as zr serve does) once it accepts;
// stops on SIGINT/SIGTERM.
// clang-format off
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it
// clang-format on

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kBody = R"({"ping":"pong"})";

// One connection: read a request, answer it, until the client closes or asks to.
asio::awaitable<void> Session(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    for (;;) {
        bhttp::request<bhttp::string_body> request;
        co_await bhttp::async_read(stream, buffer, request, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        bhttp::response<bhttp::string_body> response{bhttp::status::ok, request.version()};
        response.set(bhttp::field::content_type, "application/json");
        response.keep_alive(request.keep_alive());
        response.body() = kBody;
        response.prepare_payload();
        co_await bhttp::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !response.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

asio::awaitable<void> Accept(tcp::acceptor& acceptor, asio::io_context& ioc, bool strands) {
    for (;;) {
        beast::error_code ec;
        auto executor = strands ? asio::any_io_executor(asio::make_strand(ioc)) : ioc.get_executor();
        tcp::socket socket = co_await acceptor.async_accept(executor, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (ec == asio::error::operation_aborted) co_return;
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        asio::co_spawn(executor, Session(beast::tcp_stream(std::move(socket))), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 0);
    unsigned threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 0;
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

    asio::io_context ioc(static_cast<int>(threads));
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const beast::error_code&, int) { ioc.stop(); });
    // Like zr serve: a strand per connection only when several threads run the io_context.
    asio::co_spawn(ioc, Accept(acceptor, ioc, threads > 1), asio::detached);
    std::cout << "yardstick listening on http://127.0.0.1:" << acceptor.local_endpoint().port() << " (" << threads
              << " threads)" << std::endl;

    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& thread : pool) thread.join();
    return 0;
}
