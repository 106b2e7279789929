// pydantic v1's AnyHttpUrl and datetime: the expected answers were produced by pydantic 1.10.4
// (the first implementation's major version) on the same inputs.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "api/fields.hpp"
#include "temp_database.hpp"

namespace zr::api {
namespace {

using nlohmann::json;
using test_support::At;

const json kLoc = {"body", "paper_url"};

// The issue type PydanticHttpUrl reports for `value`, or "" when it accepts it.
std::string UrlIssueType(const json& value) {
    std::vector<ValidationIssue> issues;
    const auto url = PydanticHttpUrl(value, kLoc, issues);
    EXPECT_EQ(url.has_value(), issues.empty()) << value;
    return issues.empty() ? "" : issues[0].type;
}

TEST(PydanticHttpUrlTest, AcceptsHttpUrlsAsPydanticDoes) {
    for (const char* url : {"https://x", "HTTP://EX.org", "http://_bad", "http://[::1]/x", "http://1.2.3.4:80/x?q#f",
                            "http://u:p@x.org", "http://a@b@c.org/", "http://x.org.", "http://1.2.3.4567",
                            "http://\xc3\xa9.org", "HtTpS://x", "https://github.com/zerospeech/benchmarks"}) {
        EXPECT_EQ(UrlIssueType(url), "") << url;
    }
}

TEST(PydanticHttpUrlTest, ReturnsTheTextWithoutSurroundingBlanks) {
    std::vector<ValidationIssue> issues;
    EXPECT_EQ(PydanticHttpUrl(" http://x.org\n", kLoc, issues), "http://x.org");
    EXPECT_TRUE(issues.empty());
}

TEST(PydanticHttpUrlTest, RefusesWithPydanticsIssueTypes) {
    const std::vector<std::pair<json, std::string>> cases = {
        {"ftp://x", "value_error.url.scheme"},
        {"not a url", "value_error.url.scheme"},
        {"http//x", "value_error.url.scheme"},
        {"//x.org", "value_error.url.scheme"},
        {5, "value_error.url.scheme"},
        {true, "value_error.url.scheme"},
        {"http://", "value_error.url.host"},
        {"http://user@", "value_error.url.host"},
        {"http://:80", "value_error.url.host"},
        {"http://a..b", "value_error.url.host"},
        {"http://-a.org", "value_error.url.host"},
        {"http://a-.org", "value_error.url.host"},
        {"http://ex!.org", "value_error.url.host"},
        {"http://x.org..", "value_error.url.host"},
        {"https://" + std::string(64, 'a') + ".org", "value_error.url.host"},
        {"http://ex.org:99999", "value_error.url.port"},
        {"http://a b", "value_error.url.extra"},
        {"http://x.org:", "value_error.url.extra"},
        {"http://x.org:abc", "value_error.url.extra"},
        {"http://[::1", "value_error.url.extra"},
        {"http://x.org?a b", "value_error.url.extra"},
        {"http://x.org/#a#b", "value_error.url.extra"},
        {"", "value_error.any_str.min_length"},
        {"  ", "value_error.any_str.min_length"},
        {json::array({1}), "type_error.str"},
        {json::object(), "type_error.str"},
    };
    for (const auto& [value, type] : cases) EXPECT_EQ(UrlIssueType(value), type) << value;
}

TEST(PydanticHttpUrlTest, IssueTextsAndContext) {
    std::vector<ValidationIssue> issues;
    PydanticHttpUrl("ftp://x", kLoc, issues);
    PydanticHttpUrl("http://a'b\"c d", kLoc, issues);
    PydanticHttpUrl("", kLoc, issues);
    ASSERT_EQ(issues.size(), 3u);
    EXPECT_EQ(issues[0].loc, kLoc);
    EXPECT_EQ(issues[0].msg, "URL scheme not permitted");
    EXPECT_EQ(issues[0].ctx, (json{{"allowed_schemes", {"http", "https"}}}));
    EXPECT_EQ(issues[1].msg, "URL invalid, extra characters found after valid URL: ' d'");
    EXPECT_EQ(issues[1].ctx, (json{{"extra", " d"}}));
    EXPECT_EQ(issues[2].msg, "ensure this value has at least 1 characters");
    EXPECT_EQ(issues[2].ctx, (json{{"limit_value", 1}}));
}

std::optional<TimePoint> DateTime(const json& value, std::string* type = nullptr) {
    std::vector<ValidationIssue> issues;
    auto time = PydanticDateTime(value, kLoc, issues);
    EXPECT_EQ(time.has_value(), issues.empty()) << value;
    if (type != nullptr) *type = issues.empty() ? "" : issues[0].type;
    return time;
}

TimePoint Utc(int y, unsigned m, unsigned d, int hh, int mm, int ss, int micros = 0) {
    using namespace std::chrono;
    return sys_days(year_month_day{year(y), month(m), day(d)}) + hours(hh) + minutes(mm) + seconds(ss) +
           microseconds(micros);
}

TEST(PydanticDateTimeTest, NaiveTextIsLocalTime) {
    EXPECT_EQ(DateTime("2026-12-07T11:56:28.016824"), At("2026-12-07 11:56:28.016824"));
    EXPECT_EQ(DateTime("2026-12-07 11:56"), At("2026-12-07 11:56:00"));
    EXPECT_EQ(DateTime("2026-1-7T1:2:3.1234567"), At("2026-01-07 01:02:03.123456"));
    EXPECT_EQ(DateTime("2026-12-07T11:56:28.5"), At("2026-12-07 11:56:28.500000"));
    EXPECT_EQ(DateTime("2026-12-07T11:56\n"), At("2026-12-07 11:56:00"));
}

TEST(PydanticDateTimeTest, ZonedTextIsThatInstant) {
    EXPECT_EQ(DateTime("2026-12-07T11:56:28.016824Z"), Utc(2026, 12, 7, 11, 56, 28, 16824));
    EXPECT_EQ(DateTime("2026-12-07T11:56:28+02:00"), Utc(2026, 12, 7, 9, 56, 28));
    EXPECT_EQ(DateTime("2026-12-07T11:56:28+0230"), Utc(2026, 12, 7, 9, 26, 28));
    EXPECT_EQ(DateTime("2026-12-07T11:56:28-01"), Utc(2026, 12, 7, 12, 56, 28));
    EXPECT_EQ(DateTime("2026-12-07T11:56:28+23:59"), Utc(2026, 12, 6, 11, 57, 28));
}

TEST(PydanticDateTimeTest, NumbersAreUnixSecondsOrMilliseconds) {
    EXPECT_EQ(DateTime(1700000000), Utc(2023, 11, 14, 22, 13, 20));
    EXPECT_EQ(DateTime("1700000000"), Utc(2023, 11, 14, 22, 13, 20));
    EXPECT_EQ(DateTime(" 12 "), Utc(1970, 1, 1, 0, 0, 12));
    EXPECT_EQ(DateTime("1_000"), Utc(1970, 1, 1, 0, 16, 40));
    EXPECT_EQ(DateTime("1e3"), Utc(1970, 1, 1, 0, 16, 40));
    EXPECT_EQ(DateTime("-5"), Utc(1969, 12, 31, 23, 59, 55));
    EXPECT_EQ(DateTime(1.5e12), Utc(2017, 7, 14, 2, 40, 0));
    EXPECT_EQ(DateTime(3e20), Utc(1979, 7, 5, 5, 20, 0));
    EXPECT_EQ(DateTime(true), Utc(1970, 1, 1, 0, 0, 1));
}

TEST(PydanticDateTimeTest, RefusesWhatPydanticRefuses) {
    const std::vector<std::pair<json, std::string>> cases = {
        {"2026-12-07", "value_error.datetime"},
        {"x", "value_error.datetime"},
        {"0x10", "value_error.datetime"},
        {"2026-13-07T11:56", "value_error.datetime"},
        {"2026-02-29T00:00", "value_error.datetime"},
        {"2026-12-07t11:56", "value_error.datetime"},
        {" 2026-12-07T11:56", "value_error.datetime"},
        {"2026-12-07T11:56:61", "value_error.datetime"},
        {"2026-12-07T24:00", "value_error.datetime"},
        {"2026-12-07T11:56:28+2400", "value_error.datetime"},
        {"2026-12-07T11:56:28.1234567890123", "value_error.datetime"},
        {"0000-01-01T00:00", "value_error.datetime"},
        {"nan", "value_error"},
        {json::array({1}), "type_error"},
        {json::object(), "type_error"},
    };
    for (const auto& [value, type] : cases) {
        std::string got;
        DateTime(value, &got);
        EXPECT_EQ(got, type) << value;
    }
}

TEST(PydanticDateTimeTest, OutsideWhatOurClockHoldsIsRefused) {
    // pydantic accepts these (datetime.max / min, year 9999); a TimePoint cannot hold them.
    for (const json& value : {json("1e400"), json("inf"), json("-infinity"), json(4e20), json("9999-12-31T00:00"),
                              json("1500-01-01T00:00"), json(1.5e10)}) {
        std::string got;
        EXPECT_FALSE(DateTime(value, &got)) << value;
        EXPECT_EQ(got, "value_error.datetime") << value;
    }
}

}  // namespace
}  // namespace zr::api
