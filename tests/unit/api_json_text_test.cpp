// AppendJsonString writes what http::Response::Json (nlohmann's dump, invalid UTF-8 replaced) would.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api/json_text.hpp"
#include "http/message.hpp"

namespace zr::api {
namespace {

std::string Direct(std::string_view text) {
    std::string out = "prefix:";
    AppendJsonString(out, text);
    return out;
}

std::string ViaTree(const std::string& text) { return "prefix:" + http::Response::Json(200, text).body; }

TEST(ApiJsonText, MatchesTheTreeDumpForEveryKindOfText) {
    const std::string cases[] = {
        "",
        "Zero Resource Speech Challenge 2021",
        "quote \" backslash \\ slash /",
        std::string("controls \n\t\r\b\f \x01 \x1f and nul ") + '\0' + " end",
        "del \x7f",
        "unicode: é ü 中文 🎙",
        "invalid utf-8: \xff\xfe end",
        "truncated: \xe4\xb8",
    };
    for (const auto& text : cases) {
        EXPECT_EQ(Direct(text), ViaTree(text)) << text;
        // The result parses back (invalid bytes become U+FFFD).
        EXPECT_TRUE(nlohmann::json::accept(Direct(text).substr(7))) << text;
    }
}

TEST(ApiJsonText, PlainAsciiIsCopiedBetweenQuotes) { EXPECT_EQ(Direct("abc 123"), "prefix:\"abc 123\""); }

}  // namespace
}  // namespace zr::api
