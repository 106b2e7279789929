#pragma once
// A small blocking HTTP client over libcurl, for the uploader. One connection is kept alive
// between requests. Not thread-safe: one object per thread.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zr::client {

struct HttpResponse {
    long status = 0;
    std::string body;
    // Header fields of the final response, names lower-cased, in order.
    std::vector<std::pair<std::string, std::string>> headers;
    // First value of a header (name case-insensitive), or nullopt.
    std::optional<std::string> Header(std::string_view name) const;
};

// The request got no HTTP answer: connection refused or dropped, timeout, or aborted because the
// stop flag was raised (`interrupted()`).
class TransportError : public std::runtime_error {
public:
    TransportError(const std::string& what, bool interrupted) : std::runtime_error(what), interrupted_(interrupted) {}
    bool interrupted() const { return interrupted_; }

private:
    bool interrupted_;
};

class HttpClient {
public:
    // `base_url` like "http://127.0.0.1:8000" (a trailing '/' is dropped). `stop` is polled during
    // every transfer (at least once a second): when true, the transfer is aborted.
    HttpClient(std::string base_url, const std::atomic<bool>& stop);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    const std::string& base_url() const { return base_url_; }
    // Sent as "Authorization: Bearer <token>" from now on.
    void SetToken(std::string token) { token_ = std::move(token); }
    // A connection not made within `connect`, or a transfer slower than 1 byte/s for `stall`, is a
    // TransportError (defaults 30 s and 120 s).
    void SetTimeouts(long connect_seconds, long stall_seconds) {
        connect_timeout_ = connect_seconds;
        stall_timeout_ = stall_seconds;
    }
    // Uploads (PutFile) send at most this many bytes per second; 0 = no limit.
    void SetSendLimit(std::uint64_t bytes_per_second) { send_limit_ = bytes_per_second; }

    // `target` is a path with its query ("/challenges/?include_inactive=false").
    // All requests throw TransportError when no answer arrives; any HTTP status is returned.
    HttpResponse Get(const std::string& target);
    HttpResponse PostForm(const std::string& target, const std::vector<std::pair<std::string, std::string>>& fields);
    HttpResponse PostJson(const std::string& target, const nlohmann::json& body);
    // POST `body` as is, with the given Content-Type ("text/plain; charset=utf-8").
    HttpResponse PostText(const std::string& target, const std::string& content_type, std::string body);
    // GET whose body, when the status is 2xx, is handed to `sink` in chunks as it arrives (never
    // held in memory; response.body stays empty); other statuses' bodies are collected as usual.
    // An exception thrown by `sink` aborts the transfer and is rethrown as is.
    HttpResponse GetStreamed(const std::string& target, const std::function<void(std::string_view)>& sink);
    // PUT multipart/form-data with one file field `field` named `file_name`, streamed from `file`
    // (never held in memory). `on_sent(bytes)` reports the request bytes sent so far.
    HttpResponse PutFile(const std::string& target, const std::string& field, const std::filesystem::path& file,
                         const std::string& file_name, const std::function<void(std::uint64_t)>& on_sent);

private:
    struct Transfer;
    // The handle with every option back to its default (set by the request being built).
    void* Fresh();
    HttpResponse Perform(const std::string& target, Transfer& transfer);

    std::string base_url_;
    const std::atomic<bool>& stop_;
    std::string token_;
    std::uint64_t send_limit_ = 0;
    long connect_timeout_ = 30;
    long stall_timeout_ = 120;
    void* curl_;  // CURL*
};

}  // namespace zr::client
