#include "client/http_client.hpp"

#include <curl/curl.h>

#include <cstdlib>
#include <exception>

#include "common/strings.hpp"

namespace zr::client {
namespace {

// curl_slist freed on scope exit.
class Headers {
public:
    ~Headers() { curl_slist_free_all(list_); }
    void Add(const std::string& line) {
        curl_slist* grown = curl_slist_append(list_, line.c_str());
        if (grown == nullptr) throw std::bad_alloc();
        list_ = grown;
    }
    curl_slist* get() const { return list_; }

private:
    curl_slist* list_ = nullptr;
};

void Check(CURLcode code) {
    if (code != CURLE_OK) throw std::runtime_error(std::string("libcurl: ") + curl_easy_strerror(code));
}

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
    const std::string lower = ToLower(name);
    for (const auto& [key, value] : headers) {
        if (key == lower) return value;
    }
    return std::nullopt;
}

// One request's state, reachable from the curl callbacks.
struct HttpClient::Transfer {
    const std::atomic<bool>* stop = nullptr;
    const std::function<void(std::uint64_t)>* on_sent = nullptr;
    const std::function<void(std::string_view)>* sink = nullptr;  // 2xx bodies (GetStreamed)
    Headers headers;
    std::string body;
    curl_mime* mime = nullptr;
    HttpResponse* response = nullptr;
    long status = 0;  // of the latest status line received
    std::exception_ptr sink_error;

    ~Transfer() { curl_mime_free(mime); }

    static size_t OnBody(char* data, size_t size, size_t count, void* user) {
        auto* self = static_cast<Transfer*>(user);
        const size_t bytes = size * count;
        if (self->sink == nullptr || self->status < 200 || self->status > 299) {
            self->response->body.append(data, bytes);
            return bytes;
        }
        try {
            (*self->sink)(std::string_view(data, bytes));
        } catch (...) {
            self->sink_error = std::current_exception();
            return 0;  // CURLE_WRITE_ERROR: the transfer stops
        }
        return bytes;
    }

    // One header line per call, status lines included ("HTTP/1.1 200 OK"); a new status line
    // (after "100 Continue") starts the fields over.
    static size_t OnHeader(char* data, size_t size, size_t count, void* user) {
        auto* self = static_cast<Transfer*>(user);
        const std::string_view line(data, size * count);
        if (line.starts_with("HTTP/")) {
            self->response->headers.clear();
            const auto space = line.find(' ');
            if (space != std::string_view::npos)
                self->status = std::atol(std::string(line.substr(space + 1, 3)).c_str());
        } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
            self->response->headers.emplace_back(ToLower(line.substr(0, colon)),
                                                 std::string(Trim(line.substr(colon + 1))));
        }
        return size * count;
    }

    static int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t sent) {
        auto* self = static_cast<Transfer*>(user);
        if (self->stop->load()) return 1;  // CURLE_ABORTED_BY_CALLBACK
        if (self->on_sent != nullptr && *self->on_sent) (*self->on_sent)(static_cast<std::uint64_t>(sent));
        return 0;
    }
};

HttpClient::HttpClient(std::string base_url, const std::atomic<bool>& stop)
    : base_url_(std::move(base_url)), stop_(stop), curl_(nullptr) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
    Check(curl_global_init(CURL_GLOBAL_DEFAULT));
    curl_ = curl_easy_init();
    if (curl_ == nullptr) {
        curl_global_cleanup();
        throw std::runtime_error("libcurl: cannot create a handle");
    }
}

HttpClient::~HttpClient() {
    curl_easy_cleanup(static_cast<CURL*>(curl_));
    curl_global_cleanup();
}

HttpResponse HttpClient::Perform(const std::string& target, Transfer& transfer) {
    auto* curl = static_cast<CURL*>(curl_);
    transfer.stop = &stop_;
    transfer.headers.Add("Accept: application/json");
    if (!token_.empty()) transfer.headers.Add("Authorization: Bearer " + token_);
    const std::string url = base_url_ + target;
    HttpResponse response;
    transfer.response = &response;
    Check(curl_easy_setopt(curl, CURLOPT_URL, url.c_str()));
    Check(curl_easy_setopt(curl, CURLOPT_HTTPHEADER, transfer.headers.get()));
    Check(curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Transfer::OnBody));
    Check(curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer));
    Check(curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader));
    Check(curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer));
    Check(curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L));
    Check(curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &Transfer::OnProgress));
    Check(curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer));
    Check(curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L));
    Check(curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, connect_timeout_));
    Check(curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L));
    Check(curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, stall_timeout_));
    Check(curl_easy_setopt(curl, CURLOPT_USERAGENT, "zr-submit"));
    CURLcode code = curl_easy_perform(curl);
    if (transfer.sink_error) std::rethrow_exception(transfer.sink_error);
    if (code != CURLE_OK) {
        bool interrupted = code == CURLE_ABORTED_BY_CALLBACK;
        throw TransportError(interrupted ? "interrupted" : std::string(curl_easy_strerror(code)), interrupted);
    }
    Check(curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status));
    return response;
}

void* HttpClient::Fresh() {
    curl_easy_reset(static_cast<CURL*>(curl_));  // options only: the connection stays cached
    return curl_;
}

HttpResponse HttpClient::Get(const std::string& target) {
    Fresh();
    Transfer transfer;
    return Perform(target, transfer);
}

HttpResponse HttpClient::PostForm(const std::string& target,
                                  const std::vector<std::pair<std::string, std::string>>& fields) {
    Transfer transfer;
    for (const auto& [name, value] : fields) {
        if (!transfer.body.empty()) transfer.body += '&';
        transfer.body += PercentEncode(name) + "=" + PercentEncode(value);
    }
    auto* curl = static_cast<CURL*>(Fresh());
    transfer.headers.Add("Content-Type: application/x-www-form-urlencoded");
    Check(curl_easy_setopt(curl, CURLOPT_POSTFIELDS, transfer.body.c_str()));
    Check(curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(transfer.body.size())));
    return Perform(target, transfer);
}

HttpResponse HttpClient::PostJson(const std::string& target, const nlohmann::json& body) {
    Transfer transfer;
    transfer.body = body.dump();
    auto* curl = static_cast<CURL*>(Fresh());
    transfer.headers.Add("Content-Type: application/json");
    Check(curl_easy_setopt(curl, CURLOPT_POSTFIELDS, transfer.body.c_str()));
    Check(curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(transfer.body.size())));
    return Perform(target, transfer);
}

HttpResponse HttpClient::PostText(const std::string& target, const std::string& content_type, std::string body) {
    Transfer transfer;
    transfer.body = std::move(body);
    auto* curl = static_cast<CURL*>(Fresh());
    transfer.headers.Add("Content-Type: " + content_type);
    Check(curl_easy_setopt(curl, CURLOPT_POSTFIELDS, transfer.body.c_str()));
    Check(curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(transfer.body.size())));
    return Perform(target, transfer);
}

HttpResponse HttpClient::GetStreamed(const std::string& target, const std::function<void(std::string_view)>& sink) {
    Fresh();
    Transfer transfer;
    transfer.sink = &sink;
    return Perform(target, transfer);
}

HttpResponse HttpClient::PutFile(const std::string& target, const std::string& field, const std::filesystem::path& file,
                                 const std::string& file_name, const std::function<void(std::uint64_t)>& on_sent) {
    auto* curl = static_cast<CURL*>(Fresh());
    Transfer transfer;
    transfer.on_sent = &on_sent;
    transfer.mime = curl_mime_init(curl);
    if (transfer.mime == nullptr) throw std::bad_alloc();
    curl_mimepart* part = curl_mime_addpart(transfer.mime);
    if (part == nullptr) throw std::bad_alloc();
    Check(curl_mime_name(part, field.c_str()));
    // Streamed from the file by libcurl as the request is sent (the file is opened at that time).
    Check(curl_mime_filedata(part, file.c_str()));
    Check(curl_mime_filename(part, file_name.c_str()));
    Check(curl_mime_type(part, "application/octet-stream"));
    Check(curl_easy_setopt(curl, CURLOPT_MIMEPOST, transfer.mime));
    Check(curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT"));
    if (send_limit_ > 0) {
        Check(curl_easy_setopt(curl, CURLOPT_MAX_SEND_SPEED_LARGE, static_cast<curl_off_t>(send_limit_)));
    }
    return Perform(target, transfer);
}

}  // namespace zr::client
