#include <gtest/gtest.h>

#include <string>

#include "settings/settings.hpp"
#include "settings/values.hpp"

namespace zr::settings::detail {
namespace {

using std::chrono::seconds;

// The message of the SettingsError thrown by `f`, or "" if none is thrown.
template <typename F>
std::string ErrorOf(F f) {
    try {
        f();
    } catch (const SettingsError& e) {
        EXPECT_EQ(e.key(), "ZR_X");
        return e.what();
    }
    return "";
}

TEST(SettingsValues, Booleans) {
    for (const char* yes : {"true", "TRUE", "True", "1", "yes", "YES", "on", "On", " true "}) {
        EXPECT_TRUE(ParseBool("ZR_X", yes)) << yes;
    }
    for (const char* no : {"false", "FALSE", "0", "no", "No", "off", "OFF"}) {
        EXPECT_FALSE(ParseBool("ZR_X", no)) << no;
    }
    for (const char* bad : {"", "maybe", "2", "truee", "y"}) {
        EXPECT_EQ(ErrorOf([&] { ParseBool("ZR_X", bad); }).rfind("ZR_X: not a boolean", 0), 0u) << bad;
    }
}

TEST(SettingsValues, Ports) {
    EXPECT_EQ(ParsePort("ZR_X", "1", false), 1);
    EXPECT_EQ(ParsePort("ZR_X", "65535", false), 65535);
    EXPECT_EQ(ParsePort("ZR_X", "0", true), 0);
    EXPECT_EQ(ErrorOf([] { ParsePort("ZR_X", "abc", false); }), "ZR_X: not a port number: 'abc'");
    EXPECT_EQ(ErrorOf([] { ParsePort("ZR_X", "0", false); }), "ZR_X: port out of range (1-65535): '0'");
    for (const char* bad : {"0", "65536", "-1", "+80", "80.0", "", "99999999999999999999999"}) {
        EXPECT_NE(ErrorOf([&] { ParsePort("ZR_X", bad, false); }), "") << bad;
    }
    EXPECT_NE(ErrorOf([] { ParsePort("ZR_X", "65536", true); }), "");
}

TEST(SettingsValues, UnsignedIntegers) {
    EXPECT_EQ(ParseUnsigned("ZR_X", "0", 0), 0u);
    EXPECT_EQ(ParseUnsigned("ZR_X", " 42 ", 0), 42u);
    EXPECT_EQ(ParseUnsigned("ZR_X", "4294967295", 0), 4294967295u);
    EXPECT_EQ(ErrorOf([] { ParseUnsigned("ZR_X", "4294967296", 0); }),
              "ZR_X: not a non-negative integer: '4294967296'");
    EXPECT_EQ(ErrorOf([] { ParseUnsigned("ZR_X", "0", 1); }), "ZR_X: must be at least 1: '0'");
    EXPECT_NE(ErrorOf([] { ParseUnsigned("ZR_X", "-3", 0); }), "");
    EXPECT_NE(ErrorOf([] { ParseUnsigned("ZR_X", "3x", 0); }), "");
}

TEST(SettingsValues, Sizes) {
    EXPECT_EQ(ParseSize("ZR_X", "1000"), 1000u);
    EXPECT_EQ(ParseSize("ZR_X", "64K"), 64u * 1024);
    EXPECT_EQ(ParseSize("ZR_X", "64k"), 64u * 1024);
    EXPECT_EQ(ParseSize("ZR_X", "64KiB"), 64u * 1024);
    EXPECT_EQ(ParseSize("ZR_X", "600M"), 600u * 1024 * 1024);
    EXPECT_EQ(ParseSize("ZR_X", "600 MB"), 600u * 1024 * 1024);
    EXPECT_EQ(ParseSize("ZR_X", "2G"), 2ull * 1024 * 1024 * 1024);
    EXPECT_EQ(ParseSize("ZR_X", "12B"), 12u);
    for (const char* bad : {"", "K", "12X", "1.5M", "-1", "0", "0K", "99999999999999999999G", "17179869184G"}) {
        EXPECT_NE(ErrorOf([&] { ParseSize("ZR_X", bad); }), "") << bad;
    }
    EXPECT_EQ(ErrorOf([] { ParseSize("ZR_X", "12X"); }), "ZR_X: not a size (bytes, or a number with K/M/G): '12X'");
}

TEST(SettingsValues, Durations) {
    EXPECT_EQ(ParseDuration("ZR_X", "3600", seconds(0)), seconds(3600));
    EXPECT_EQ(ParseDuration("ZR_X", "7d", seconds(0)), seconds(7 * 86400));
    EXPECT_EQ(ParseDuration("ZR_X", "12h", seconds(0)), seconds(12 * 3600));
    EXPECT_EQ(ParseDuration("ZR_X", "45m", seconds(0)), seconds(45 * 60));
    EXPECT_EQ(ParseDuration("ZR_X", "30s", seconds(0)), seconds(30));
    EXPECT_EQ(ParseDuration("ZR_X", "1h30M", seconds(0)), seconds(5400));
    EXPECT_EQ(ParseDuration("ZR_X", "0", seconds(0)), seconds(0));
    for (const char* bad : {"", "d", "7x", "7 d", "-5", "1.5h", "7d3", "99999999999999999999", "9223372036854775808",
                            "999999999999999999d"}) {
        EXPECT_NE(ErrorOf([&] { ParseDuration("ZR_X", bad, seconds(0)); }), "") << bad;
    }
    EXPECT_EQ(ErrorOf([] { ParseDuration("ZR_X", "soon", seconds(0)); }),
              "ZR_X: not a duration (seconds, or like 7d, 12h, 45m, 30s): 'soon'");
    EXPECT_EQ(ErrorOf([] { ParseDuration("ZR_X", "0", seconds(1)); }), "ZR_X: must be at least 1s: '0'");
    // Found by fuzz/settings_fuzz.cpp: ZR_READ_TIMEOUT=9223372036854775807 was accepted, and
    // now() + read_timeout overflowed the clock's nanoseconds.
    EXPECT_EQ(ParseDuration("ZR_X", "36500d", seconds(0)), seconds(36500LL * 86400));
    EXPECT_EQ(ErrorOf([] { ParseDuration("ZR_X", "36500d1s", seconds(0)); }),
              "ZR_X: must be at most 36500d (100 years): '36500d1s'");
    EXPECT_NE(ErrorOf([] { ParseDuration("ZR_X", "9223372036854775807", seconds(0)); }), "");
}

TEST(SettingsValues, Lists) {
    using List = std::vector<std::string>;
    EXPECT_EQ(ParseList("ZR_X", R"(["a", "b"])"), (List{"a", "b"}));
    EXPECT_EQ(ParseList("ZR_X", R"( [ "a" , "a", " c "] )"), (List{"a", "c"}));
    EXPECT_EQ(ParseList("ZR_X", "[]"), List{});
    EXPECT_EQ(ParseList("ZR_X", ""), List{});
    EXPECT_EQ(ParseList("ZR_X", "gpu1, gpu2,,gpu1"), (List{"gpu1", "gpu2"}));
    EXPECT_EQ(ParseList("ZR_X", "http://a:1313"), (List{"http://a:1313"}));
    for (const char* bad : {"[1, 2]", R"(["a", null])", R"(["a")", R"([["a"]])"}) {
        EXPECT_EQ(ErrorOf([&] { ParseList("ZR_X", bad); }).rfind("ZR_X: not a JSON list", 0), 0u) << bad;
    }
    // Found by fuzz/settings_fuzz.cpp: a plain list with bytes that are not UTF-8 was accepted,
    // then `zr check:settings` failed printing it as JSON.
    EXPECT_EQ(ErrorOf([] {
                  ParseList("ZR_X",
                            "gpu1,a\xf5"
                            "b");
              }).rfind("ZR_X: not valid UTF-8", 0),
              0u);
    EXPECT_EQ(ParseList("ZR_X", "caf\xc3\xa9"), List{"caf\xc3\xa9"});
}

TEST(SettingsValues, Maps) {
    using Map = std::map<std::string, std::string>;
    EXPECT_EQ(ParseMap("ZR_X", R"({"gpu1": "/srv/evaluators", "gpu2": "/opt/bin"})"),
              (Map{{"gpu1", "/srv/evaluators"}, {"gpu2", "/opt/bin"}}));
    EXPECT_EQ(ParseMap("ZR_X", "{}"), Map{});
    EXPECT_EQ(ParseMap("ZR_X", "  "), Map{});
    for (const char* bad : {"gpu1=/srv", R"({"gpu1": 3})", R"(["gpu1"])", R"({"a": "b")"}) {
        EXPECT_EQ(ErrorOf([&] { ParseMap("ZR_X", bad); }).rfind("ZR_X: not a JSON object", 0), 0u) << bad;
    }
}

TEST(SettingsValues, FormattingRoundTrips) {
    EXPECT_EQ(FormatDuration(seconds(7 * 86400)), "7d");
    EXPECT_EQ(FormatDuration(seconds(2700)), "45m");
    EXPECT_EQ(FormatDuration(seconds(7200)), "2h");
    EXPECT_EQ(FormatDuration(seconds(90)), "90s");
    EXPECT_EQ(FormatDuration(seconds(0)), "0s");
    EXPECT_EQ(FormatSize(16 * 1024), "16K");
    EXPECT_EQ(FormatSize(600u * 1024 * 1024), "600M");
    EXPECT_EQ(FormatSize(1000), "1000");
    for (seconds s : {seconds(1), seconds(61), seconds(86400 * 3), seconds(3600 * 25)}) {
        EXPECT_EQ(ParseDuration("ZR_X", FormatDuration(s), seconds(0)), s);
    }
    EXPECT_EQ(FormatList({"a", "b\"c"}), R"(["a","b\"c"])");
    EXPECT_EQ(FormatMap({{"h", "/p"}}), R"({"h":"/p"})");
}

}  // namespace
}  // namespace zr::settings::detail
