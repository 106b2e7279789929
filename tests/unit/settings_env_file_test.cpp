#include <gtest/gtest.h>

#include <string>

#include "settings/env_file.hpp"
#include "settings/settings.hpp"

namespace zr::settings::detail {
namespace {

using Pairs = Assignments;

TEST(SettingsEnvFile, ParsesAssignmentsCommentsAndQuotes) {
    const char* text =
        "# a comment\n"
        "\n"
        "ZR_PORT=8080\n"
        "   ZR_HOST = 0.0.0.0   \n"
        "export ZR_DEBUG=yes\n"
        "ZR_A='{\"gpu1\": \"/srv/x\"}'\n"
        "ZR_B=\"two words # not a comment\"\n"
        "ZR_C=value # a comment\n"
        "ZR_D=a#b\n"
        "ZR_E=\"esc \\\"q\\\" \\\\ \\n\"  # trailing comment\n"
        "ZR_F=\n"
        "ZR_G=''\n"
        "ZR_H=x=y\r\n"
        "OTHER=1";
    const Pairs expected = {{"ZR_PORT", "8080"},
                            {"ZR_HOST", "0.0.0.0"},
                            {"ZR_DEBUG", "yes"},
                            {"ZR_A", "{\"gpu1\": \"/srv/x\"}"},
                            {"ZR_B", "two words # not a comment"},
                            {"ZR_C", "value"},
                            {"ZR_D", "a#b"},
                            {"ZR_E", "esc \"q\" \\ \n"},
                            {"ZR_F", ""},
                            {"ZR_G", ""},
                            {"ZR_H", "x=y"},
                            {"OTHER", "1"}};
    EXPECT_EQ(ParseEnvText(text, "test.env"), expected);
}

TEST(SettingsEnvFile, MalformedLinesNameFileAndLine) {
    struct Case {
        const char* text;
        const char* message;
    };
    const Case cases[] = {
        {"ZR_A=1\nnot an assignment\n", "ZR_ENV_FILE: f.env:2: expected KEY=value"},
        {"=1\n", "ZR_ENV_FILE: f.env:1: not a variable name before '='"},
        {"ZR A=1\n", "ZR_ENV_FILE: f.env:1: not a variable name before '='"},
        {"ZR_A='open\n", "ZR_ENV_FILE: f.env:1: unterminated quote"},
        {"\n\nZR_A=\"open\n", "ZR_ENV_FILE: f.env:3: unterminated quote"},
        {"ZR_A='x' y\n", "ZR_ENV_FILE: f.env:1: text after quote"},
    };
    for (const Case& c : cases) {
        try {
            ParseEnvText(c.text, "f.env");
            ADD_FAILURE() << "no error for " << c.text;
        } catch (const SettingsError& e) {
            EXPECT_EQ(e.key(), "ZR_ENV_FILE");
            EXPECT_EQ(std::string(e.what()), c.message);
        }
    }
}

TEST(SettingsEnvFile, MissingFileIsAnError) {
    try {
        ReadEnvFile("/nonexistent/zr-test.env");
        ADD_FAILURE() << "no error";
    } catch (const SettingsError& e) {
        EXPECT_EQ(e.key(), "ZR_ENV_FILE");
        EXPECT_EQ(std::string(e.what()), "ZR_ENV_FILE: cannot read '/nonexistent/zr-test.env'");
    }
    EXPECT_THROW(ReadEnvFile("/"), SettingsError);
}

}  // namespace
}  // namespace zr::settings::detail
