#pragma once
// HTTP request and response as plain values: no socket, no Beast. Handlers are functions of a
// Request that return a Response; the transport (server.cpp) converts to and from the wire.
#include <any>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/file_system.hpp"

namespace zr::http {

// Header fields in order, as (name, value); a name may repeat.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

enum class Method { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

std::string_view ToString(Method m);

// Where the file parts of a streamed upload are written: what a route's prepare step returns
// (RouteOptions::prepare_upload), kept in Request::upload for its handler. The application
// derives from it, adding what its pre-body check found (the located submission, the part it
// expects), so the handler does not look it up again.
class UploadTarget {
public:
    virtual ~UploadTarget() = default;
    // A new empty file, under a temporary name, for the next file part of the body. Throws
    // zr::Error (507 when the disk is full).
    virtual SpoolFile CreateFile() = 0;
    // Removes a file CreateFile made that the handler did not take. Never throws.
    virtual void DiscardFile(const std::filesystem::path& path) noexcept = 0;
};

// A file part of a streamed multipart/form-data body (routes with RouteOptions::prepare_upload),
// already on disk (synced) under a temporary name from UploadTarget::CreateFile, its md5 computed
// on the way. The transport discards `path` after the handler returns unless the handler moved it
// away.
struct UploadedFile {
    std::string field;     // form field name, e.g. "file_data"
    std::string filename;  // the client's file name (untrusted; never use it as a path)
    std::filesystem::path path;
    std::uint64_t size = 0;
    std::string md5;  // lower-case hex
};

struct Request {
    Method method = Method::kGet;
    std::string target;  // as received: path + "?" + query
    std::string path;    // percent-decoded path, without the query
    std::string query;   // raw query string, without "?"
    // Header names lower-cased; repeated headers keep every value in order.
    HeaderList headers;
    std::string body;
    // Values of "{name}" segments of the matched route, percent-decoded.
    std::unordered_map<std::string, std::string> path_params;
    // The Content-Length the client declared (absent for chunked bodies and bodyless requests).
    std::optional<std::uint64_t> content_length;
    // What the route's declared authentication (RouteOptions::auth) resolved to, once per request
    // before any body byte is read: the value the application's authenticator returned (caller)
    // or the error it threw (auth_error). Empty for routes without authentication.
    std::any caller;
    std::exception_ptr auth_error;
    // Streamed upload routes only: what the route's prepare step returned, the file parts and the
    // text fields of the multipart body.
    std::shared_ptr<UploadTarget> upload;
    std::vector<UploadedFile> files;
    std::vector<std::pair<std::string, std::string>> form_fields;
    // The client's IP address as text: the peer's, or the one a trusted proxy forwarded
    // (ServerConfig::trusted_proxies). What per-address limits count and the access log shows.
    std::string client_address;
    std::string request_id;

    // First value of a header (name case-insensitive), or nullopt.
    std::optional<std::string_view> Header(std::string_view name) const;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    // Extra headers (the transport adds Content-Length, Date, Server, the request id, CORS,
    // X-Content-Type-Options and, on text/html answers, ServerConfig::html_headers: a header set
    // here wins over the transport's of the same name).
    HeaderList headers;
    // When set, the body is streamed from this file instead of `body`.
    std::optional<std::filesystem::path> file;

    static Response Json(int status, const nlohmann::json& value);
    // A body that already is JSON text (serialised once, reused).
    static Response JsonText(int status, std::string json);
    static Response Html(int status, std::string html);
    // The first implementation's `Response(status_code=200)`: no body and no Content-Type.
    static Response Empty(int status = 200);
    static Response Redirect(int status, std::string location);
};

}  // namespace zr::http
