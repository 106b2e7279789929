#include <gtest/gtest.h>

#include <sstream>

#include "cli/listing.hpp"

namespace zr::cli {
namespace {

TEST(ListingTest, TableIsAlignedWithHeaderAndRule) {
    Listing listing({"id", "username", "active"});
    listing.Add({1, "alice", true});
    listing.Add({22, "bob", false});
    std::ostringstream out;
    listing.PrintTable(out);
    EXPECT_EQ(out.str(),
              "id  username  active\n"
              "--  --------  ------\n"
              "1   alice     yes\n"
              "22  bob       no\n");
}

TEST(ListingTest, WidthCountsCodePointsNotBytes) {
    Listing listing({"name", "x"});
    listing.Add({"Zoë", "1"});
    listing.Add({"abcd", "2"});
    std::ostringstream out;
    listing.PrintTable(out);
    EXPECT_EQ(out.str(),
              "name  x\n"
              "----  -\n"
              "Zoë   1\n"
              "abcd  2\n");
    EXPECT_EQ(DisplayWidth("Zoë"), 3u);
}

TEST(ListingTest, NullAndEmptyTrailingCells) {
    Listing listing({"key", "value"});
    listing.Add({"long_key_name", ""});
    listing.Add({"k", nullptr});
    std::ostringstream out;
    listing.PrintTable(out);
    EXPECT_EQ(out.str(),
              "key            value\n"
              "-------------  -----\n"
              "long_key_name\n"
              "k              -\n");
}

TEST(ListingTest, EmptyTableHasHeaderOnly) {
    Listing listing({"id", "label"});
    std::ostringstream out;
    listing.PrintTable(out);
    EXPECT_EQ(out.str(), "id  label\n--  -----\n");
}

TEST(ListingTest, JsonKeepsTypesAndColumnOrder) {
    Listing listing({"id", "name", "active", "end"});
    listing.Add({3, "open", true, nullptr});
    std::ostringstream out;
    listing.PrintJson(out);
    auto parsed = nlohmann::ordered_json::parse(out.str());
    ASSERT_TRUE(parsed.is_array());
    ASSERT_EQ(parsed.size(), 1u);
    EXPECT_EQ(parsed[0].dump(), R"({"id":3,"name":"open","active":true,"end":null})");
}

TEST(ListingTest, AddObjectPicksColumnsAndNullsMissingOnes) {
    Listing listing({"a", "b"});
    listing.AddObject({{"b", 2}, {"c", 3}});
    ASSERT_EQ(listing.rows().size(), 1u);
    EXPECT_TRUE(listing.rows()[0][0].is_null());
    EXPECT_EQ(listing.rows()[0][1], 2);
}

TEST(ListingTest, InvalidUtf8DoesNotThrowInJson) {
    Listing listing({"name"});
    listing.Add({std::string("bad\xff")});
    std::ostringstream out;
    EXPECT_NO_THROW(listing.PrintJson(out));
    EXPECT_NE(out.str().find("bad"), std::string::npos);
}

}  // namespace
}  // namespace zr::cli
