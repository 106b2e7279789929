#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "client/checkpoint.hpp"

namespace zr::client {
namespace {
namespace fs = std::filesystem;

Checkpoint Sample() {
    Checkpoint c;
    c.url = "http://127.0.0.1:8000";
    c.challenge_id = 3;
    c.submission_id = "5fd1a4e2b0c";
    c.archive = ArchiveInfo{"/data/sub.zip", 2500, 1700000000123456789, "0123456789abcdef0123456789abcdef"};
    c.part_size = 1000;
    c.multipart = true;
    c.parts_folder = "/data/sub.zip.zr-submit.parts";
    c.parts = {{{"sub.zip.part0", 1000, std::string(32, 'a')}, true},
               {{"sub.zip.part1", 1000, std::string(32, 'b')}, false},
               {{"sub.zip.part2", 500, std::string(32, 'c')}, false}};
    return c;
}

class ClientCheckpointTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_client_ckpt_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST(ClientCheckpoint, Paths) {
    EXPECT_EQ(DefaultCheckpointPath("/x/sub.zip"), fs::path("/x/sub.zip.zr-submit.json"));
    EXPECT_EQ(PartsFolderFor("/x/sub.zip.zr-submit.json"), fs::path("/x/sub.zip.zr-submit.parts"));
    EXPECT_EQ(PartsFolderFor("/x/state"), fs::path("/x/state.parts"));
}

TEST(ClientCheckpoint, JsonRoundTrip) {
    const Checkpoint c = Sample();
    auto json = ToJson(c);
    EXPECT_EQ(json["submission_id"], "5fd1a4e2b0c");
    EXPECT_EQ(json["archive"]["md5"], "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(json["parts"][0]["done"], true);
    EXPECT_EQ(CheckpointFromJson(json), c);
}

TEST(ClientCheckpoint, MalformedJsonIsRefused) {
    auto json = ToJson(Sample());
    json.erase("parts");
    EXPECT_THROW(CheckpointFromJson(json), SubmitError);
    json = ToJson(Sample());
    json["challenge_id"] = "three";
    EXPECT_THROW(CheckpointFromJson(json), SubmitError);
    json = ToJson(Sample());
    json["version"] = 99;
    EXPECT_THROW(CheckpointFromJson(json), SubmitError);
    json = ToJson(Sample());
    json["parts"] = nlohmann::json::array();
    EXPECT_THROW(CheckpointFromJson(json), SubmitError);
}

TEST(ClientCheckpoint, PendingAndMarkDone) {
    Checkpoint c = Sample();
    EXPECT_EQ(c.DoneCount(), 1u);
    auto pending = c.Pending();
    ASSERT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending[0].file_name, "sub.zip.part1");
    EXPECT_TRUE(c.MarkDone("sub.zip.part2"));
    EXPECT_FALSE(c.MarkDone("nope"));
    EXPECT_EQ(c.DoneCount(), 2u);
    ASSERT_EQ(c.Pending().size(), 1u);
    EXPECT_EQ(c.Pending()[0].file_name, "sub.zip.part1");
    EXPECT_EQ(c.PathOf(c.parts[1].info), fs::path("/data/sub.zip.zr-submit.parts/sub.zip.part1"));
    c.multipart = false;
    EXPECT_EQ(c.PathOf(c.parts[0].info), fs::path("/data/sub.zip"));
}

TEST(ClientCheckpoint, SameUpload) {
    const Checkpoint c = Sample();
    ArchiveInfo now{"/data/sub.zip", 2500, 1700000000123456789, ""};
    EXPECT_TRUE(SameUpload(c, "http://127.0.0.1:8000", 3, now));
    EXPECT_FALSE(SameUpload(c, "http://127.0.0.1:8001", 3, now));
    EXPECT_FALSE(SameUpload(c, "http://127.0.0.1:8000", 4, now));
    auto touched = now;
    touched.mtime_ns += 1;
    EXPECT_FALSE(SameUpload(c, "http://127.0.0.1:8000", 3, touched));
    auto grown = now;
    grown.size += 1;
    EXPECT_FALSE(SameUpload(c, "http://127.0.0.1:8000", 3, grown));
    auto moved = now;
    moved.path = "/data/other.zip";
    EXPECT_FALSE(SameUpload(c, "http://127.0.0.1:8000", 3, moved));
}

TEST_F(ClientCheckpointTest, SaveLoadRoundTripAndReplace) {
    const fs::path path = dir_ / "c.json";
    EXPECT_FALSE(LoadCheckpoint(path));
    Checkpoint c = Sample();
    SaveCheckpoint(c, path);
    auto loaded = LoadCheckpoint(path);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(*loaded, c);
    c.MarkDone("sub.zip.part1");
    SaveCheckpoint(c, path);
    EXPECT_EQ(*LoadCheckpoint(path), c);
    EXPECT_FALSE(fs::exists(dir_ / "c.json.tmp"));
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(ClientCheckpointTest, UnreadableCheckpointsAreErrors) {
    const fs::path path = dir_ / "c.json";
    std::ofstream(path) << "{ not json";
    EXPECT_THROW(LoadCheckpoint(path), SubmitError);
    std::ofstream(path) << R"({"version": 1})";
    EXPECT_THROW(LoadCheckpoint(path), SubmitError);
    EXPECT_THROW(SaveCheckpoint(Sample(), dir_ / "missing-folder" / "c.json"), SubmitError);
}

}  // namespace
}  // namespace zr::client
