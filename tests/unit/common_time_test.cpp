#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

#include "common/time.hpp"

namespace zr {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

// Sets TZ (a POSIX rule string, so no tzdata is needed) for one test, restoring it afterwards.
class ScopedTimeZone {
public:
    explicit ScopedTimeZone(const char* tz) {
        if (const char* old = std::getenv("TZ")) old_ = old;
        setenv("TZ", tz, 1);
        tzset();
    }
    ~ScopedTimeZone() {
        if (old_) {
            setenv("TZ", old_->c_str(), 1);
        } else {
            unsetenv("TZ");
        }
        tzset();
    }

private:
    std::optional<std::string> old_;
};

TimePoint Epoch(long long secs, long long micros = 0) {
    return system_clock::from_time_t(static_cast<std::time_t>(secs)) + microseconds(micros);
}

TEST(CommonTime, FormatsLocalTimeWithMicroseconds) {
    ScopedTimeZone utc("UTC0");
    EXPECT_EQ(FormatDateTime(Epoch(0, 1)), "1970-01-01 00:00:00.000001");
    EXPECT_EQ(FormatDateTime(Epoch(1617193496, 123456)), "2021-03-31 12:24:56.123456");
    ScopedTimeZone paris("CET-1CEST,M3.5.0,M10.5.0/3");
    EXPECT_EQ(FormatDateTime(Epoch(0)), "1970-01-01 01:00:00.000000");
    EXPECT_EQ(FormatDateTime(Epoch(1617193496, 5)), "2021-03-31 14:24:56.000005");
}

TEST(CommonTime, FormatsTimesBeforeEpoch) {
    ScopedTimeZone utc("UTC0");
    EXPECT_EQ(FormatDateTime(Epoch(-1, 250000)), "1969-12-31 23:59:59.250000");
    EXPECT_EQ(FormatDateTime(Epoch(0) - microseconds(1)), "1969-12-31 23:59:59.999999");
}

TEST(CommonTime, DateTimeRoundTripKeepsMicroseconds) {
    ScopedTimeZone paris("CET-1CEST,M3.5.0,M10.5.0/3");
    for (const char* text : {"2021-03-31 12:34:56.123456", "1999-12-31 23:59:59.999999", "2020-02-29 00:00:00.000000",
                             "2021-07-01 08:00:00.000001"}) {
        auto parsed = ParseDateTime(text);
        ASSERT_TRUE(parsed) << text;
        EXPECT_EQ(FormatDateTime(*parsed), text);
    }
    const TimePoint now = std::chrono::floor<microseconds>(system_clock::now());
    auto back = ParseDateTime(FormatDateTime(now));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, now);
}

TEST(CommonTime, ParseDateTimeAcceptsVariants) {
    ScopedTimeZone utc("UTC0");
    EXPECT_EQ(ParseDateTime("2021-03-31T12:24:56"), Epoch(1617193496));
    EXPECT_EQ(ParseDateTime("2021-03-31 12:24:56.5"), Epoch(1617193496, 500000));
    EXPECT_EQ(ParseDateTime("2021-03-31 12:24:56.123456789"), Epoch(1617193496, 123456));
}

TEST(CommonTime, ParseDateTimeRejectsGarbage) {
    for (const char* text : {"", "garbage", "2021-03-31", "2021-03-31 12:24", "2021-03-31 24:00:00",
                             "2021-03-31 12:60:00", "2021-03-31 -1:00:00", "2021-03-31 12:24:56.",
                             "2021-03-31 12:24:56,5", "2021-03-31 12:24:56.12x", "2021-03-31 12:24:56.1234567x",
                             "2021-03-31 12:24:56.1234567890", "2021-02-30 12:00:00", "2021-03-31X12:24:56"}) {
        EXPECT_FALSE(ParseDateTime(text)) << text;
    }
}

TEST(CommonTime, DateRoundTrip) {
    using namespace std::chrono;
    const Date d{year(2021), month(3), day(1)};
    EXPECT_EQ(FormatDate(d), "2021-03-01");
    EXPECT_EQ(ParseDate("2021-03-01"), d);
    EXPECT_EQ(ParseDate("2021-03-01T10:00:00"), d);
    EXPECT_EQ(ParseDate("2020-02-29"), (Date{year(2020), month(2), day(29)}));
}

TEST(CommonTime, ParseDateRejectsImpossibleDatesAndGarbage) {
    for (const char* text :
         {"2021-02-30", "2021-02-29", "2021-13-01", "2021-00-10", "2021-04-31", "", "garbage", "2021-3-1", "2021/03/01",
          "-100-01-01", "+021-03-01", "2021-0a-01", "20210301", "2021-03-01x"}) {
        EXPECT_FALSE(ParseDate(text)) << text;
    }
}

TEST(CommonTime, ParseDayFirstDate) {
    using namespace std::chrono;
    EXPECT_EQ(ParseDayFirstDate("31/03/2021"), (Date{year(2021), month(3), day(31)}));
    EXPECT_EQ(ParseDayFirstDate("2021-03-31"), (Date{year(2021), month(3), day(31)}));
    EXPECT_FALSE(ParseDayFirstDate("31/02/2021"));
    EXPECT_FALSE(ParseDayFirstDate("03/31/2021"));
    EXPECT_FALSE(ParseDayFirstDate("1/3/2021"));
    EXPECT_FALSE(ParseDayFirstDate("garbage!!!"));
}

TEST(CommonTime, LocalDateUsesLocalZone) {
    using namespace std::chrono;
    const TimePoint late_utc = Epoch(1617233400);  // 2021-03-31 23:30:00 UTC
    {
        ScopedTimeZone utc("UTC0");
        EXPECT_EQ(LocalDate(late_utc), (Date{year(2021), month(3), day(31)}));
    }
    ScopedTimeZone paris("CET-1CEST,M3.5.0,M10.5.0/3");
    EXPECT_EQ(LocalDate(late_utc), (Date{year(2021), month(4), day(1)}));
}

}  // namespace
}  // namespace zr
