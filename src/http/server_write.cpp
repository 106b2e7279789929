// Writing answers: string bodies, files streamed from disk, and draining a connection we close
// while the client may still be sending. See server.hpp for the transport.
// clang-format off
#include "http/server_impl.hpp"  // first: it includes <utility> before Asio (Boost 1.74 needs it)
// clang-format on

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <system_error>

#include "http/error_response.hpp"

namespace zr::http {

namespace {

constexpr std::size_t kDrainLimit = 1024 * 1024;
constexpr std::chrono::seconds kDrainTime{2};

}  // namespace

asio::awaitable<std::size_t> Server::Impl::Write(Connection& conn, Response& response, Exchange& ex) {
    AddCorsHeaders(cors, ex, response);
    conn.ExpiresAfter(config.read_timeout);
    const bool no_body = ex.request.method == Method::kHead || StatusHasNoBody(response.status);
    std::uint64_t content_length = response.body.size();
    if (response.file) {
        const FileWrite file = co_await WriteFile(conn, response, ex, no_body);
        if (file.sent) co_return file.bytes;
        content_length = file.bytes;
    }
    // A body in memory: the head written by hand and both sent with one gathered write (a Beast
    // message and serializer cost a tenth of GET / in allocations; bench/README.md).
    const std::string header = ResponseHead(response, ex, content_length, config.html_headers);
    const std::size_t body_bytes = no_body ? 0 : response.body.size();
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(header),
                                                    asio::buffer(response.body.data(), body_bytes)};
    ErrorCode ec;
    co_await asio::async_write(conn.socket, buffers, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) ex.close = true;
    co_return body_bytes;
}

asio::awaitable<Server::Impl::FileWrite> Server::Impl::WriteFile(Connection& conn, Response& response, Exchange& ex,
                                                                 bool no_body) {
    bhttp::response<bhttp::file_body> message(static_cast<bhttp::status>(response.status), ex.version);
    ErrorCode ec;
    // A directory opens fine but fails on read, after the header went out: refuse it here.
    std::error_code file_ec;
    if (!std::filesystem::is_regular_file(*response.file, file_ec)) {
        ec = boost::system::errc::make_error_code(boost::system::errc::no_such_file_or_directory);
    } else {
        message.body().open(response.file->c_str(), beast::file_mode::scan, ec);
    }
    if (ec) {
        spdlog::error("{} cannot open {}: {}", ex.request.request_id, response.file->string(), ec.message());
        response = NotFound();
        AddCorsHeaders(cors, ex, response);
        co_return FileWrite{false, response.body.size()};
    }
    if (no_body) co_return FileWrite{false, message.body().size()};
    SetCommonFields(message, response, ex, config.html_headers);
    message.content_length(message.body().size());
    // A file may take longer than one timeout to send (input archives of GBs to remote workers):
    // the timeout applies to each write, so only a stalled client is dropped.
    bhttp::response_serializer<bhttp::file_body> serializer(message);
    while (!ec && !serializer.is_done()) {
        conn.ExpiresAfter(config.read_timeout);
        co_await bhttp::async_write_some(conn.socket, serializer, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) ex.close = true;
    co_return FileWrite{true, message.body().size()};
}

// Shuts our side down, then reads and drops what the client still sends for a while, so the
// answer is not destroyed by a TCP reset caused by unread data.
asio::awaitable<void> Server::Impl::Drain(Connection& conn) {
    ErrorCode ec;
    conn.socket.shutdown(tcp::socket::shutdown_send, ec);
    conn.ExpiresAfter(kDrainTime);
    std::array<char, 8192> scratch;
    std::size_t total = 0;
    while (total < kDrainLimit) {
        const std::size_t n =
            co_await conn.socket.async_read_some(asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        total += n;
    }
}

}  // namespace zr::http
