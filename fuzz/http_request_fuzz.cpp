// The server's request path on raw bytes, as one connection carries them: Beast's request parser
// (the server's header limit), then our request-line and header handling (CopyRequestLine,
// DispatchRequest: request id, path decoding, CORS preflight, routing on the real route table,
// trailing-slash redirects), the body limit of the route, the multipart boundary of upload routes,
// the body, and the response written as Beast would send it. Pipelined requests follow while the
// connection stays open.
//
// Properties: every answer is < 500 and serialises to an HTTP response that parses back with the
// same status; a decoded path starts with '/' and has no NUL; redirects stay on this host; a
// matched route gets every parameter of its pattern, non-empty and without '/'.
#include <spdlog/spdlog.h>

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/resources.hpp"
#include "error_check.hpp"
#include "fuzz_support.hpp"
#include "http/error_response.hpp"
#include "http/multipart_stream.hpp"
#include "http/router.hpp"
#include "http/server_request.hpp"
#include "http/server_support.hpp"

namespace {

using namespace zr::http;
namespace beast = boost::beast;

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;                     // Settings::max_header_bytes
constexpr std::size_t kMaxJsonBody = 64 * 1024;                        // Settings::max_json_body
constexpr std::size_t kMaxUpload = 600ull * 1024 * 1024 + 128 * 1024;  // upload routes
constexpr int kMaxRequestsPerInput = 16;

// The route table from the embedded OpenAPI document, which a unit test keeps equal to
// api::BuildRouter's: same methods and patterns ("{path}" as the last segment is the "path"
// converter of /static/{path:path}), the same body limits, upload routes where the body is
// multipart/form-data. Handlers are never run here.
Router BuildRouter() {
    const auto text = zr::resources::Find("openapi.json");
    ZR_FUZZ_CHECK(text.has_value(), "openapi.json is not embedded");
    const auto doc = nlohmann::json::parse(*text);
    Router router;
    const Handler never = [](Request&) -> Response { zr::fuzz::Fail(__FILE__, __LINE__, "handler", "ran"); };
    for (const auto& [path, item] : doc.at("paths").items()) {
        std::string pattern = path;
        const std::string rest = "/{path}";
        if (pattern.size() > rest.size() && pattern.ends_with(rest))
            pattern.replace(pattern.size() - 6, 6, "{path:path}");
        for (const auto& [verb, operation] : item.items()) {
            static const std::pair<const char*, Method> kVerbs[] = {
                {"get", Method::kGet},        {"head", Method::kHead},     {"post", Method::kPost},
                {"put", Method::kPut},        {"delete", Method::kDelete}, {"patch", Method::kPatch},
                {"options", Method::kOptions}};
            for (const auto& [name, method] : kVerbs) {
                if (verb != name) continue;
                RouteOptions options;
                options.max_body = kMaxJsonBody;
                const auto multipart = operation.find("requestBody");
                if (multipart != operation.end() &&
                    multipart->dump().find("multipart/form-data") != std::string::npos) {
                    options.max_body = kMaxUpload;
                    options.prepare_upload = [](Request&) -> std::shared_ptr<UploadTarget> {
                        zr::fuzz::Fail(__FILE__, __LINE__, "prepare_upload", "ran");
                    };
                }
                router.Add(method, pattern, never, options);
            }
        }
    }
    return router;
}

struct Fixture {
    Router router = BuildRouter();
    CorsPolicy cors{{"https://zerospeech.com", "http://localhost:1313"}};
    RequestIdGenerator ids;
    HeaderList html_headers{{"X-Frame-Options", "DENY"}};  // as ServerConfig::html_headers
};

Fixture& GetFixture() {
    static Fixture* fixture = [] {
        spdlog::set_level(spdlog::level::off);
        return new Fixture();  // never destroyed: targets may run during static destruction
    }();
    return *fixture;
}

std::size_t ParamCount(const std::string& pattern) {
    std::size_t n = 0;
    for (const char c : pattern) n += c == '{' ? 1 : 0;
    return n;
}

void CheckDispatched(const Exchange& ex, const Dispatch& dispatch) {
    const Request& request = ex.request;
    ZR_FUZZ_CHECK(IsSaneRequestId(request.request_id), request.request_id);
    if (dispatch.route == nullptr) return;
    ZR_FUZZ_CHECK(!request.path.empty() && request.path[0] == '/', request.path);
    ZR_FUZZ_CHECK(request.path.find('\0') == std::string::npos, request.target);
    ZR_FUZZ_CHECK(request.path_params.size() == ParamCount(dispatch.route->pattern), request.target);
    for (const auto& [name, value] : request.path_params) {
        // "{path:path}" takes the rest of the path and, as Starlette's ".*" converter, may be empty
        // ("/static/" answers 404 from the handler); every other parameter is one non-empty segment.
        if (name == "path") continue;
        ZR_FUZZ_CHECK(!value.empty(), name);
        ZR_FUZZ_CHECK(value.find('/') == std::string::npos, value);
    }
}

// Writes the response as Server::Impl::Write does for an in-memory body, then reads it back.
void CheckResponse(Response response, const Exchange& ex) {
    ZR_FUZZ_CHECK(response.status >= 200 && response.status < 500, std::to_string(response.status));
    for (const auto& [name, value] : response.headers) {
        if (name != "Location") continue;
        ZR_FUZZ_CHECK(value.starts_with('/') && !value.starts_with("//") && !value.starts_with("/\\"), value);
    }
    AddCorsHeaders(GetFixture().cors, ex, response);
    const bool head = ex.request.method == Method::kHead;
    bhttp::response<bhttp::string_body> message(static_cast<bhttp::status>(response.status), ex.version);
    SetCommonFields(message, response, ex, GetFixture().html_headers);
    if (!StatusHasNoBody(response.status)) message.content_length(response.body.size());
    if (!head && !StatusHasNoBody(response.status)) message.body() = response.body;
    std::ostringstream wire;
    wire << message;
    const std::string text = wire.str();

    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    ErrorCode ec;
    std::string_view rest = text;
    while (!parser.is_done() && !ec) {
        const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
        rest.remove_prefix(used);
        if (used == 0) break;
    }
    ZR_FUZZ_CHECK(!ec && parser.is_done() && rest.empty(), ec.message() + ": " + text);
    ZR_FUZZ_CHECK(parser.get().result_int() == static_cast<unsigned>(response.status), text);
}

// Feeds the parser from `data`; false when the input ended before `done(parser)` (the server
// would wait, then time out and close without an answer) or after a protocol error (answered).
template <class Done>
bool Put(Parser& parser, std::string_view& data, Exchange& ex, Done done) {
    while (!done(parser)) {
        ErrorCode ec;
        const std::size_t used = parser.put(boost::asio::buffer(data.data(), data.size()), ec);
        data.remove_prefix(used);
        if (ec == bhttp::error::need_more) return false;
        if (ec) {
            if (IsProtocolError(ec)) CheckResponse(ProtocolErrorResponse(ec), ex);
            return false;
        }
        if (used == 0) return false;
    }
    return true;
}

// One request from the front of `data`; false when the connection closes after it.
bool HandleOne(std::string_view& data) {
    Fixture& fixture = GetFixture();
    Exchange ex;
    ex.request.request_id = fixture.ids.Next();
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (!Put(parser, data, ex, [](const Parser& p) { return p.is_header_done(); })) return false;
    CopyRequestLine(parser, ex);
    if (!parser.get().keep_alive()) ex.close = true;
    Dispatch dispatch = DispatchRequest(fixture.router, fixture.cors, fixture.ids, ex);
    CheckDispatched(ex, dispatch);
    if (dispatch.route == nullptr) {
        CheckResponse(std::move(dispatch.response), ex);
        return !ex.close && parser.is_done();
    }
    const Route& route = *dispatch.route;
    const auto length = parser.content_length();
    if (!parser.is_done() && length && *length > route.options.max_body) {
        CheckResponse(DetailResponse(413, "Request body too large"), ex);
        return false;
    }
    if (route.options.prepare_upload) {
        try {
            MultipartBoundary(ex.request.Header("content-type").value_or(""));
        } catch (const zr::Error& e) {
            zr::fuzz::CheckClientError(e);
            return false;
        }
    }
    parser.body_limit(route.options.max_body);
    if (!Put(parser, data, ex, [](const Parser& p) { return p.is_done(); })) return false;
    ex.request.body = std::move(parser.get().body());
    CheckResponse(Response::Empty(), ex);  // what a handler answers does not depend on the transport
    return !ex.close;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = zr::fuzz::AsText(data, size);
    for (int i = 0; i < kMaxRequestsPerInput && !input.empty(); ++i) {
        if (!HandleOne(input)) break;
    }
    return 0;
}
