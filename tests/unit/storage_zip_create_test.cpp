// CreateZip (scores sent back by remote workers) round-trips through ExtractZip; links are left
// out; an empty folder gives a valid empty archive. Also the scores staging and swap and raw log
// appends of SubmissionStore used by the transfer service.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <utility>
#include <vector>

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
    PosixFileSystem file_system_;
};

TEST_F(ZipCreateTest, RoundTripsFilesAndFolders) {
    Write(dir_ / "scores" / "score.json", "{\"x\": 1}");
    Write(dir_ / "scores" / "deep" / "er" / "b.txt", std::string(100000, 'b'));
    fs::create_directories(dir_ / "scores" / "empty");
    const ZipCreated created = CreateZip(dir_ / "scores", dir_ / "scores.zip");
    EXPECT_EQ(created.entries, 5u);  // score.json, deep/, deep/er/, deep/er/b.txt, empty/
    EXPECT_EQ(created.skipped, 0u);
    ExtractZip(file_system_, dir_ / "scores.zip", dir_ / "out", {});
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
    ExtractZip(file_system_, dir_ / "scores.zip", dir_ / "out", {});
    EXPECT_EQ(Tree(dir_ / "out"), (std::set<std::string>{"a.txt"}));
}

TEST_F(ZipCreateTest, EmptyFolderGivesAnEmptyArchive) {
    fs::create_directories(dir_ / "scores");
    EXPECT_EQ(CreateZip(dir_ / "scores", dir_ / "scores.zip").entries, 0u);
    ASSERT_TRUE(fs::exists(dir_ / "scores.zip"));
    EXPECT_EQ(ExtractZip(file_system_, dir_ / "scores.zip", dir_ / "out", {}).entries, 0u);
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
        store_ = std::make_unique<SubmissionStore>(file_system_, dir_);
        NewSubmissionFolder folder;
        folder.submission_id = "sub";
        folder.created = std::chrono::system_clock::now();
        folder.archive_hash = std::string(32, 'a');
        store_->CreateStaging(folder);
        store_->Publish("sub");
    }

    // A scores zip made from `files` (relative path -> content), as a remote worker sends it.
    fs::path ScoresZip(const std::vector<std::pair<std::string, std::string>>& files) {
        const fs::path folder = dir_ / ("made-" + std::to_string(++zips_));
        fs::create_directories(folder);
        for (const auto& [path, content] : files) Write(folder / path, content);
        const fs::path zip = folder.string() + ".zip";
        CreateZip(folder, zip);
        return zip;
    }
    // The entries of the submission folder whose name starts with `prefix`.
    std::set<std::string> Named(const std::string& prefix) {
        std::set<std::string> names;
        for (const auto& entry : fs::directory_iterator(store_->Folder("sub"))) {
            const std::string name = entry.path().filename().string();
            if (name.starts_with(prefix)) names.insert(name);
        }
        return names;
    }
    std::unique_ptr<SubmissionStore> store_;
    int zips_ = 0;
};

TEST_F(StoreScoresTest, PublishScoresReplacesTheFolder) {
    Write(store_->ScoresDir("sub") / "old.txt", "old");
    UnzipResult result;
    const std::string tag =
        store_->StageScores("sub", ScoresZip({{"new.txt", "new"}, {"deep/b.txt", "b"}}), {}, &result);
    EXPECT_EQ(result.bytes, 4u);
    EXPECT_EQ(Named("scores.partial-").size(), 1u);
    EXPECT_EQ(Tree(store_->ScoresDir("sub")), (std::set<std::string>{"old.txt"}));  // not yet
    store_->PublishScores("sub", tag);
    EXPECT_EQ(Tree(store_->ScoresDir("sub")), (std::set<std::string>{"new.txt", "deep", "deep/b.txt"}));
    EXPECT_EQ(Read(store_->ScoresDir("sub") / "new.txt"), "new");
    EXPECT_TRUE(Named("scores.partial-").empty());
    EXPECT_TRUE(Named("scores.old-").empty());
    EXPECT_THROW(store_->PublishScores("sub", "../x"), std::invalid_argument);
}

TEST_F(StoreScoresTest, StagingTagsAreFreshAndDiscardable) {
    const fs::path zip = ScoresZip({{"a.txt", "a"}});
    const std::string first = store_->StageScores("sub", zip, {}, nullptr);
    const std::string second = store_->StageScores("sub", zip, {}, nullptr);
    EXPECT_NE(first, second);
    EXPECT_EQ(Named("scores.partial-").size(), 2u);
    store_->DiscardStagedScores("sub", first);
    store_->DiscardStagedScores("sub", first);  // absent: nothing to do
    EXPECT_EQ(Named("scores.partial-"), (std::set<std::string>{"scores.partial-" + second}));
    store_->PublishScores("sub", second);
    EXPECT_EQ(Tree(store_->ScoresDir("sub")), (std::set<std::string>{"a.txt"}));
}

TEST_F(StoreScoresTest, RefusedScoresZipLeavesNoStaging) {
    Write(store_->ScoresDir("sub") / "old.txt", "old");
    Write(dir_ / "bad.zip", "not a zip");
    EXPECT_THROW(store_->StageScores("sub", dir_ / "bad.zip", {}, nullptr), UnzipRefused);
    UnzipLimits small;
    small.max_bytes = 3;
    EXPECT_THROW(store_->StageScores("sub", ScoresZip({{"big.txt", "four"}}), small, nullptr), UnzipRefused);
    EXPECT_TRUE(Named("scores.partial-").empty());
    EXPECT_EQ(Tree(store_->ScoresDir("sub")), (std::set<std::string>{"old.txt"}));
}

TEST_F(StoreScoresTest, FailedPublishKeepsTheOldScores) {
    Write(store_->ScoresDir("sub") / "old.txt", "old");
    EXPECT_THROW(store_->PublishScores("sub", "missing"), FileError);
    EXPECT_EQ(Read(store_->ScoresDir("sub") / "old.txt"), "old");
}

// A crash between PublishScores' two renames leaves scores.old-<tag> and no scores/: the old
// scores come back; staged leftovers are removed.
TEST_F(StoreScoresTest, RecoverScoresAfterACrashMidPublish) {
    Write(store_->ScoresDir("sub") / "old.txt", "old");
    const std::string tag = store_->StageScores("sub", ScoresZip({{"new.txt", "new"}}), {}, nullptr);
    fs::rename(store_->ScoresDir("sub"), store_->Folder("sub") / ("scores.old-" + tag));
    EXPECT_TRUE(store_->RecoverScores("sub"));
    EXPECT_EQ(Tree(store_->ScoresDir("sub")), (std::set<std::string>{"old.txt"}));
    EXPECT_TRUE(Named("scores.partial-").empty());
    EXPECT_TRUE(Named("scores.old-").empty());
    EXPECT_FALSE(store_->RecoverScores("sub"));  // nothing left to do

    // After the second rename: the new scores are in place, the old copy is removed.
    fs::create_directories(store_->Folder("sub") / "scores.old-x");
    EXPECT_TRUE(store_->RecoverScores("sub"));
    EXPECT_EQ(Tree(store_->ScoresDir("sub")), (std::set<std::string>{"old.txt"}));
    EXPECT_TRUE(Named("scores.old-").empty());
}

TEST_F(StoreScoresTest, AppendRawLogKeepsTextAndEndsLines) {
    const std::string before = Read(store_->LogPath("sub"));
    store_->AppendRawLog("sub", "one\ntwo\n");
    store_->AppendRawLog("sub", "three");
    EXPECT_EQ(Read(store_->LogPath("sub")), before + "one\ntwo\nthree\n");
}

}  // namespace
}  // namespace zr::storage
