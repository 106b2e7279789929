#include <gtest/gtest.h>

#include "common/strings.hpp"

namespace zr {
namespace {

TEST(CommonStrings, BoolWords) {
    for (const char* yes : {"true", "TRUE", " 1", "yes", "On "}) EXPECT_EQ(ParseBoolWord(yes), true) << yes;
    for (const char* no : {"false", "0", "No", "off"}) EXPECT_EQ(ParseBoolWord(no), false) << no;
    for (const char* bad : {"", "maybe", "2", "y"}) EXPECT_EQ(ParseBoolWord(bad), std::nullopt) << bad;
}

TEST(CommonStrings, CaseAndTrim) {
    EXPECT_EQ(ToUpper("zr_Port"), "ZR_PORT");
    EXPECT_EQ(ToLower("ZR_Port"), "zr_port");
    EXPECT_EQ(Trim(" \t x y \r\n"), "x y");
    EXPECT_TRUE(EqualsIgnoreCase("Bearer", "bEARER"));
}

}  // namespace
}  // namespace zr
