#include <gtest/gtest.h>

#include <stdexcept>

#include "leaderboards/sorting.hpp"

namespace zr::leaderboards {
namespace {

using nlohmann::json;

std::vector<json> Entries(std::initializer_list<json> list) { return std::vector<json>(list); }

std::vector<std::string> Names(const std::vector<json>& entries) {
    std::vector<std::string> names;
    for (const auto& entry : entries) names.push_back(entry.at("name").get<std::string>());
    return names;
}

TEST(LeaderboardsSortingKeyTest, ParsesPathsAndDirections) {
    auto keys = ParseSortingKey("-scores.accuracy, details.time");
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_TRUE(keys[0].descending);
    EXPECT_EQ(keys[0].path, (std::vector<std::string>{"scores", "accuracy"}));
    EXPECT_FALSE(keys[1].descending);
    EXPECT_EQ(keys[1].path, (std::vector<std::string>{"details", "time"}));
}

TEST(LeaderboardsSortingKeyTest, EmptyTextMeansNoKeys) {
    EXPECT_TRUE(ParseSortingKey("").empty());
    EXPECT_TRUE(ParseSortingKey("  ").empty());
}

TEST(LeaderboardsSortingKeyTest, RefusesEmptyPathElements) {
    EXPECT_THROW(ParseSortingKey("a..b"), std::invalid_argument);
    EXPECT_THROW(ParseSortingKey(","), std::invalid_argument);
    EXPECT_THROW(ParseSortingKey("a,"), std::invalid_argument);
    EXPECT_THROW(ParseSortingKey("-"), std::invalid_argument);
    EXPECT_THROW(ParseSortingKey(".a"), std::invalid_argument);
}

TEST(LeaderboardsSortTest, AscendingNumbersAndRanks) {
    auto entries = Entries({{{"name", "c"}, {"s", 3}}, {{"name", "a"}, {"s", 1}}, {{"name", "b"}, {"s", 2.5}}});
    SortAndRank(entries, ParseSortingKey("s"));
    EXPECT_EQ(Names(entries), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(entries[0]["rank"], 1);
    EXPECT_EQ(entries[2]["rank"], 3);
}

TEST(LeaderboardsSortTest, DescendingKey) {
    auto entries = Entries({{{"name", "low"}, {"s", {{"acc", 0.1}}}}, {{"name", "high"}, {"s", {{"acc", 0.9}}}}});
    SortAndRank(entries, ParseSortingKey("-s.acc"));
    EXPECT_EQ(Names(entries), (std::vector<std::string>{"high", "low"}));
}

TEST(LeaderboardsSortTest, MissingKeysSortLastInBothDirections) {
    const auto make = [] {
        return Entries({{{"name", "none"}},
                        {{"name", "two"}, {"s", 2}},
                        {{"name", "null"}, {"s", nullptr}},
                        {{"name", "one"}, {"s", 1}},
                        {{"name", "notobject"}, {"s", 5}, {"x", 1}}});
    };
    auto ascending = make();
    SortAndRank(ascending, ParseSortingKey("s"));
    EXPECT_EQ(Names(ascending), (std::vector<std::string>{"one", "two", "notobject", "none", "null"}));
    auto descending = make();
    SortAndRank(descending, ParseSortingKey("-s"));
    EXPECT_EQ(Names(descending), (std::vector<std::string>{"notobject", "two", "one", "none", "null"}));
    // A path through a non-object counts as missing.
    auto nested = Entries({{{"name", "scalar"}, {"s", 3}}, {{"name", "deep"}, {"s", {{"v", 1}}}}});
    SortAndRank(nested, ParseSortingKey("s.v"));
    EXPECT_EQ(Names(nested), (std::vector<std::string>{"deep", "scalar"}));
}

TEST(LeaderboardsSortTest, MultipleKeysBreakTies) {
    auto entries = Entries({{{"name", "a"}, {"k", 1}, {"t", 5}},
                            {{"name", "b"}, {"k", 2}, {"t", 1}},
                            {{"name", "c"}, {"k", 1}, {"t", 9}},
                            {{"name", "d"}, {"k", 1}}});
    SortAndRank(entries, ParseSortingKey("k,-t"));
    EXPECT_EQ(Names(entries), (std::vector<std::string>{"c", "a", "d", "b"}));
}

TEST(LeaderboardsSortTest, TiesKeepTheirOrder) {
    std::vector<json> entries;
    for (int i = 0; i < 50; ++i) entries.push_back({{"name", std::to_string(i)}, {"s", i % 2}});
    SortAndRank(entries, ParseSortingKey("s"));
    for (int i = 0; i < 25; ++i) {
        EXPECT_EQ(entries[static_cast<std::size_t>(i)]["name"], std::to_string(2 * i));
        EXPECT_EQ(entries[static_cast<std::size_t>(25 + i)]["name"], std::to_string(2 * i + 1));
    }
    EXPECT_EQ(entries.back()["rank"], 50);
}

TEST(LeaderboardsSortTest, NoKeysKeepsOrderAndRanks) {
    auto entries = Entries({{{"name", "z"}, {"rank", 7}}, {{"name", "a"}}});
    SortAndRank(entries, {});
    EXPECT_EQ(Names(entries), (std::vector<std::string>{"z", "a"}));
    EXPECT_EQ(entries[0]["rank"], 1);  // an entry's own rank is replaced
    EXPECT_EQ(entries[1]["rank"], 2);
}

TEST(LeaderboardsSortTest, NumbersCompareNumericallyStringsLexically) {
    auto numbers =
        Entries({{{"name", "ten"}, {"s", 10}}, {{"name", "nine"}, {"s", 9.5}}, {{"name", "neg"}, {"s", -3}}});
    SortAndRank(numbers, ParseSortingKey("s"));
    EXPECT_EQ(Names(numbers), (std::vector<std::string>{"neg", "nine", "ten"}));

    auto strings = Entries({{{"name", "10"}, {"s", "10"}}, {{"name", "9"}, {"s", "9"}}, {{"name", "b"}, {"s", "b"}}});
    SortAndRank(strings, ParseSortingKey("s"));
    EXPECT_EQ(Names(strings), (std::vector<std::string>{"10", "9", "b"}));
}

TEST(LeaderboardsSortTest, NumbersBeforeStringsWhateverTheDirection) {
    const auto make = [] {
        return Entries({{{"name", "str"}, {"s", "0.5"}}, {{"name", "num"}, {"s", 100}}, {{"name", "num2"}, {"s", 1}}});
    };
    auto ascending = make();
    SortAndRank(ascending, ParseSortingKey("s"));
    EXPECT_EQ(Names(ascending), (std::vector<std::string>{"num2", "num", "str"}));
    auto descending = make();
    SortAndRank(descending, ParseSortingKey("-s"));
    EXPECT_EQ(Names(descending), (std::vector<std::string>{"num", "num2", "str"}));
}

TEST(LeaderboardsSortTest, LargeIntegersCompareExactly) {
    const std::int64_t big = (std::int64_t{1} << 53) + 1;
    auto entries =
        Entries({{{"name", "bigger"}, {"s", big}}, {{"name", "big"}, {"s", big - 1}}, {{"name", "neg"}, {"s", -big}}});
    SortAndRank(entries, ParseSortingKey("s"));
    EXPECT_EQ(Names(entries), (std::vector<std::string>{"neg", "big", "bigger"}));
}

TEST(LeaderboardsSortTest, SignedAndUnsignedIntegersCompare) {
    // Parsed JSON holds non-negative integers as unsigned; built ones may be signed.
    auto entries = Entries({{{"name", "u5"}, {"s", 5u}},
                            {{"name", "i7"}, {"s", 7}},
                            {{"name", "i-1"}, {"s", -1}},
                            {{"name", "u6"}, {"s", 6u}},
                            {{"name", "i5"}, {"s", 4}}});
    SortAndRank(entries, ParseSortingKey("s"));
    EXPECT_EQ(Names(entries), (std::vector<std::string>{"i-1", "i5", "u5", "u6", "i7"}));
    auto parsed = json::parse(R"([{"name": "a", "s": 3}, {"name": "b", "s": 2.5}, {"name": "c", "s": -4}])");
    std::vector<json> from_text(parsed.begin(), parsed.end());
    SortAndRank(from_text, ParseSortingKey("-s"));
    EXPECT_EQ(Names(from_text), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace zr::leaderboards
