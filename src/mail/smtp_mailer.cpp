#include <curl/curl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>

#include "mail/mailer.hpp"
#include "mail/mime.hpp"

namespace zr::mail {
namespace {

constexpr long kConnectTimeoutSeconds = 10;
constexpr long kTotalTimeoutSeconds = 60;

// curl_global_init is not thread-safe: run it once, before the first handle, from whichever
// thread sends first.
void EnsureCurlInitialized() {
    struct GlobalCurl {
        GlobalCurl() {
            if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                throw MailError("curl_global_init failed");
            }
        }
        ~GlobalCurl() { curl_global_cleanup(); }
    };
    static const GlobalCurl global;
}

struct Upload {
    std::string_view data;
    std::size_t offset = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    const std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
    std::memcpy(buffer, upload->data.data() + upload->offset, n);
    upload->offset += n;
    return n;
}

std::string ServerUrl(const settings::MailSettings& settings) {
    std::string host = settings.server;
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    return fmt::format("{}://{}:{}", settings.ssl ? "smtps" : "smtp", host, settings.port);
}

struct CurlDeleter {
    void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

SmtpMailer::SmtpMailer(settings::MailSettings settings) : settings_(std::move(settings)) {}

void SmtpMailer::Send(const Message& message) {
    const std::string mime = BuildMime(message, settings_.from, settings_.from_name, std::chrono::system_clock::now());
    if (settings_.server.empty()) {
        spdlog::info("mail disabled: would send '{}' to {}", message.subject, message.to);
        spdlog::debug("mail disabled, text part:\n{}", message.text_body);
        return;
    }
    EnsureCurlInitialized();
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) throw MailError("cannot create a curl handle");
    std::unique_ptr<curl_slist, SlistDeleter> recipients(curl_slist_append(nullptr, ("<" + message.to + ">").c_str()));
    if (!recipients) throw MailError("out of memory");

    const std::string url = ServerUrl(settings_);
    const std::string mail_from = "<" + settings_.from + ">";
    Upload upload{mime};
    char error[CURL_ERROR_SIZE] = {};
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, kTotalTimeoutSeconds);
    if (settings_.tls) curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    if (!settings_.username.empty()) {
        curl_easy_setopt(h, CURLOPT_USERNAME, settings_.username.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, settings_.password.c_str());
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadUpload);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.size()));
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);

    const CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        const std::string reason = error[0] != '\0' ? error : curl_easy_strerror(rc);
        throw MailError(
            fmt::format("sending to {} via {}:{} failed: {}", message.to, settings_.server, settings_.port, reason));
    }
}

}  // namespace zr::mail
