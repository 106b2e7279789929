#include <gtest/gtest.h>

#include <sstream>

#include "cli/command_set.hpp"
#include "cli/prompt.hpp"

namespace zr::cli {
namespace {

TEST(PromptTest, ScriptedAnswersAreTrimmedAndQuestionsHidden) {
    std::istringstream in("  alice \n\nsecret pass \n");
    std::ostringstream out;
    Prompter prompter(in, out, /*terminal=*/false);
    EXPECT_EQ(prompter.Ask("username"), "alice");
    EXPECT_EQ(prompter.Ask("first name"), "");
    EXPECT_EQ(prompter.AskSecret("password"), "secret pass ");
    EXPECT_EQ(out.str(), "");
}

TEST(PromptTest, EndOfInputIsAnError) {
    std::istringstream in("one\n");
    std::ostringstream out;
    Prompter prompter(in, out, false);
    prompter.Ask("a");
    EXPECT_THROW(prompter.Ask("b"), CliError);
}

TEST(PromptTest, RequiredAnswerWhenScripted) {
    std::istringstream in("\n");
    std::ostringstream out;
    Prompter prompter(in, out, false);
    EXPECT_THROW(prompter.AskRequired("label"), CliError);
}

TEST(PromptTest, YesNo) {
    std::istringstream in("\nYes\nn\nmaybe\n");
    std::ostringstream out;
    Prompter prompter(in, out, false);
    EXPECT_TRUE(prompter.AskYesNo("active", true));
    EXPECT_TRUE(prompter.AskYesNo("active", false));
    EXPECT_FALSE(prompter.AskYesNo("active", true));
    EXPECT_THROW(prompter.AskYesNo("active", false), CliError);
    EXPECT_EQ(ParseYesNo(" TRUE "), true);
    EXPECT_EQ(ParseYesNo("0"), false);
    EXPECT_EQ(ParseYesNo(""), std::nullopt);
}

TEST(PromptTest, Dates) {
    using namespace std::chrono;
    EXPECT_EQ(ParseDateAnswer("31/12/2030", "end"), year{2030} / December / 31);
    EXPECT_EQ(ParseDateAnswer(" 2030-12-31 ", "end"), year{2030} / December / 31);
    EXPECT_THROW(ParseDateAnswer("31/13/2030", "end"), CliError);
    EXPECT_THROW(ParseDateAnswer("tomorrow", "end"), CliError);
    EXPECT_EQ(ParseOptionalDateAnswer("", "end"), std::nullopt);
    EXPECT_EQ(ParseOptionalDateAnswer("None", "end"), std::nullopt);
    EXPECT_EQ(ParseOptionalDateAnswer("01/02/2025", "end"), year{2025} / February / 1);
}

TEST(PromptTest, Trim) {
    EXPECT_EQ(Trim(" \t a b \r\n"), "a b");
    EXPECT_EQ(Trim("   "), "");
}

}  // namespace
}  // namespace zr::cli
