#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <system_error>
#include <thread>

#include "leaderboards/files.hpp"
#include "leaderboards_fixture.hpp"

namespace zr::leaderboards::testing {
namespace {

using nlohmann::json;

TEST_F(LeaderboardTest, NotBuiltYetReadsEmpty) {
    const auto id = Create(Item("board"));
    EXPECT_FALSE(service_->ReadBuilt(id).has_value());
    // The first implementation's answer for a board not built yet: the time of the request, no data.
    const json read = service_->ReadJson(id);
    EXPECT_EQ(read.at("data"), json::array());
    ASSERT_TRUE(read.at("updatedOn").is_string());
    EXPECT_TRUE(ParseDateTime(read["updatedOn"].get<std::string>()).has_value());
    const json by_challenge = service_->ReadForChallenge(challenge_id_);
    ASSERT_EQ(by_challenge.size(), 1u);
    EXPECT_EQ(by_challenge.at("board").at("data"), json::array());
    EXPECT_TRUE(by_challenge.at("board").at("updatedOn").is_string());
    EXPECT_EQ(service_->ReadForChallenge(other_challenge_id_), json::object());
}

TEST_F(LeaderboardTest, BuildsCompletedSubmissionsSortedAndRanked) {
    const auto low = AddSubmission(1, domain::SubmissionStatus::kCompleted, R"({"scores": {"acc": 0.5}})");
    const auto high =
        AddSubmission(2, domain::SubmissionStatus::kCompleted, R"({"scores": {"acc": 0.9}, "submission_id": "kept"})");
    AddSubmission(3, domain::SubmissionStatus::kEvaluating, R"({"scores": {"acc": 1.0}})");
    AddSubmission(4, domain::SubmissionStatus::kFailed, R"({"scores": {"acc": 1.0}})");
    AddSubmission(5, domain::SubmissionStatus::kCompleted, R"({"scores": {"acc": 0.99}})", other_challenge_id_);
    const auto id = Create(Item("board", "-scores.acc"));
    const auto result = service_->Build(id);
    EXPECT_EQ(result.entries, 2u);
    EXPECT_EQ(result.skipped, 0u);
    EXPECT_EQ(result.label, "board");
    const auto file = BuiltFile(id);
    // The file's own submission_id is overwritten from our records (api-v2.md section 4.6).
    EXPECT_EQ(Field(file, "submission_id"), (std::vector<std::string>{high, low}));
    EXPECT_EQ(file["data"][0]["rank"], 1);
    EXPECT_EQ(file["data"][1]["rank"], 2);
    ASSERT_TRUE(file["updatedOn"].is_string());
    EXPECT_TRUE(ParseDateTime(file["updatedOn"].get<std::string>()).has_value());
    EXPECT_EQ(file["updatedOn"].get<std::string>()[10], 'T');
    EXPECT_EQ(service_->ReadJson(id), file);
    EXPECT_EQ(service_->ReadForChallenge(challenge_id_), (json{{"board", file}}));
}

TEST_F(LeaderboardTest, MissingOrMalformedEntryFilesAreSkipped) {
    const auto good = AddSubmission(1, domain::SubmissionStatus::kCompleted, R"({"v": 1})");
    AddSubmission(2, domain::SubmissionStatus::kCompleted, std::nullopt);
    AddSubmission(3, domain::SubmissionStatus::kCompleted, "{not json");
    AddSubmission(4, domain::SubmissionStatus::kCompleted, "[1, 2]");
    const auto id = Create(Item("board"));
    const auto result = service_->Build(id);
    EXPECT_EQ(result.entries, 1u);
    EXPECT_EQ(result.skipped, 3u);
    EXPECT_EQ(Field(BuiltFile(id), "submission_id"), (std::vector<std::string>{good}));
}

TEST_F(LeaderboardTest, EntryFileSymlinkOutOfTheSubmissionFolderIsSkipped) {
    WriteText(dir_ / "secret.json", R"({"secret": true})");
    const auto sub = AddSubmission(1, domain::SubmissionStatus::kCompleted, std::nullopt);
    fs::create_symlink(dir_ / "secret.json", store_->ScoresDir(sub) / "entry.json");
    const auto inside = AddSubmission(2, domain::SubmissionStatus::kCompleted, std::nullopt);
    WriteText(store_->ScoresDir(inside) / "real.json", R"({"ok": true})");
    fs::create_symlink("real.json", store_->ScoresDir(inside) / "entry.json");  // stays inside: fine
    const auto id = Create(Item("board"));
    const auto result = service_->Build(id);
    EXPECT_EQ(result.skipped, 1u);
    EXPECT_EQ(Field(BuiltFile(id), "submission_id"), (std::vector<std::string>{inside}));
}

TEST_F(LeaderboardTest, TiesKeepSubmitDateOrderAfterExternalEntries) {
    WriteText(settings_.archive_dir / "base" / "b.json", R"({"name": "ext-b", "s": 1})");
    WriteText(settings_.archive_dir / "base" / "a.json", R"({"name": "ext-a", "s": 1})");
    AddSubmission(3, domain::SubmissionStatus::kCompleted, R"({"name": "sub-3", "s": 1})");
    AddSubmission(1, domain::SubmissionStatus::kCompleted, R"({"name": "sub-1", "s": 1})");
    AddSubmission(2, domain::SubmissionStatus::kCompleted, R"({"name": "sub-2", "s": 0})");
    auto item = Item("board", "s");
    item["external_entries"] = "base";
    const auto id = Create(item);
    service_->Build(id);
    EXPECT_EQ(Field(BuiltFile(id), "name"), (std::vector<std::string>{"sub-2", "ext-a", "ext-b", "sub-1", "sub-3"}));
}

TEST_F(LeaderboardTest, ArchivedBoardIgnoresSubmissions) {
    AddSubmission(1, domain::SubmissionStatus::kCompleted, R"({"name": "sub", "s": 100})");
    WriteText(settings_.archive_dir / "past" / "old.json", R"({"name": "old", "s": 1})");
    auto item = Item("archived", "-s");
    item["archived"] = true;
    item["external_entries"] = "past";
    const auto id = Create(item);
    const auto result = service_->Build(id);
    EXPECT_EQ(result.entries, 1u);
    EXPECT_EQ(Field(BuiltFile(id), "name"), (std::vector<std::string>{"old"}));
    EXPECT_FALSE(BuiltFile(id)["data"][0].contains("submission_id"));
}

TEST_F(LeaderboardTest, ExternalEntriesOnlyJsonYamlAndLists) {
    const fs::path folder = dir_ / "absolute-archive";
    WriteText(folder / "1-list.json", R"([{"name": "l1", "s": 3}, {"name": "l2", "s": 1}, 7])");
    WriteText(folder / "2-top.yaml",
              "name: top\ns: 0.5\nquoted: '12'\nflag: true\nnothing: ~\nnested:\n  k: [1, two]\n");
    WriteText(folder / "3-list.yml", "- name: y1\n  s: 2\n- name: y2\n");
    WriteText(folder / "4-bad.json", "{oops");
    WriteText(folder / "5-bad.yaml", "a: [unclosed\n");
    WriteText(folder / "6-scalar.json", "42");
    WriteText(folder / "notes.txt", R"({"name": "ignored"})");
    fs::create_directories(folder / "dir.json");
    auto item = Item("external", "s");
    item["external_entries"] = folder.string();
    const auto id = Create(item);
    const auto result = service_->Build(id);
    EXPECT_EQ(result.entries, 5u);
    EXPECT_EQ(result.skipped, 4u);  // the 7 of the list, two malformed files, one scalar
    const auto file = BuiltFile(id);
    EXPECT_EQ(Field(file, "name"), (std::vector<std::string>{"top", "l2", "y1", "l1", "y2"}));
    const auto& top = file["data"][0];
    EXPECT_EQ(top["s"], 0.5);
    EXPECT_EQ(top["quoted"], "12");
    EXPECT_EQ(top["flag"], true);
    EXPECT_TRUE(top["nothing"].is_null());
    EXPECT_EQ(top["nested"]["k"], json::array({1, "two"}));
}

TEST_F(LeaderboardTest, MissingExternalFolderGivesNoEntries) {
    auto item = Item("board");
    item["external_entries"] = "does-not-exist";
    const auto id = Create(item);
    EXPECT_EQ(service_->Build(id).entries, 0u);
    EXPECT_EQ(BuiltFile(id)["data"], json::array());
}

TEST_F(LeaderboardTest, OutputIsReplacedAtomicallyWithNoLeftovers) {
    AddSubmission(1, domain::SubmissionStatus::kCompleted, R"({"v": 1})");
    const auto id = Create(Item("board"));
    const auto path = service_->OutputPath(service_->Get(id));
    WriteText(path, "old content");
    service_->Build(id);
    AddSubmission(2, domain::SubmissionStatus::kCompleted, R"({"v": 2})");
    service_->Build(id);
    EXPECT_EQ(BuiltFile(id)["data"].size(), 2u);
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path.parent_path())) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"board.json", "board.json.lock"}));
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::others_read, fs::perms::others_read);
}

TEST_F(LeaderboardTest, FailedWriteKeepsThePreviousFileAndNoTemporary) {
    AddSubmission(1, domain::SubmissionStatus::kCompleted, R"({"v": 1})");
    const auto id = Create(Item("board"));
    const auto path = service_->OutputPath(service_->Get(id));
    service_->Build(id);
    const auto before = ReadText(path);
    // A file-size limit makes write() fail with EFBIG (also as root, unlike permissions).
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit tiny = saved;
    tiny.rlim_cur = 16;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tiny), 0);
    EXPECT_THROW(service_->Build(id), std::system_error);
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);
    EXPECT_EQ(ReadText(path), before);
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path.parent_path())) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"board.json", "board.json.lock"}));
}

TEST_F(LeaderboardTest, ConcurrentBuildsAlwaysLeaveAValidFile) {
    for (int i = 0; i < 200; ++i)
        AddSubmission(i, domain::SubmissionStatus::kCompleted, "{\"v\": " + std::to_string(i) + "}");
    const auto id = Create(Item("board", "-v"));
    const auto path = service_->OutputPath(service_->Get(id));
    service_->Build(id);
    std::atomic<bool> stop{false};
    std::atomic<int> bad{0};
    std::thread reader([&] {
        while (!stop) {
            auto file = json::parse(ReadText(path), nullptr, false);
            if (file.is_discarded() || file["data"].size() != 200) ++bad;
        }
    });
    std::vector<std::thread> builders;
    // A second service over the same files stands for another process (its own mutexes).
    LeaderboardService other(*db_, *store_, settings_, clock_);
    for (int t = 0; t < 4; ++t) {
        builders.emplace_back([&, t] {
            for (int i = 0; i < 5; ++i) (t % 2 == 0 ? *service_ : other).Build(id);
        });
    }
    for (auto& builder : builders) builder.join();
    stop = true;
    reader.join();
    EXPECT_EQ(bad, 0);
    const auto file = BuiltFile(id);
    EXPECT_EQ(file["data"][0]["v"], 199);
    EXPECT_EQ(file["data"][199]["rank"], 200);
}

TEST_F(LeaderboardTest, BuildAllAndBuildForChallenge) {
    Create(Item("a"));
    Create(Item("b"));
    auto other = Item("c");
    other["challenge_id"] = other_challenge_id_;
    Create(other);
    EXPECT_EQ(service_->BuildAll().size(), 3u);
    const auto results = service_->BuildForChallenge(challenge_id_);
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].label, "a");
    EXPECT_TRUE(service_->BuildForChallenge(999).empty());
}

TEST(LeaderboardsFilesTest, SafeRelativePaths) {
    EXPECT_TRUE(detail::IsSafeRelativePath("scores/entry.json"));
    EXPECT_TRUE(detail::IsSafeRelativePath("entry.json"));
    for (const std::string bad : {"", "/abs", "../x", "a/../b", "a/", "./a", "a//b", ".."}) {
        EXPECT_FALSE(detail::IsSafeRelativePath(bad)) << bad;
    }
}

TEST(LeaderboardsFilesTest, YamlScalarsAreTyped) {
    const auto yaml = detail::YamlToJson("i: -12\nf: 1e3\ns: hello\nq: \"true\"\nb: False\nn: null\ninf: .inf\n");
    EXPECT_EQ(yaml["i"], -12);
    EXPECT_EQ(yaml["f"], 1000.0);
    EXPECT_EQ(yaml["s"], "hello");
    EXPECT_EQ(yaml["q"], "true");
    EXPECT_EQ(yaml["b"], false);
    EXPECT_TRUE(yaml["n"].is_null());
    EXPECT_EQ(yaml["inf"], ".inf");
}

// Found while writing fuzz/leaderboard_entries_fuzz.cpp (hand-made inputs, kept in
// fuzz/regressions/leaderboard_entries): an alias inside its own anchor recursed until the
// stack overflowed, and nested aliases ("billion laughs") expanded 500 bytes to 10^9 nodes.
TEST(LeaderboardsFilesTest, YamlAliasCyclesAndBombsAreRefused) {
    EXPECT_THROW(detail::YamlToJson("a: &a [1, *a]\n"), std::runtime_error);
    std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 9; ++i) {
        bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int j = 0; j < 10; ++j) bomb += (j ? ", *a" : "*a") + std::to_string(i - 1);
        bomb += "]\n";
    }
    EXPECT_THROW(detail::YamlToJson(bomb), std::runtime_error);
    // Honest aliases stay allowed.
    const auto shared = detail::YamlToJson("base: &b {team: x}\nentries: [*b, *b]\n");
    EXPECT_EQ(shared["entries"][1]["team"], "x");
}

}  // namespace
}  // namespace zr::leaderboards::testing
