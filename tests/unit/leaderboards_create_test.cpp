#include "leaderboards_fixture.hpp"

namespace zr::leaderboards::testing {
namespace {

using nlohmann::json;

TEST_F(LeaderboardTest, CreatesEveryItemAndListsThem) {
    auto second = Item("second", "-scores.accuracy");
    second["external_entries"] = "baselines";
    second["archived"] = true;
    const auto ids = service_->CreateFromJson(json::array({Item("first"), second}));
    ASSERT_EQ(ids.size(), 2u);
    const auto boards = service_->List();
    ASSERT_EQ(boards.size(), 2u);
    EXPECT_EQ(boards[1].id, ids[1]);
    EXPECT_EQ(boards[1].label, "second");
    EXPECT_EQ(boards[1].external_entries, "baselines");
    EXPECT_TRUE(boards[1].archived);
    EXPECT_EQ(boards[1].sorting_key, "-scores.accuracy");
    EXPECT_EQ(boards[0].sorting_key, "");
    const auto pub = PublicJson(boards[0]);
    EXPECT_EQ(pub, (json{{"id", ids[0]},
                         {"challenge_id", challenge_id_},
                         {"label", "first"},
                         {"entry_file", "scores/entry.json"},
                         {"archived", false},
                         {"static_files", false}}));
}

TEST_F(LeaderboardTest, RefusesAnEntryFileLeavingTheSubmissionFolder) {
    for (const std::string bad : {"../other/scores.json", "scores/../../x.json", "/etc/passwd", "scores//e.json"}) {
        auto item = Item("board");
        item["entry_file"] = bad;
        auto [kind, message] = ErrorOf([&] { service_->CreateFromJson(json::array({Item("ok"), item})); });
        EXPECT_EQ(kind, ErrorKind::kInvalidInput) << bad;
        EXPECT_NE(message.find("item 1"), std::string::npos) << message;
        EXPECT_NE(message.find("entry_file"), std::string::npos) << message;
    }
    EXPECT_TRUE(service_->List().empty());  // nothing inserted, not even the valid first item
}

TEST_F(LeaderboardTest, RefusesMissingOrMistypedFields) {
    const std::vector<std::pair<std::string, json>> cases = {
        {"label", nullptr},
        {"label", ""},
        {"challenge_id", "1"},
        {"path_to", 3},
        {"archived", "yes"},
        {"external_entries", 5},
        {"sorting_key", "a..b"},
        {"path_to", "../outside.json"},
        // Caught by a property of fuzz/leaderboard_entries_fuzz.cpp: it was read as -1.
        {"challenge_id", json(18446744073709551615ull)}};
    for (const auto& [field, value] : cases) {
        auto item = Item("board");
        item[field] = value;
        auto [kind, message] = ErrorOf([&] { service_->CreateFromJson(json::array({item})); });
        EXPECT_EQ(kind, ErrorKind::kInvalidInput) << field;
        EXPECT_NE(message.find("item 0: field '" + field + "'"), std::string::npos) << message;
    }
    auto missing = Item("board");
    missing.erase("entry_file");
    EXPECT_EQ(ErrorOf([&] { service_->CreateFromJson(json::array({missing})); }).first, ErrorKind::kInvalidInput);
    EXPECT_EQ(ErrorOf([&] { service_->CreateFromJson(json::object()); }).first, ErrorKind::kInvalidInput);
    EXPECT_EQ(ErrorOf([&] { service_->CreateFromJson(json::array({1})); }).first, ErrorKind::kInvalidInput);
}

TEST_F(LeaderboardTest, OptionalFieldsDefault) {
    json item = {{"label", "b"}, {"challenge_id", challenge_id_}, {"path_to", "b.json"}, {"entry_file", "e.json"}};
    const auto board = service_->Get(Create(item));
    EXPECT_FALSE(board.archived);
    EXPECT_FALSE(board.static_files);
    EXPECT_EQ(board.external_entries, "");
}

TEST_F(LeaderboardTest, UnknownChallengeIs404) {
    auto item = Item("board");
    item["challenge_id"] = 999;
    auto [kind, message] = ErrorOf([&] { service_->CreateFromJson(json::array({item})); });
    EXPECT_EQ(kind, ErrorKind::kNotFound);
    EXPECT_NE(message.find("999"), std::string::npos);
}

TEST_F(LeaderboardTest, TakenLabelIs409AndNothingIsInserted) {
    Create(Item("taken"));
    EXPECT_EQ(ErrorOf([&] {
                  service_->CreateFromJson(json::array({Item("new"), Item("taken")}));
              }).first,
              ErrorKind::kConflict);
    EXPECT_EQ(ErrorOf([&] {
                  service_->CreateFromJson(json::array({Item("twice"), Item("twice")}));
              }).first,
              ErrorKind::kConflict);
    EXPECT_EQ(service_->List().size(), 1u);
}

TEST_F(LeaderboardTest, UnknownLeaderboardIs404) {
    EXPECT_EQ(ErrorOf([&] { service_->Get(42); }).first, ErrorKind::kNotFound);
    EXPECT_EQ(ErrorOf([&] { service_->Build(42); }).first, ErrorKind::kNotFound);
    EXPECT_EQ(ErrorOf([&] { service_->ReadJson(42); }).first, ErrorKind::kNotFound);
    auto [kind, message] = ErrorOf([&] { service_->ReadForChallenge(77); });
    EXPECT_EQ(kind, ErrorKind::kNotFound);
    EXPECT_EQ(message, "There is no challenge with the following id: 77");
}

TEST_F(LeaderboardTest, PathToRelativeIsUnderTheLeaderboardDirAbsoluteIsKept) {
    auto item = Item("rel");
    item["path_to"] = "sub/rel.json";
    const auto rel = service_->Get(Create(item));
    EXPECT_EQ(service_->OutputPath(rel), settings_.leaderboard_dir / "sub/rel.json");
    auto absolute = Item("abs");
    absolute["path_to"] = (dir_ / "elsewhere" / "abs.json").string();
    const auto abs = service_->Get(Create(absolute));
    EXPECT_EQ(service_->OutputPath(abs), dir_ / "elsewhere" / "abs.json");
    const auto built = service_->Build(rel.id);
    EXPECT_EQ(built.path, settings_.leaderboard_dir / "sub/rel.json");
    EXPECT_TRUE(fs::is_regular_file(built.path));
    service_->Build(abs.id);
    EXPECT_TRUE(fs::is_regular_file(dir_ / "elsewhere" / "abs.json"));
}

}  // namespace
}  // namespace zr::leaderboards::testing
