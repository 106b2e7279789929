#include <gtest/gtest.h>

#include "common/time.hpp"
#include "leaderboards/entries.hpp"

namespace zr::leaderboards {
namespace {

using nlohmann::json;

TEST(LeaderboardsCsvTest, FlattensNestedObjectsWithDotsInFirstSeenOrder) {
    // nlohmann::json orders an object's keys: "first seen" is over that order, entry by entry.
    const json entries = json::array({
        {{"model", "a"}, {"scores", {{"lexical", {{"dev", 0.5}, {"test", 0.25}}}}}},
        {{"extra", true}, {"model", "b"}, {"scores", {{"lexical", {{"dev", 1}}}}}},
    });
    EXPECT_EQ(EntriesToCsv(entries),
              "model,scores.lexical.dev,scores.lexical.test,extra\r\n"
              "a,0.5,0.25,\r\n"
              "b,1,,true\r\n");
}

TEST(LeaderboardsCsvTest, ArraysNullsAndEmptyObjectsAreLeaves) {
    const json entries = json::array({
        {{"tags", json::array({"x", 1})}, {"none", nullptr}, {"empty", json::object()}},
    });
    EXPECT_EQ(EntriesToCsv(entries),
              "empty,none,tags\r\n"
              "{},,\"[\"\"x\"\",1]\"\r\n");
}

TEST(LeaderboardsCsvTest, QuotesCommasQuotesAndLineBreaks) {
    const json entries = json::array({
        {{"a", "plain"}, {"b", "x, y"}, {"c", "say \"hi\""}, {"d", "two\nlines"}, {"e", "cr\rhere"}},
    });
    EXPECT_EQ(EntriesToCsv(entries),
              "a,b,c,d,e\r\n"
              "plain,\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\"\r\n");
}

TEST(LeaderboardsCsvTest, QuotesHeaderNamesAndLeavesMissingKeysEmpty) {
    const json entries = json::array({
        {{"odd,key", 1}},
        {{"other", 2}},
        "not an object: skipped",
        json::object(),
    });
    EXPECT_EQ(EntriesToCsv(entries),
              "\"odd,key\",other\r\n"
              "1,\r\n"
              ",2\r\n"
              ",\r\n");
}

TEST(LeaderboardsCsvTest, NoEntriesGiveNoText) {
    EXPECT_EQ(EntriesToCsv(json::array()), "");
    EXPECT_EQ(EntriesToCsv(json::object()), "");
}

db::EntryIdentity Identity(std::optional<std::string> author_label) {
    db::EntryIdentity identity;
    identity.submit_date = *ParseDateTime("2026-12-07 11:54:23.187419");
    identity.username = "ann";
    identity.model_id = "Be26a";
    identity.author_label = std::move(author_label);
    return identity;
}

TEST(LeaderboardsStampIdentityTest, OverwritesTheClientsIdentityFields) {
    json entry = {{"model_id", nullptr},
                  {"submission_id", ""},
                  {"submitted_by", "mallory"},
                  {"submission_date", "1999-01-01"},
                  {"publication", {{"author_short", nullptr}, {"authors", "A. Be"}}},
                  {"scores", {{"x", 1}}}};
    StampIdentity(entry, "202612-0711-5423-abc", Identity("Be et al."));
    EXPECT_EQ(entry, json({{"model_id", "Be26a"},
                           {"submission_id", "202612-0711-5423-abc"},
                           {"submitted_by", "ann"},
                           {"submission_date", "2026-12-07T11:54:23.187419"},
                           {"publication", {{"author_short", "Be et al."}, {"authors", "A. Be"}}},
                           {"scores", {{"x", 1}}}}));
}

TEST(LeaderboardsStampIdentityTest, FirstGenerationSubmissionsGetNullsAndKeepTheirPublication) {
    json entry = {{"model", "m1"}, {"publication", "free text"}};
    db::EntryIdentity identity = Identity(std::nullopt);
    identity.model_id.reset();
    identity.username.reset();
    StampIdentity(entry, "s1", identity);
    EXPECT_EQ(entry, json({{"model", "m1"},
                           {"model_id", nullptr},
                           {"submission_id", "s1"},
                           {"submitted_by", nullptr},
                           {"submission_date", "2026-12-07T11:54:23.187419"},
                           {"publication", "free text"}}));
}

TEST(LeaderboardsStampIdentityTest, AnAuthorLabelReplacesAPublicationThatIsNotAnObject) {
    json entry = {{"publication", "free text"}};
    StampIdentity(entry, "s1", Identity("Be et al."));
    EXPECT_EQ(entry["publication"], json({{"author_short", "Be et al."}}));
}

}  // namespace
}  // namespace zr::leaderboards
