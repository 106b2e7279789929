// Streamed multipart/form-data uploads (RouteOptions::upload_spool). See router.hpp for the
// contract and server.hpp for the transport.
//
// The body is read with a buffer_body parser into a fixed chunk, so memory does not depend on the
// body size; the read timeout applies to each socket read (inactivity), not to the whole body. The
// chunk is fed to a MultipartStream, which writes file parts to the spool folder and hashes them.
// The final fdatasync runs on the blocking pool, off the IO threads.
// clang-format off
#include "http/server_impl.hpp"  // first: it includes <utility> before Asio (Boost 1.74 needs it)
// clang-format on

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "http/error_response.hpp"
#include "http/multipart_stream.hpp"

namespace zr::http {

namespace {

constexpr std::size_t kUploadChunkBytes = 256 * 1024;  // one disk write per chunk, at most
using ChunkParser = bhttp::request_parser<bhttp::buffer_body>;

// Discards the files the handler left in place (it moves the ones it keeps), on every way out.
class DiscardAtExit {
public:
    DiscardAtExit(UploadTarget& target, const std::vector<UploadedFile>& files) : target_(target) {
        for (const auto& file : files) paths_.push_back(file.path);
    }
    ~DiscardAtExit() {
        for (const auto& path : paths_) target_.DiscardFile(path);
    }
    DiscardAtExit(const DiscardAtExit&) = delete;
    DiscardAtExit& operator=(const DiscardAtExit&) = delete;

private:
    UploadTarget& target_;
    std::vector<std::filesystem::path> paths_;
};

// The answer when an upload ends early because of an exception; the rest of the body (if any) is
// not read, so the connection closes after the answer.
Response Refuse(Exchange& ex, bool body_left, std::exception_ptr error) {
    if (body_left) ex.close = ex.drain = true;
    try {
        std::rethrow_exception(std::move(error));
    } catch (const zr::Error& e) {
        return LoggedErrorResponse(e, ex.request.request_id);
    } catch (const std::exception& e) {
        spdlog::error("{} upload to {} failed: {}", ex.request.request_id, ex.request.path, e.what());
    } catch (...) {
        spdlog::error("{} upload to {} failed", ex.request.request_id, ex.request.path);
    }
    return DetailResponse(500, "Internal Server Error");
}

// Fills `chunk` from the connection (or until the body ends). Each socket read gets its own
// timeout. Returns the bytes put in `chunk`; `ec` is set on a read or protocol error.
asio::awaitable<std::size_t> FillChunk(Connection& conn, beast::flat_buffer& buffer, ChunkParser& parser,
                                       std::vector<char>& chunk, std::chrono::seconds timeout, ErrorCode& ec) {
    auto& body = parser.get().body();
    body.data = chunk.data();
    body.size = chunk.size();
    while (!parser.is_done() && body.size != 0) {
        conn.ExpiresAfter(timeout);
        co_await bhttp::async_read_some(conn.socket, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec) break;
    }
    co_return chunk.size() - body.size;
}

}  // namespace

asio::awaitable<Response> Server::Impl::ReceiveUpload(Connection& conn, beast::flat_buffer& buffer, Parser& parser,
                                                      Exchange& ex, const Route& route) {
    const bool has_body = !parser.is_done();
    const auto length = parser.content_length();
    if (has_body && length && *length > route.options.max_body) {
        ex.close = ex.drain = true;
        co_return DetailResponse(413, "Request body too large");
    }
    std::optional<std::string> boundary;
    std::exception_ptr failure;
    try {
        // A refused caller is answered before the prepare step and before any body byte.
        if (ex.request.auth_error) std::rethrow_exception(ex.request.auth_error);
        ex.request.upload = route.options.prepare_upload(ex.request);
        if (!ex.request.upload) throw std::logic_error("prepare_upload returned no target");
        boundary = MultipartBoundary(ex.request.Header("content-type").value_or(""));
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) co_return Refuse(ex, has_body, failure);
    if (!has_body || !boundary) {
        // No multipart body: the handler sees no files (and answers 422 as FastAPI does). A body
        // we do not read is dropped with the connection.
        ex.close = ex.close || has_body;
        ex.drain = has_body;
        conn.ExpiresNever();
        if (route.options.offload) co_return co_await RunOffloaded(route, ex);
        co_return RunHandler(route, ex.request);
    }
    if (!co_await SendContinue(conn, parser, ex)) co_return Response{};

    MultipartStream multipart(*boundary, *ex.request.upload);
    ChunkParser chunk_parser(std::move(parser));
    chunk_parser.body_limit(route.options.max_body);
    buffer.reserve(buffer.size() + kBodyReadReserve);
    std::vector<char> chunk(kUploadChunkBytes);
    ErrorCode ec;
    while (!chunk_parser.is_done()) {
        const std::size_t filled = co_await FillChunk(conn, buffer, chunk_parser, chunk, config.read_timeout, ec);
        try {
            multipart.Feed(std::string_view(chunk.data(), filled));
        } catch (...) {
            failure = std::current_exception();
        }
        if (failure) co_return Refuse(ex, !chunk_parser.is_done(), failure);
        if (ec) {
            // Disconnects and timeouts close silently; a bad chunked encoding or a body over the
            // limit gets its answer. The stream's destructor removes the partial files.
            ex.close = true;
            ex.respond = IsProtocolError(ec);
            ex.drain = ec == bhttp::error::body_limit;
            co_return ProtocolErrorResponse(ec);
        }
    }
    try {
        multipart.Finish();
        // Once we answer, the client may forget its copy: the parts must survive a crash. The body
        // is read: syncing may take longer than a read timeout.
        conn.ExpiresNever();
        co_await asio::co_spawn(
            pool,
            [&multipart]() -> asio::awaitable<void> {
                LowerThisThreadPriority();
                multipart.SyncFiles();
                co_return;
            },
            asio::use_awaitable);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) co_return Refuse(ex, false, failure);
    ex.request.files = multipart.TakeFiles();
    ex.request.form_fields = multipart.TakeFields();
    const DiscardAtExit cleanup(*ex.request.upload, ex.request.files);
    conn.ExpiresNever();  // the handler may take its time; the write gets its own timeout
    if (route.options.offload) co_return co_await RunOffloaded(route, ex);
    co_return RunHandler(route, ex.request);
}

}  // namespace zr::http
