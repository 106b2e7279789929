// The model id rules (api-v2.md section 2.3, section 5 row 13): prefix, stem, counter, first free.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/model_ids.hpp"

namespace zr::models {
namespace {

TEST(ModelIdsTest, CounterLettersCountLikeSpreadsheetColumns) {
    EXPECT_EQ(CounterLetters(1), "a");
    EXPECT_EQ(CounterLetters(2), "b");
    EXPECT_EQ(CounterLetters(26), "z");
    EXPECT_EQ(CounterLetters(27), "aa");
    EXPECT_EQ(CounterLetters(28), "ab");
    EXPECT_EQ(CounterLetters(52), "az");
    EXPECT_EQ(CounterLetters(53), "ba");
    EXPECT_EQ(CounterLetters(702), "zz");
    EXPECT_EQ(CounterLetters(703), "aaa");
    EXPECT_EQ(CounterLetters(0), "");
}

TEST(ModelIdsTest, CounterValueIsTheInverse) {
    for (std::uint64_t n = 1; n <= 20000; ++n) {
        ASSERT_EQ(CounterValue(CounterLetters(n)), n) << CounterLetters(n);
    }
    EXPECT_EQ(CounterValue("zz"), 702u);
    EXPECT_FALSE(CounterValue(""));
    EXPECT_FALSE(CounterValue("A"));
    EXPECT_FALSE(CounterValue("a1"));
    EXPECT_FALSE(CounterValue("a-"));
    EXPECT_FALSE(CounterValue(std::string(20, 'z')));  // beyond 64 bits
}

TEST(ModelIdsTest, PrefixKeepsTheFirstThreeAsciiLetters) {
    EXPECT_EQ(IdPrefix("Be"), "Be");
    EXPECT_EQ(IdPrefix("Zed"), "Zed");
    EXPECT_EQ(IdPrefix("Lovelace"), "Lov");
    EXPECT_EQ(IdPrefix("../x"), "x");
    EXPECT_EQ(IdPrefix("\xc3\x9cn\xc3\xaf"
                       "code"),
              "nco");  // "Ünïcode": accents drop out whole
    EXPECT_EQ(IdPrefix(""), "m");
    EXPECT_EQ(IdPrefix("a b/c"), "abc");
    EXPECT_EQ(IdPrefix(".."), "m");
    EXPECT_EQ(IdPrefix("/"), "m");
    EXPECT_EQ(IdPrefix("12 34"), "m");
    EXPECT_EQ(IdPrefix("O'Neil"), "ONe");
    EXPECT_EQ(IdPrefix(std::string("a\0b", 3)), "ab");
    EXPECT_EQ(IdPrefix("\xe6\x97\xa5\xe6\x9c\xac"), "m");  // no Latin letter at all
}

TEST(ModelIdsTest, StemAddsTheYearsLastTwoDigits) {
    EXPECT_EQ(IdStem("Be", 2026), "Be26");
    EXPECT_EQ(IdStem("Be", 2000), "Be00");
    EXPECT_EQ(IdStem("Be", 2105), "Be05");
    EXPECT_EQ(IdStem("", 2026), "m26");
    EXPECT_EQ(IdStem("../x", 2026), "x26");
}

TEST(ModelIdsTest, FirstFreeIdTakesTheLowestUnusedCounter) {
    EXPECT_EQ(FirstFreeId("Be26", {}), "Be26a");
    EXPECT_EQ(FirstFreeId("Be26", {"Be26a"}), "Be26b");
    EXPECT_EQ(FirstFreeId("Be26", {"Be26b"}), "Be26a");
    EXPECT_EQ(FirstFreeId("Be26", {"Be26a", "Be26c"}), "Be26b");
    std::vector<std::string> a_to_z;
    for (std::uint64_t n = 1; n <= 26; ++n) a_to_z.push_back("Be26" + CounterLetters(n));
    EXPECT_EQ(FirstFreeId("Be26", a_to_z), "Be26aa");
    std::vector<std::string> a_to_zz;
    for (std::uint64_t n = 702; n >= 1; --n) a_to_zz.push_back("Be26" + CounterLetters(n));  // any order
    EXPECT_EQ(FirstFreeId("Be26", a_to_zz), "Be26aaa");
}

TEST(ModelIdsTest, FirstFreeIdIgnoresIdsOfOtherStems) {
    // Other stems, other cases, other years, and what is not a counter after the stem.
    EXPECT_EQ(FirstFreeId("Be26", {"be26a", "Be25a", "Bea26a", "B26a", "Be26", "Be26A", "Be261", "Be26a1"}), "Be26a");
    EXPECT_EQ(FirstFreeId("m26", {"m26a", "m26b", "mm26c"}), "m26c");
}

}  // namespace
}  // namespace zr::models
