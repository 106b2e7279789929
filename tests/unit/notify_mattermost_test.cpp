// notify::Mattermost against a minimal HTTP sink on loopback (one thread, one request per
// connection): what is posted, where, the retries, and that failures never reach the caller.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http_sink.hpp"
#include "notify/mattermost.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using zr::test_support::HttpSink;
using zr::test_support::LogCapture;

zr::settings::Settings WebhookSettings(const std::string& url, const std::string& key) {
    zr::settings::Settings settings;
    settings.mattermost_url = url;
    settings.mattermost_api_key = key;
    settings.mattermost_channel = "zr-alerts";
    settings.mattermost_username = "zr-bot";
    return settings;
}

std::uint16_t ClosedPort() {
    HttpSink sink;  // binds a free port, released when it goes out of scope
    return sink.port();
}

TEST(MattermostTest, PostsTheJsonToTheUrlWithTheKey) {
    HttpSink sink;
    {
        zr::notify::Mattermost mattermost(WebhookSettings(sink.base() + "/hooks/", "k3y"));
        ASSERT_TRUE(mattermost.enabled());
        mattermost.Post("New submission **abc** (é)");
        mattermost.Flush();
    }
    const auto requests = sink.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].path, "/hooks/k3y");
    EXPECT_NE(requests[0].headers.find("Content-Type: application/json"), std::string::npos);
    const json body = json::parse(requests[0].body);
    EXPECT_EQ(body, (json{{"channel", "zr-alerts"}, {"username", "zr-bot"}, {"text", "New submission **abc** (é)"}}));
}

TEST(MattermostTest, JoinsUrlAndKeyWithOneSlash) {
    HttpSink sink;
    {
        zr::notify::Mattermost no_slash(WebhookSettings(sink.base() + "/hooks", "k1"));
        zr::notify::Mattermost both(WebhookSettings(sink.base() + "/hooks/", "/k2"));
        no_slash.Post("a");
        no_slash.Flush();
        both.Post("b");
        both.Flush();
    }
    const auto requests = sink.requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].path, "/hooks/k1");
    EXPECT_EQ(requests[1].path, "/hooks/k2");
}

TEST(MattermostTest, RetriesAfterAServerError) {
    HttpSink sink({500, 200});
    LogCapture log;
    const auto start = std::chrono::steady_clock::now();
    {
        zr::notify::Mattermost mattermost(WebhookSettings(sink.base() + "/hooks", "s3cr3t-key"));
        mattermost.Post("retried");
        mattermost.Flush();
        EXPECT_EQ(mattermost.counts().failed_attempts, 1u);
        EXPECT_EQ(mattermost.counts().sent, 1u);
        EXPECT_EQ(mattermost.counts().dropped, 0u);
    }
    EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);  // the first retry waits 1 s
    const auto requests = sink.requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].body, requests[1].body);
    EXPECT_EQ(json::parse(requests[1].body)["text"], "retried");
    EXPECT_NE(log.Text().find("HTTP status 500"), std::string::npos) << log.Text();
    EXPECT_EQ(log.Text().find("s3cr3t-key"), std::string::npos);
}

TEST(MattermostTest, UnreachableUrlDoesNotBlockAndIsLogged) {
    LogCapture log;
    const std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/hooks";
    const auto start = std::chrono::steady_clock::now();
    {
        zr::notify::Mattermost mattermost(WebhookSettings(url, "s3cr3t-key"), 300ms);
        mattermost.Post("lost");
        EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
        EXPECT_TRUE(log.WaitFor("mattermost post failed", 3s)) << log.Text();
    }
    // The destructor gives up the pending retry (5 s away) after its drain time.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
    EXPECT_NE(log.Text().find("dropped"), std::string::npos) << log.Text();
    EXPECT_EQ(log.Text().find("s3cr3t-key"), std::string::npos);
}

TEST(MattermostTest, DestructorAbortsATransferThatHangs) {
    HttpSink sink({200}, /*answer=*/false);
    LogCapture log;
    const auto start = std::chrono::steady_clock::now();
    {
        zr::notify::Mattermost mattermost(WebhookSettings(sink.base(), "key"), 300ms);
        mattermost.Post("never answered");
        while (sink.requests().empty() && std::chrono::steady_clock::now() - start < 3s) {
            std::this_thread::sleep_for(10ms);
        }
    }
    EXPECT_EQ(sink.requests().size(), 1u);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // not the 30 s curl timeout
}

TEST(MattermostTest, DisabledWithoutUrl) {
    zr::notify::Mattermost mattermost(WebhookSettings("", "key"));
    EXPECT_FALSE(mattermost.enabled());
    mattermost.Post("nowhere");
    mattermost.Flush();
}

}  // namespace
