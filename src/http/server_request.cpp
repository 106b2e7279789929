#include "http/server_request.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>
#include <iterator>
#include <string>

#include "http/error_response.hpp"

namespace zr::http {

namespace {

// The status line and the fixed fields (Server, Date, Content-Type, X-Request-ID, nosniff,
// Connection, Content-Length) of a JSON answer take ~200 bytes.
constexpr std::size_t kHeadBytes = 256;

std::size_t FieldBytes(std::string_view name, std::string_view value) { return name.size() + value.size() + 4; }

}  // namespace

std::string ResponseHead(const Response& response, const Exchange& ex, std::uint64_t content_length,
                         const HeaderList& html_headers) {
    const auto field = [](std::string& out, std::string_view name, std::string_view value) {
        out.append(name).append(": ").append(value).append("\r\n");
    };
    const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
    // One allocation: room for the fixed fields, the answer's own and the transport's (an HTML
    // answer's security headers take ~250 bytes).
    std::size_t bytes = kHeadBytes;
    for (const auto& [name, value] : response.headers) bytes += FieldBytes(name, value);
    ForEachAddedHeader(response, html_headers,
                       [&bytes](std::string_view name, std::string_view value) { bytes += FieldBytes(name, value); });
    std::string out;
    out.reserve(bytes);
    out.append(ex.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(std::to_string(response.status)).append(" ");
    out.append(reason.data(), reason.size()).append("\r\n");
    field(out, "Server", "zerospeech-api");
    field(out, "Date", HttpDate());
    if (!response.content_type.empty()) field(out, "Content-Type", response.content_type);
    field(out, "X-Request-ID", ex.request.request_id);
    for (const auto& [name, value] : response.headers) field(out, name, value);
    ForEachAddedHeader(response, html_headers,
                       [&](std::string_view name, std::string_view value) { field(out, name, value); });
    // Beast's keep_alive(): HTTP/1.1 says only "close", HTTP/1.0 only "keep-alive".
    if (ex.version == 10 && !ex.close) field(out, "Connection", "keep-alive");
    if (ex.version != 10 && ex.close) field(out, "Connection", "close");
    if (!StatusHasNoBody(response.status)) field(out, "Content-Length", std::to_string(content_length));
    out.append("\r\n");
    return out;
}

Method ToMethod(bhttp::verb verb) {
    switch (verb) {
        case bhttp::verb::get:
            return Method::kGet;
        case bhttp::verb::head:
            return Method::kHead;
        case bhttp::verb::post:
            return Method::kPost;
        case bhttp::verb::put:
            return Method::kPut;
        case bhttp::verb::delete_:
            return Method::kDelete;
        case bhttp::verb::patch:
            return Method::kPatch;
        case bhttp::verb::options:
            return Method::kOptions;
        default:
            return Method::kOther;
    }
}

void CopyRequestLine(const Parser& parser, Exchange& ex) {
    const auto& message = parser.get();
    ex.request.method = ToMethod(message.method());
    ex.method_text.assign(message.method_string().data(), message.method_string().size());
    ex.request.target.assign(message.target().data(), message.target().size());
    ex.version = message.version();
    ex.request.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
    for (const auto& field : message) {
        std::string name(field.name_string().data(), field.name_string().size());
        for (char& c : name) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        ex.request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
}

bool IsProtocolError(const ErrorCode& ec) {
    if (ec.category() != bhttp::make_error_code(bhttp::error::end_of_stream).category()) return false;
    return ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

Response ProtocolErrorResponse(const ErrorCode& ec) {
    if (ec == bhttp::error::header_limit) return DetailResponse(431, "Request Header Fields Too Large");
    if (ec == bhttp::error::body_limit) return DetailResponse(413, "Request body too large");
    return DetailResponse(400, "Bad Request");
}

bool IsContinueExpected(const Parser& parser) {
    const auto& message = parser.get();
    const auto it = message.find(bhttp::field::expect);
    return it != message.end() && message.version() >= 11 && boost::beast::iequals(it->value(), "100-continue");
}

}  // namespace zr::http
