// The submission folder layout: names, manifest in the legacy shape, log lines, staging.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <regex>

#include "storage/submission_store.hpp"

namespace zr::storage {
namespace {

namespace fs = std::filesystem;

class SubmissionStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_store_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }

    static std::string Read(const fs::path& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    NewSubmissionFolder Folder(bool multipart) const {
        NewSubmissionFolder folder;
        folder.submission_id = "202401-0203-0405-abc";
        folder.username = "alice";
        folder.track_label = "open-track";
        folder.created = *ParseDateTime("2024-01-02 03:04:05");
        folder.multipart = multipart;
        folder.archive_hash = std::string(32, 'a');
        if (multipart) {
            folder.index = {{"a.zip.part0", 10, std::string(32, 'b')}, {"a.zip.part1", 5, std::string(32, 'c')}};
        }
        return folder;
    }

    fs::path dir_;
};

TEST(SubmissionStoreNames, PlainNames) {
    EXPECT_TRUE(IsPlainName("a.zip.part0"));
    EXPECT_TRUE(IsPlainName("202611-2605-4949-1c2f57b6-ac9a-4442-a6f9-35da55b364fc"));
    EXPECT_TRUE(IsPlainName(std::string(255, 'x')));
    EXPECT_FALSE(IsPlainName(std::string(256, 'x')));
    EXPECT_FALSE(IsPlainName(""));
    EXPECT_FALSE(IsPlainName(".hidden"));
    EXPECT_FALSE(IsPlainName(".."));
    EXPECT_FALSE(IsPlainName("a..b"));
    EXPECT_FALSE(IsPlainName("a/b"));
    EXPECT_FALSE(IsPlainName("a\\b"));
    EXPECT_FALSE(IsPlainName(std::string("a\0b", 3)));
}

TEST(SubmissionStoreNames, LogLineForm) {
    const std::string line = LogLine(*ParseDateTime("2026-11-26 05:49:49.123456"), "hello");
    EXPECT_EQ(line, "[2026-11-26 05:49:49] hello");
}

TEST(SubmissionStoreManifest, LegacyShapeRoundTrip) {
    const nlohmann::json legacy = nlohmann::json::parse(R"({
        "store_location": "/data/submissions/x/tmp",
        "merge_hash": "0123456789abcdef0123456789abcdef",
        "index": [{"file_name": "a.zip.part0", "file_size": 123, "file_hash": "11111111111111111111111111111111"},
                  {"file_name": "a.zip.part1", "file_size": 45, "file_hash": "22222222222222222222222222222222"}],
        "received": [{"file_name": "a.zip.part1", "file_size": 45, "file_hash": "22222222222222222222222222222222"}],
        "multipart": true, "hashed_parts": true,
        "target_location": "/data/submissions/x/input.zip"})");
    const UploadManifest manifest = ManifestFromJson(legacy);
    ASSERT_EQ(manifest.index.size(), 2u);
    EXPECT_EQ(manifest.index[0].file_name, "a.zip.part0");
    EXPECT_EQ(manifest.index[0].file_size, 123u);
    ASSERT_EQ(manifest.received.size(), 1u);
    EXPECT_EQ(manifest.received[0].file_name, "a.zip.part1");
    EXPECT_EQ(ToJson(manifest), legacy);
}

TEST(SubmissionStoreManifest, MalformedManifestThrows) {
    EXPECT_THROW(ManifestFromJson(nlohmann::json::array()), std::runtime_error);
    EXPECT_THROW(ManifestFromJson(nlohmann::json::parse(R"({"index": []})")), std::runtime_error);
    EXPECT_THROW(ManifestFromJson(nlohmann::json::parse(R"({"merge_hash": "x", "index": [{"file_size": 1}]})")),
                 std::runtime_error);
    // Found by fuzz/submission_create_fuzz.cpp: a float size beyond 2^64 reached get<uint64_t>()
    // (undefined behaviour); negative sizes were wrapped.
    for (const char* size : {"8.4e21", "-1", "1.5", "\"12\"", "null"}) {
        const std::string text =
            std::string(R"({"merge_hash": "x", "index": [{"file_name": "a", "file_size": )") + size + "}]}";
        EXPECT_THROW(ManifestFromJson(nlohmann::json::parse(text)), std::runtime_error) << size;
    }
    const auto no_size =
        ManifestFromJson(nlohmann::json::parse(R"({"merge_hash": "x", "index": [{"file_name": "a"}]})"));
    EXPECT_EQ(no_size.index.at(0).file_size, 0u);
}

TEST_F(SubmissionStoreTest, SinglePartFolder) {
    SubmissionStore store(dir_ / "subs");
    const auto folder = Folder(false);
    store.CreateStaging(folder);
    EXPECT_FALSE(store.Exists(folder.submission_id));
    store.Publish(folder.submission_id);
    ASSERT_TRUE(store.Exists(folder.submission_id));
    const fs::path root = store.Folder(folder.submission_id);
    EXPECT_EQ(nlohmann::json::parse(Read(root / "info.json")),
              nlohmann::json({{"user", "alice"}, {"track", "open-track"}, {"submission_id", folder.submission_id}}));
    EXPECT_EQ(Read(root / "archive.hash"), std::string(32, 'a'));
    EXPECT_EQ(store.ReadArchiveHash(folder.submission_id), std::string(32, 'a'));
    EXPECT_TRUE(fs::is_directory(root / "input"));
    EXPECT_TRUE(fs::is_directory(root / "scores"));
    EXPECT_TRUE(store.HasUploadLock(folder.submission_id));
    EXPECT_FALSE(store.ReadManifest(folder.submission_id));
    const auto log = store.ReadLog(folder.submission_id);
    ASSERT_EQ(log.size(), 4u);
    EXPECT_EQ(log[0], "[2024-01-02 03:04:05]: Submission 202401-0203-0405-abc was created");
    EXPECT_EQ(log[1], "--> user: alice");
    EXPECT_EQ(log[2], "--> challenge: open-track");
    EXPECT_EQ(log[3], "--> as multipart: False");
    store.RemoveUploadLock(folder.submission_id);
    EXPECT_FALSE(store.HasUploadLock(folder.submission_id));
}

TEST_F(SubmissionStoreTest, MultipartFolderAndManifestRewrite) {
    SubmissionStore store(dir_ / "subs");
    const auto folder = Folder(true);
    store.CreateStaging(folder);
    store.Publish(folder.submission_id);
    auto manifest = store.ReadManifest(folder.submission_id);
    ASSERT_TRUE(manifest);
    EXPECT_EQ(manifest->store_location, store.TmpDir(folder.submission_id).string());
    EXPECT_EQ(manifest->target_location, store.ArchivePath(folder.submission_id).string());
    EXPECT_TRUE(fs::path(manifest->store_location).is_absolute());
    EXPECT_EQ(manifest->merge_hash, std::string(32, 'a'));
    EXPECT_TRUE(manifest->received.empty());
    EXPECT_FALSE(fs::exists(store.ArchiveHashPath(folder.submission_id)));

    manifest->received.push_back(manifest->index[1]);
    store.WriteManifest(folder.submission_id, *manifest);
    const auto again = store.ReadManifest(folder.submission_id);
    ASSERT_EQ(again->received.size(), 1u);
    EXPECT_EQ(again->received[0].file_name, "a.zip.part1");
    // no temporary left beside it
    int files = 0;
    for (const auto& entry : fs::directory_iterator(store.TmpDir(folder.submission_id))) {
        (void)entry;
        ++files;
    }
    EXPECT_EQ(files, 1);
}

TEST_F(SubmissionStoreTest, LogSpoolAndParts) {
    SubmissionStore store(dir_ / "subs");
    const auto folder = Folder(true);
    store.CreateStaging(folder);
    store.Publish(folder.submission_id);
    const std::string& id = folder.submission_id;
    store.AppendLog(id, *ParseDateTime("2024-01-02 03:04:06"), "two\n --> lines");
    const auto log = store.ReadLog(id);
    ASSERT_EQ(log.size(), 6u);
    EXPECT_EQ(log[4], "[2024-01-02 03:04:06] two");
    EXPECT_EQ(log[5], " --> lines");

    std::ofstream(store.TmpDir(id) / ".upload-0123456789abcdef.part") << "partial";
    std::ofstream(store.PartPath(id, "a.zip.part0")) << "part";
    EXPECT_EQ(store.RemoveSpoolFiles(id), 1);
    EXPECT_TRUE(fs::exists(store.PartPath(id, "a.zip.part0")));
    store.RemoveParts(id);
    EXPECT_FALSE(fs::exists(store.PartPath(id, "a.zip.part0")));
    EXPECT_TRUE(fs::exists(store.ManifestPath(id)));
}

TEST_F(SubmissionStoreTest, StagingIsDiscardedOrCleanedUp) {
    SubmissionStore store(dir_ / "subs");
    auto folder = Folder(false);
    store.CreateStaging(folder);
    store.DiscardStaging(folder.submission_id);
    EXPECT_TRUE(fs::is_empty(dir_ / "subs"));
    store.CreateStaging(folder);
    folder.submission_id = "other";
    store.CreateStaging(folder);
    EXPECT_EQ(store.RemoveStaleStaging(), 2);
    EXPECT_TRUE(fs::is_empty(dir_ / "subs"));
}

TEST_F(SubmissionStoreTest, RefusesIdsAndPartNamesThatAreNotPlain) {
    SubmissionStore store(dir_ / "subs");
    EXPECT_THROW(store.Folder("../x"), std::invalid_argument);
    EXPECT_THROW(store.PartPath("abc", "../x"), std::invalid_argument);
    EXPECT_FALSE(store.Exists("../x"));
}

TEST_F(SubmissionStoreTest, ReadsJsonInsideTheFolderOnly) {
    SubmissionStore store(dir_ / "subs");
    const auto folder = Folder(false);
    store.CreateStaging(folder);
    store.Publish(folder.submission_id);
    std::ofstream(store.ScoresDir(folder.submission_id) / "entry.json") << R"({"score": 1})";
    std::ofstream(dir_ / "secret.json") << R"({"secret": 1})";
    EXPECT_EQ(store.ReadJsonFile(folder.submission_id, "scores/entry.json"), nlohmann::json({{"score", 1}}));
    EXPECT_FALSE(store.ReadJsonFile(folder.submission_id, "../../secret.json"));
    EXPECT_FALSE(store.ReadJsonFile(folder.submission_id, "scores/missing.json"));
}

}  // namespace
}  // namespace zr::storage
