// CreateZip (scores sent back by remote workers) round-trips through ExtractZip; links are left
// out; an empty folder gives a valid empty archive. Also the scores swap and raw log appends of
// SubmissionStore used by the transfer service.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <set>

#include "storage/submission_store.hpp"
#include "storage/zip_create.hpp"
#include "storage/zip_extract.hpp"

namespace zr::storage {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void Write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

std::set<std::string> Tree(const fs::path& root) {
    std::set<std::string> paths;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        paths.insert(fs::relative(entry.path(), root).generic_string());
    }
    return paths;
}

class ZipCreateTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_zip_create_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(ZipCreateTest, RoundTripsFilesAndFolders) {
    Write(dir_ / "scores" / "score.json", "{\"x\": 1}");
    Write(dir_ / "scores" / "deep" / "er" / "b.txt", std::string(100000, 'b'));
    fs::create_directories(dir_ / "scores" / "empty");
    const ZipCreated created = CreateZip(dir_ / "scores", dir_ / "scores.zip");
    EXPECT_EQ(created.entries, 5u);  // score.json, deep/, deep/er/, deep/er/b.txt, empty/
    EXPECT_EQ(created.skipped, 0u);
    ExtractZip(dir_ / "scores.zip", dir_ / "out", {});
    EXPECT_EQ(Tree(dir_ / "out"), Tree(dir_ / "scores"));
    EXPECT_EQ(Read(dir_ / "out" / "deep" / "er" / "b.txt"), std::string(100000, 'b'));
}

TEST_F(ZipCreateTest, LinksAreLeftOut) {
    Write(dir_ / "secret.txt", "secret");
    Write(dir_ / "scores" / "a.txt", "a");
    fs::create_symlink(dir_ / "secret.txt", dir_ / "scores" / "link.txt");
    fs::create_directory_symlink(dir_, dir_ / "scores" / "loop");
    const ZipCreated created = CreateZip(dir_ / "scores", dir_ / "scores.zip");
    EXPECT_EQ(created.entries, 1u);
    EXPECT_EQ(created.skipped, 2u);
    ExtractZip(dir_ / "scores.zip", dir_ / "out", {});
    EXPECT_EQ(Tree(dir_ / "out"), (std::set<std::string>{"a.txt"}));
}

TEST_F(ZipCreateTest, EmptyFolderGivesAnEmptyArchive) {
    fs::create_directories(dir_ / "scores");
    EXPECT_EQ(CreateZip(dir_ / "scores", dir_ / "scores.zip").entries, 0u);
    ASSERT_TRUE(fs::exists(dir_ / "scores.zip"));
    EXPECT_EQ(ExtractZip(dir_ / "scores.zip", dir_ / "out", {}).entries, 0u);
    EXPECT_TRUE(fs::is_empty(dir_ / "out"));
}

TEST_F(ZipCreateTest, MissingFolderThrowsAndWritesNothing) {
    EXPECT_THROW(CreateZip(dir_ / "nope", dir_ / "scores.zip"), std::runtime_error);
    EXPECT_FALSE(fs::exists(dir_ / "scores.zip"));
}

class StoreScoresTest : public ZipCreateTest {
protected:
    void SetUp() override {
        ZipCreateTest::SetUp();
        store_ = std::make_unique<SubmissionStore>(dir_);
        NewSubmissionFolder folder;
        folder.submission_id = "sub";
        folder.created = std::chrono::system_clock::now();
        folder.archive_hash = std::string(32, 'a');
        store_->CreateStaging(folder);
        store_->Publish("sub");
    }
    std::unique_ptr<SubmissionStore> store_;
};

TEST_F(StoreScoresTest, PublishScoresReplacesTheFolder) {
    Write(store_->ScoresDir("sub") / "old.txt", "old");
    Write(store_->PartialScoresDir("sub", "t1") / "new.txt", "new");
    store_->PublishScores("sub", "t1");
    EXPECT_EQ(Tree(store_->ScoresDir("sub")), (std::set<std::string>{"new.txt"}));
    EXPECT_FALSE(fs::exists(store_->PartialScoresDir("sub", "t1")));
    EXPECT_THROW(store_->PartialScoresDir("sub", "../x"), std::invalid_argument);
}

TEST_F(StoreScoresTest, FailedPublishKeepsTheOldScores) {
    Write(store_->ScoresDir("sub") / "old.txt", "old");
    EXPECT_THROW(store_->PublishScores("sub", "missing"), std::filesystem::filesystem_error);
    EXPECT_EQ(Read(store_->ScoresDir("sub") / "old.txt"), "old");
}

TEST_F(StoreScoresTest, AppendRawLogKeepsTextAndEndsLines) {
    const std::string before = Read(store_->LogPath("sub"));
    store_->AppendRawLog("sub", "one\ntwo\n");
    store_->AppendRawLog("sub", "three");
    EXPECT_EQ(Read(store_->LogPath("sub")), before + "one\ntwo\nthree\n");
}

}  // namespace
}  // namespace zr::storage
