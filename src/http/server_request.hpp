#pragma once
// Private to the http module (and its tests and fuzz targets): the request side of the transport
// that needs Beast's parser but no socket. server_impl.hpp includes it; the functions are pure
// (no I/O), so a fuzz target can run the server's request-line and header handling on any bytes.
// clang-format off
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <string>

#include "http/message.hpp"
#include "http/server_support.hpp"

namespace zr::http {

namespace bhttp = boost::beast::http;
using ErrorCode = boost::system::error_code;
using Parser = bhttp::request_parser<bhttp::string_body>;

Method ToMethod(bhttp::verb verb);
// Copies the parsed request line and header into ex: method (and its text), target, version and
// the headers (names lower-cased, values as received, in order). The parser's header must be done.
void CopyRequestLine(const Parser& parser, Exchange& ex);
// Errors after which the peer gets an answer (it sent something we refuse), as opposed to
// network errors, timeouts and end of stream, after which we just close.
bool IsProtocolError(const ErrorCode& ec);
// 431, 413 or 400 for a protocol error.
Response ProtocolErrorResponse(const ErrorCode& ec);
// An HTTP/1.1 request with "Expect: 100-continue".
bool IsContinueExpected(const Parser& parser);

// Responses without a body whatever the request (1xx, 204, 304).
inline bool StatusHasNoBody(int status) { return status == 204 || status == 304 || status < 200; }

// The status line and header of a response with a body in memory, as text ending with the empty
// line: what Beast's serializer writes for the same fields (SetCommonFields, then Content-Length
// unless the status has no body), built in one string instead of a fields container.
// `html_headers`: ServerConfig::html_headers.
std::string ResponseHead(const Response& response, const Exchange& ex, std::uint64_t content_length,
                         const HeaderList& html_headers);

// The header fields every response carries: Server, Date, Content-Type, X-Request-ID, the
// response's own headers, the transport's (ForEachAddedHeader) and the keep-alive decision
// (ex.close).
template <class Message>
void SetCommonFields(Message& message, const Response& response, const Exchange& ex, const HeaderList& html_headers) {
    using BeastView = boost::beast::string_view;
    message.set(bhttp::field::server, "zerospeech-api");
    const std::string_view date = HttpDate();
    message.set(bhttp::field::date, BeastView(date.data(), date.size()));
    if (!response.content_type.empty()) message.set(bhttp::field::content_type, response.content_type);
    message.set("X-Request-ID", ex.request.request_id);
    for (const auto& [name, value] : response.headers) message.insert(name, value);
    ForEachAddedHeader(response, html_headers, [&message](std::string_view name, std::string_view value) {
        message.insert(BeastView(name.data(), name.size()), BeastView(value.data(), value.size()));
    });
    message.keep_alive(!ex.close);
}

}  // namespace zr::http
