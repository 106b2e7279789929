#include "notify/mattermost.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

namespace zr::notify {
namespace {

constexpr long kConnectTimeoutSeconds = 10;
constexpr long kTotalTimeoutSeconds = 30;
constexpr std::array<std::chrono::milliseconds, 2> kRetryDelays = {std::chrono::seconds(1), std::chrono::seconds(5)};

// curl_global_init is not thread-safe on every libcurl: run it once, from the constructing thread,
// before the sending thread exists.
void EnsureCurlInitialized() {
    struct GlobalCurl {
        GlobalCurl() { curl_global_init(CURL_GLOBAL_DEFAULT); }
        ~GlobalCurl() { curl_global_cleanup(); }
    };
    static const GlobalCurl global;
}

// mattermost_url + "/" + key, with exactly one slash between them. Empty when disabled.
std::string WebhookUrl(const settings::Settings& settings) {
    std::string url = settings.mattermost_url;
    if (url.empty()) return url;
    std::string_view key = settings.mattermost_api_key;
    while (!key.empty() && key.front() == '/') key.remove_prefix(1);
    if (key.empty()) return url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url + "/" + std::string(key);
}

struct CurlDeleter {
    void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

std::size_t DiscardBody(char*, std::size_t size, std::size_t count, void*) { return size * count; }

// Ends a transfer in progress when the destructor's drain time is over.
int AbortWhenAsked(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
}

// One POST; returns the reason of a failure (never containing the URL), nullopt on a 2xx answer.
std::optional<std::string> PostOnce(const std::string& url, const std::string& body,
                                    const std::atomic<bool>& aborting) {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) return "cannot create a curl handle";
    std::unique_ptr<curl_slist, SlistDeleter> headers(curl_slist_append(nullptr, "Content-Type: application/json"));
    CURL* handle = curl.get();
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_POST, 1L);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT, kTotalTimeoutSeconds);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, DiscardBody);
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, AbortWhenAsked);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&aborting));
    const CURLcode code = curl_easy_perform(handle);
    // curl_easy_strerror names the failure without the URL (which holds the key).
    if (code != CURLE_OK) return std::string(curl_easy_strerror(code));
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300) return "HTTP status " + std::to_string(status);
    return std::nullopt;
}

}  // namespace

Mattermost::Mattermost(const settings::Settings& settings, std::chrono::milliseconds drain_timeout)
    : url_(WebhookUrl(settings)),
      channel_(settings.mattermost_channel),
      username_(settings.mattermost_username),
      drain_timeout_(drain_timeout),
      queue_("mattermost", [this](const std::string& text) { SendWithRetries(text); }) {
    if (enabled()) EnsureCurlInitialized();
}

Mattermost::~Mattermost() {
    const std::vector<std::string> dropped = queue_.Stop(drain_timeout_);
    if (!dropped.empty()) {
        spdlog::error("mattermost: {} message(s) dropped at shutdown", dropped.size());
        counters_.Dropped(dropped.size());
    }
}

void Mattermost::Post(std::string text) {
    if (!enabled()) {
        spdlog::debug("mattermost disabled, not sent: {}", text);
        return;
    }
    try {
        if (queue_.Post(std::move(text))) return;
        spdlog::error("mattermost message dropped: shutting down");
    } catch (const std::exception& e) {
        spdlog::error("mattermost message dropped: {}", e.what());
    }
    counters_.Dropped();
}

void Mattermost::Flush() { queue_.Flush(); }

void Mattermost::SendWithRetries(const std::string& text) {
    // Invalid UTF-8 in the text is replaced rather than making dump() throw.
    const std::string body = nlohmann::json{{"channel", channel_}, {"username", username_}, {"text", text}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    for (std::size_t attempt = 0;; ++attempt) {
        const std::optional<std::string> failure = PostOnce(url_, body, queue_.aborting());
        if (!failure) {
            counters_.Sent();
            return;
        }
        counters_.FailedAttempt();
        if (attempt >= kRetryDelays.size()) {
            spdlog::error("mattermost message dropped after {} attempts: {}", attempt + 1, *failure);
            counters_.Dropped();
            return;
        }
        spdlog::warn("mattermost post failed, retrying in {} ms: {}", kRetryDelays[attempt].count(), *failure);
        if (!queue_.Pause(kRetryDelays[attempt])) {
            spdlog::error("mattermost message dropped at shutdown: {}", *failure);
            counters_.Dropped();
            return;
        }
    }
}

}  // namespace zr::notify
