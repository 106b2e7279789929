// The Beast/Asio transport. See server.hpp for the contract.
//
// Threads: io_threads run one io_context; every connection lives on its own strand (on the plain
// executor when there is one IO thread), so a session and the code that closes it (shutdown, the
// watchdog) never touch its socket at the same time. The acceptor, the signal set, the shutdown
// timer and the watchdog live on the `control` strand. Offloaded handlers run on `pool`, a
// separate thread pool with a lower scheduling priority.
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <filesystem>
#include <limits>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "http/error_response.hpp"
#include "http/server_impl.hpp"

namespace zr::http {

namespace {

constexpr std::size_t kFirstReadBytes = 8 * 1024;

// How often the watchdog looks for connections past their deadline: a quarter of the shortest
// timeout, between 50 ms and 1 s, so a timeout fires at most a quarter late.
std::chrono::milliseconds WatchTick(const ServerConfig& config) {
    const auto shortest =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::min(config.read_timeout, config.idle_timeout));
    return std::clamp(shortest / 4, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
}

// Tells the observer that a request started and, at scope exit (also when the session coroutine
// is destroyed), how it ended.
class ObserverScope {
public:
    ObserverScope(RequestObserver* observer, const Exchange& ex) : observer_(observer), ex_(ex) {
        if (observer_ != nullptr) observer_->Started();
    }
    ~ObserverScope() {
        if (observer_ == nullptr) return;
        observer_->Finished(ex_.route, ex_.request.method, ex_.status, std::chrono::steady_clock::now() - ex_.start);
    }
    ObserverScope(const ObserverScope&) = delete;
    ObserverScope& operator=(const ObserverScope&) = delete;

private:
    RequestObserver* observer_;
    const Exchange& ex_;
};

}  // namespace

void LowerThisThreadPriority() {
    thread_local bool lowered = false;  // per pool thread; never held across a suspension
    if (lowered) return;
    lowered = true;
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
}

Server::Impl::Impl(ServerConfig config_in, const Router& router_in)
    : config(std::move(config_in)),
      router(router_in),
      cors(config.cors_origins),
      io_threads(config.io_threads != 0 ? config.io_threads : std::max(1u, std::thread::hardware_concurrency())),
      ioc(static_cast<int>(io_threads)),
      control(asio::make_strand(ioc)),
      acceptor(control),
      signals(control),
      grace_timer(control),
      watchdog(control),
      watch_tick(WatchTick(config)),
      pool(std::max(1u, config.blocking_threads)) {}

std::uint16_t Server::Impl::Listen() {
    ErrorCode ec;
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(config.host, std::to_string(config.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
        throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                                "cannot resolve listen address " + config.host);
    }
    const tcp::endpoint endpoint = results.begin()->endpoint();
    const auto fail = [&](const char* what) {
        throw std::system_error(ec.value(), std::system_category(),
                                std::string(what) + " " + config.host + ":" + std::to_string(config.port));
    };
    acceptor.open(endpoint.protocol(), ec);
    if (ec) fail("cannot open socket for");
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) fail("cannot set SO_REUSEADDR for");
    acceptor.bind(endpoint, ec);
    if (ec) fail("cannot bind");
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail("cannot listen on");
    return acceptor.local_endpoint().port();
}

void Server::Impl::Run() {
    if (!acceptor.is_open()) Listen();
    asio::co_spawn(control, Accept(), asio::detached);
    asio::co_spawn(control, Watch(), asio::detached);
    if (config.handle_signals) {
        signals.add(SIGINT);
        signals.add(SIGTERM);
        signals.async_wait([this](const ErrorCode& ec, int signal) {
            if (ec) return;
            spdlog::info("signal {} received, stopping", signal);
            DoStop();
        });
    }
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < io_threads; ++i) threads.emplace_back([this] { ioc.run(); });
    ioc.run();
    for (auto& thread : threads) thread.join();
    pool.join();
}

// Runs on control: stop accepting, close idle connections, arm the grace timer.
void Server::Impl::DoStop() {
    stopping = true;
    if (stop_started) return;
    stop_started = true;
    ErrorCode ec;
    acceptor.close(ec);
    signals.cancel(ec);
    CloseConnections(true);
    std::lock_guard lock(mutex);
    if (connections.empty()) {
        watchdog.cancel();
        return;
    }
    grace_timer.expires_after(config.shutdown_grace);
    grace_timer.async_wait([this](const ErrorCode& wait_ec) {
        if (wait_ec) return;
        spdlog::warn("shutdown grace period over, closing remaining connections");
        CloseConnections(false);
    });
}

void Server::Impl::CloseConnections(bool idle_only) {
    std::lock_guard lock(mutex);
    for (const auto& conn : connections) {
        asio::post(conn->socket.get_executor(), [conn, idle_only] {
            if (idle_only && !conn->idle) return;
            conn->Close();
        });
    }
}

void Server::Impl::Forget(ConnectionList::iterator it) {
    std::lock_guard lock(mutex);
    connections.erase(it);
    if (stopping && connections.empty()) {
        asio::post(control, [this] {
            grace_timer.cancel();
            watchdog.cancel();
        });
    }
}

asio::awaitable<void> Server::Impl::Watch() {
    for (;;) {
        if (stop_started) {
            std::lock_guard lock(mutex);
            if (connections.empty()) co_return;  // Run() returns once nothing else is pending
        }
        watchdog.expires_after(watch_tick);
        ErrorCode ec;  // cancelled by DoStop() and Forget() when the last connection is gone
        co_await watchdog.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        CloseExpired();
    }
}

void Server::Impl::CloseExpired() {
    const auto now = Connection::Clock::now();
    std::lock_guard lock(mutex);
    for (const auto& conn : connections) {
        if (!conn->Expired(now)) continue;
        // Checked again on the connection's strand: the session may have moved its deadline since.
        asio::post(conn->socket.get_executor(), [conn, now] {
            if (conn->Expired(now)) conn->Close();
        });
    }
}

// A strand per connection when several threads run the io_context; with one thread the plain
// executor is already serial and avoids the strand's reference counting on every operation.
asio::any_io_executor Server::Impl::ConnectionExecutor() {
    if (io_threads == 1) return ioc.get_executor();
    return asio::make_strand(ioc);
}

asio::awaitable<void> Server::Impl::Accept() {
    for (;;) {
        ErrorCode ec;
        tcp::socket socket =
            co_await acceptor.async_accept(ConnectionExecutor(), asio::redirect_error(asio::use_awaitable, ec));
        if (stopping) co_return;
        if (ec) {
            // Out of descriptors or similar: wait a little instead of spinning.
            spdlog::warn("accept failed: {}", ec.message());
            asio::steady_timer pause(control, std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto conn = std::make_shared<Connection>(std::move(socket));
        ConnectionList::iterator it;
        {
            std::lock_guard lock(mutex);
            it = connections.insert(connections.end(), conn);
        }
        const auto executor = conn->socket.get_executor();
        asio::co_spawn(executor, Session(std::move(conn), it), asio::detached);
    }
}

asio::awaitable<void> Server::Impl::Session(std::shared_ptr<Connection> conn, ConnectionList::iterator it) {
    try {
        co_await Serve(*conn);
    } catch (const std::exception& e) {
        spdlog::error("connection failed: {}", e.what());
    }
    conn->ExpiresNever();
    conn->Close();
    Forget(it);
}

asio::awaitable<void> Server::Impl::Serve(Connection& conn) {
    ErrorCode ec;
    const tcp::endpoint peer = conn.socket.remote_endpoint(ec);
    const std::string remote = ec ? std::string("-") : peer.address().to_string();
    // Behind a trusted proxy each request names its client (X-Forwarded-For); otherwise the peer is.
    const bool behind_proxy = !ec && config.trusted_proxies.Contains(remote);
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
        if (buffer.size() == 0) {
            // Between requests the connection is idle: Stop() may close it right away.
            if (stopping) co_return;
            conn.idle = true;
            conn.ExpiresAfter(first ? config.read_timeout : config.idle_timeout);
            const std::size_t n = co_await conn.socket.async_read_some(buffer.prepare(kFirstReadBytes),
                                                                       asio::redirect_error(asio::use_awaitable, ec));
            conn.idle = false;
            if (ec) co_return;
            buffer.commit(n);
        }
        first = false;
        Exchange ex;
        ex.request.client_address = remote;
        ex.behind_proxy = behind_proxy;
        co_await HandleOne(conn, buffer, ex);
        if (ex.close) co_return;
        if (buffer.capacity() > kBodyReadReserve && buffer.size() == 0) buffer.shrink_to_fit();
    }
}

asio::awaitable<void> Server::Impl::HandleOne(Connection& conn, beast::flat_buffer& buffer, Exchange& ex) {
    conn.ExpiresAfter(config.read_timeout);  // header and body together
    const ObserverScope observed(config.observer, ex);
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
    // The route's limit is applied once the header is known; Beast 1.74 mishandles boost::none.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    Response response = co_await ReadAndDispatch(conn, buffer, parser, ex);
    if (!ex.respond) {
        ex.close = true;
        co_return;
    }
    if (stopping) ex.close = true;
    const std::size_t bytes = co_await Write(conn, response, ex);
    ex.status = response.status;
    LogAccess(ex, response.status, bytes);
    if (ex.close && ex.drain) co_await Drain(conn);
}

asio::awaitable<Response> Server::Impl::ReadAndDispatch(Connection& conn, beast::flat_buffer& buffer, Parser& parser,
                                                        Exchange& ex) {
    ErrorCode ec;
    co_await bhttp::async_read_header(conn.socket, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        ex.close = true;
        ex.respond = IsProtocolError(ec);
        ex.request.request_id = ids.Next();
        ex.method_text = "-";
        ex.request.target = "-";
        co_return ProtocolErrorResponse(ec);
    }
    CopyRequestLine(parser, ex);
    if (ex.behind_proxy) {
        ex.request.client_address =
            ClientAddress(config.trusted_proxies, ex.request.client_address, ex.request.Header("x-forwarded-for"));
    }
    if (!parser.get().keep_alive()) ex.close = true;
    Dispatch dispatch = DispatchRequest(router, cors, ids, ex);
    if (dispatch.route == nullptr) {
        // A body we will not read: answer, then close (after draining a little).
        if (!parser.is_done()) ex.close = ex.drain = true;
        co_return std::move(dispatch.response);
    }
    ex.route = dispatch.route;
    if (!parser.is_done()) {
        if (const auto length = parser.content_length()) ex.request.content_length = *length;
    }
    router.Authenticate(*dispatch.route, ex.request);  // once, before the body: every later step has the caller
    if (auto refused = Admit(*dispatch.route, ex.request)) {
        if (!parser.is_done()) ex.close = ex.drain = true;
        co_return std::move(*refused);
    }
    Response response = co_await ReadBodyAndRun(conn, buffer, parser, ex, *dispatch.route);
    co_return response;
}

asio::awaitable<Response> Server::Impl::ReadBodyAndRun(Connection& conn, beast::flat_buffer& buffer, Parser& parser,
                                                       Exchange& ex, const Route& route) {
    if (route.options.prepare_upload) co_return co_await ReceiveUpload(conn, buffer, parser, ex, route);
    if (!parser.is_done()) {
        const auto length = parser.content_length();
        if (length && *length > route.options.max_body) {
            ex.close = ex.drain = true;
            co_return DetailResponse(413, "Request body too large");
        }
        parser.body_limit(route.options.max_body);
        if (!co_await SendContinue(conn, parser, ex)) co_return Response{};
        if (length) parser.get().body().reserve(static_cast<std::size_t>(*length));
        buffer.reserve(buffer.size() + kBodyReadReserve);
        ErrorCode ec;
        co_await bhttp::async_read(conn.socket, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            ex.close = true;
            ex.respond = IsProtocolError(ec);
            ex.drain = ec == bhttp::error::body_limit;
            co_return ProtocolErrorResponse(ec);
        }
    }
    ex.request.body = std::move(parser.get().body());
    conn.ExpiresNever();  // handlers may take their time; the write gets its own timeout
    if (route.options.offload) co_return co_await RunOffloaded(route, ex);
    co_return RunHandler(route, ex.request);
}

asio::awaitable<Response> Server::Impl::RunOffloaded(const Route& route, Exchange& ex) {
    if (auto refused = Screen(route, ex.request)) co_return std::move(*refused);
    if (route.options.refuse_when_busy && config.max_offload_waiting != 0 &&
        offload_waiting.load(std::memory_order_relaxed) >= config.max_offload_waiting) {
        offload_refused.fetch_add(1, std::memory_order_relaxed);
        co_return BusyResponse();
    }
    offload_waiting.fetch_add(1, std::memory_order_relaxed);
    // co_spawn, not post: in Boost 1.74 `co_await post(pool, use_awaitable)` does not move the
    // coroutine to the pool. With co_spawn the handler runs there and we resume on our strand.
    Response response = co_await asio::co_spawn(
        pool,
        [this, &route, &ex]() -> asio::awaitable<Response> {
            offload_waiting.fetch_sub(1, std::memory_order_relaxed);
            offload_running.fetch_add(1, std::memory_order_relaxed);
            LowerThisThreadPriority();
            Response answer = RunHandler(route, ex.request);
            offload_running.fetch_sub(1, std::memory_order_relaxed);
            co_return answer;
        },
        asio::use_awaitable);
    co_return response;
}

asio::awaitable<bool> Server::Impl::SendContinue(Connection& conn, const Parser& parser, Exchange& ex) {
    if (!IsContinueExpected(parser)) co_return true;
    ErrorCode ec;
    co_await asio::async_write(conn.socket, asio::buffer(kContinue.data(), kContinue.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_return true;
    ex.respond = false;
    co_return false;
}

Server::Server(ServerConfig config, const Router& router) : impl_(std::make_unique<Impl>(std::move(config), router)) {}

Server::~Server() = default;

std::uint16_t Server::Listen() { return impl_->Listen(); }

void Server::Run() { impl_->Run(); }

Server::OffloadStats Server::offload_stats() const {
    return {impl_->offload_waiting.load(std::memory_order_relaxed),
            impl_->offload_running.load(std::memory_order_relaxed),
            impl_->offload_refused.load(std::memory_order_relaxed)};
}

void Server::Stop() {
    Impl* impl = impl_.get();
    impl->stopping = true;
    asio::post(impl->control, [impl] { impl->DoStop(); });
}

}  // namespace zr::http
