// notify::SpaceAlarm: every out-of-space event is counted; the organisers' Mattermost gets the
// first event of a burst at once and at most one post per min_interval, naming how many events it
// stands for.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "http_sink.hpp"
#include "notify/mattermost.hpp"
#include "notify/space_alarm.hpp"
#include "templates/templates.hpp"

namespace zr::notify {
namespace {

using namespace std::chrono_literals;
using test_support::HttpSink;

settings::Settings WebhookSettings(const std::string& url) {
    settings::Settings settings;
    settings.mattermost_url = url;
    settings.mattermost_api_key = "key";
    settings.mattermost_channel = "zr-alerts";
    settings.mattermost_username = "zr-bot";
    return settings;
}

// The "text" of each message the sink received.
std::vector<std::string> Posted(HttpSink& sink) {
    std::vector<std::string> texts;
    for (const auto& request : sink.requests()) {
        texts.push_back(nlohmann::json::parse(request.body).at("text").get<std::string>());
    }
    return texts;
}

TEST(SpaceAlarmTest, CountsEveryReport) {
    Mattermost mattermost(WebhookSettings(""));  // disabled: the posts are only logged
    const templates::Engine templates;
    SpaceAlarm alarm(mattermost, templates);
    EXPECT_EQ(alarm.count(), 0u);
    alarm.Report("write /data/a: No space left on device");
    EXPECT_EQ(alarm.count(), 1u);
    alarm.Report("write /data/b: No space left on device");
    alarm.Report("write /data/c: Disk quota exceeded");
    EXPECT_EQ(alarm.count(), 3u);
}

TEST(SpaceAlarmTest, PostsOncePerIntervalNamingTheNumberOfEvents) {
    HttpSink sink;
    Mattermost mattermost(WebhookSettings(sink.base() + "/hooks"));
    const templates::Engine templates;
    SpaceAlarm alarm(mattermost, templates, 1s);

    alarm.Report("write /data/first.part: No space left on device");
    mattermost.Flush();
    auto posted = Posted(sink);
    ASSERT_EQ(posted.size(), 1u);
    EXPECT_NE(posted[0].find("write /data/first.part: No space left on device"), std::string::npos) << posted[0];
    EXPECT_NE(posted[0].find("1 write(s) failed"), std::string::npos) << posted[0];

    alarm.Report("write /data/second.part: No space left on device");  // within the interval: counted only
    alarm.Report("write /data/third.part: No space left on device");
    mattermost.Flush();
    EXPECT_EQ(Posted(sink).size(), 1u);
    EXPECT_EQ(alarm.count(), 3u);

    std::this_thread::sleep_for(1100ms);
    alarm.Report("write /data/fourth.part: No space left on device");
    mattermost.Flush();
    posted = Posted(sink);
    ASSERT_EQ(posted.size(), 2u);
    EXPECT_NE(posted[1].find("write /data/fourth.part"), std::string::npos) << posted[1];
    EXPECT_NE(posted[1].find("3 write(s) failed"), std::string::npos) << posted[1];  // second, third, fourth
    EXPECT_NE(posted[1].find("since the last alert"), std::string::npos) << posted[1];
    EXPECT_EQ(alarm.count(), 4u);
}

}  // namespace
}  // namespace zr::notify
