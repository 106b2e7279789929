// Score versions kept aside under scores_history/: one rename, restored when a queuing fails, read
// like the submission folder.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "storage/submission_store.hpp"

namespace zr::storage {
namespace {

namespace fs = std::filesystem;

class ScoresHistoryTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_scores_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        store_ = std::make_unique<SubmissionStore>(file_system_, dir_);
        fs::create_directories(store_->ScoresDir(kId));
    }
    void TearDown() override { fs::remove_all(dir_); }

    void Write(const fs::path& path, const std::string& text) {
        fs::create_directories(path.parent_path());
        std::ofstream(path) << text;
    }

    static constexpr const char* kId = "202401-0203-0405-abc";
    fs::path dir_;
    PosixFileSystem file_system_;
    std::unique_ptr<SubmissionStore> store_;
};

TEST_F(ScoresHistoryTest, KeepAsideMovesTheWholeFolderAndLeavesAnEmptyOne) {
    EXPECT_FALSE(store_->HasScores(kId));
    EXPECT_FALSE(store_->KeepScoresAside(kId, "job-1"));  // nothing to keep
    EXPECT_FALSE(fs::exists(store_->Folder(kId) / "scores_history"));

    Write(store_->ScoresDir(kId) / "entry.json", R"({"score": 1})");
    Write(store_->ScoresDir(kId) / "details" / "abx.csv", "a,b\n");
    ASSERT_TRUE(store_->HasScores(kId));
    ASSERT_TRUE(store_->KeepScoresAside(kId, "job-1"));
    EXPECT_TRUE(fs::is_directory(store_->ScoresDir(kId)));
    EXPECT_FALSE(store_->HasScores(kId));
    EXPECT_TRUE(store_->HasScoresInHistory(kId, "job-1"));
    EXPECT_EQ(store_->KeptScoresDir(kId, "job-1"), store_->Folder(kId) / "scores_history" / "job-1" / "scores");
    EXPECT_TRUE(fs::exists(store_->KeptScoresDir(kId, "job-1") / "details" / "abx.csv"));
    // Read as the submission folder is: entry_file "scores/entry.json".
    EXPECT_EQ(store_->ReadJsonFileInHistory(kId, "job-1", "scores/entry.json"), nlohmann::json({{"score", 1}}));
    EXPECT_EQ(store_->ReadJsonFile(kId, "scores/entry.json"), std::nullopt);
    EXPECT_EQ(store_->ReadJsonFileInHistory(kId, "job-1", "../../../x.json"), std::nullopt);
    EXPECT_EQ(store_->ReadJsonFileInHistory(kId, "../job-1", "scores/entry.json"), std::nullopt);

    // A version is never overwritten.
    Write(store_->ScoresDir(kId) / "entry.json", R"({"score": 2})");
    EXPECT_THROW(store_->KeepScoresAside(kId, "job-1"), std::runtime_error);
    EXPECT_EQ(store_->ReadJsonFile(kId, "scores/entry.json"), nlohmann::json({{"score", 2}}));
    EXPECT_EQ(store_->ReadJsonFileInHistory(kId, "job-1", "scores/entry.json"), nlohmann::json({{"score", 1}}));
    EXPECT_THROW(store_->KeepScoresAside(kId, "../up"), std::invalid_argument);
    EXPECT_FALSE(store_->HasScoresInHistory(kId, "../up"));
}

TEST_F(ScoresHistoryTest, RestoreUndoesAKeepThatDidNotCommit) {
    Write(store_->ScoresDir(kId) / "entry.json", R"({"score": 1})");
    ASSERT_TRUE(store_->KeepScoresAside(kId, "v1"));
    ASSERT_TRUE(store_->RestoreScores(kId, "v1"));
    EXPECT_EQ(store_->ReadJsonFile(kId, "scores/entry.json"), nlohmann::json({{"score", 1}}));
    EXPECT_FALSE(store_->HasScoresInHistory(kId, "v1"));
    EXPECT_FALSE(fs::exists(store_->Folder(kId) / "scores_history"));
    EXPECT_FALSE(store_->RestoreScores(kId, "v1"));  // nothing kept

    // Never over scores written meanwhile.
    ASSERT_TRUE(store_->KeepScoresAside(kId, "v1"));
    Write(store_->ScoresDir(kId) / "entry.json", R"({"score": 2})");
    EXPECT_FALSE(store_->RestoreScores(kId, "v1"));
    EXPECT_EQ(store_->ReadJsonFile(kId, "scores/entry.json"), nlohmann::json({{"score", 2}}));
    EXPECT_TRUE(store_->HasScoresInHistory(kId, "v1"));
}

}  // namespace
}  // namespace zr::storage
