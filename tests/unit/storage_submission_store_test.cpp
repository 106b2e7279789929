// The submission folder layout: names, manifest in the legacy shape, log lines, staging, parts
// received and merged, the archive extracted, and the clean-up after a crash.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "crypto/crypto.hpp"
#include "storage/submission_store.hpp"
#include "storage_zip_fixture.hpp"

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

    // A published folder (single-part unless `multipart`); returns its id.
    std::string Publish(SubmissionStore& store, bool multipart) const {
        const auto folder = Folder(multipart);
        store.CreateStaging(folder);
        store.Publish(folder.submission_id);
        return folder.submission_id;
    }

    // The names in a folder, sorted.
    static std::vector<std::string> Names(const fs::path& folder) {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

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
    PosixFileSystem file_system_;
};

// Ids and part names follow zr::IsPlainFileName (its table is in common_file_system_test.cpp).
TEST(SubmissionStoreNames, PartNamesFollowTheOneFileNameRule) {
    PosixFileSystem file_system;
    const SubmissionStore store(file_system, "/data/submissions");
    EXPECT_EQ(store.PartPath("202611-2605-4949-1c2f57b6-ac9a-4442-a6f9-35da55b364fc", "a.zip.part0"),
              fs::path("/data/submissions/202611-2605-4949-1c2f57b6-ac9a-4442-a6f9-35da55b364fc/tmp/a.zip.part0"));
    EXPECT_EQ(store.PartPath("abc", "a..b"), fs::path("/data/submissions/abc/tmp/a..b"));  // plain now
    EXPECT_NO_THROW(store.PartPath("abc", std::string(255, 'x')));
    for (const std::string& name : {std::string(256, 'x'), std::string(), std::string(".hidden"), std::string(".."),
                                    std::string("a/b"), std::string("a\\b"), std::string("a\0b", 3)}) {
        EXPECT_THROW(store.PartPath("abc", name), std::invalid_argument) << name;
        EXPECT_THROW(store.Folder(name), std::invalid_argument) << name;
    }
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
    SubmissionStore store(file_system_, dir_ / "subs");
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
    SubmissionStore store(file_system_, dir_ / "subs");
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
    SubmissionStore store(file_system_, dir_ / "subs");
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
    EXPECT_EQ(store.RemoveLeftovers(id), 1);
    EXPECT_FALSE(fs::exists(store.TmpDir(id) / ".upload-0123456789abcdef.part"));
    EXPECT_TRUE(fs::exists(store.PartPath(id, "a.zip.part0")));
    store.RemoveParts(id);
    EXPECT_FALSE(fs::exists(store.PartPath(id, "a.zip.part0")));
    EXPECT_TRUE(fs::exists(store.ManifestPath(id)));
}

TEST_F(SubmissionStoreTest, SpooledPartsAreStoredUnderTheirNames) {
    SubmissionStore store(file_system_, dir_ / "subs");
    const std::string id = Publish(store, true);
    SpoolFile spool = store.NewSpoolFile(id);
    EXPECT_EQ(spool.path.parent_path(), store.TmpDir(id));
    EXPECT_EQ(spool.path.filename().string().front(), '.');  // hidden: never taken for a part
    spool.file->Append("first");
    spool.file->Sync();
    spool.file->Close();
    store.StorePart(id, "a.zip.part0", spool.path);
    EXPECT_FALSE(fs::exists(spool.path));
    EXPECT_EQ(Read(store.PartPath(id, "a.zip.part0")), "first");

    SpoolFile again = store.NewSpoolFile(id);  // the part sent again replaces the earlier copy
    EXPECT_NE(again.path, spool.path);
    again.file->Append("second");
    again.file->Close();
    store.StorePart(id, "a.zip.part0", again.path);
    EXPECT_EQ(Read(store.PartPath(id, "a.zip.part0")), "second");

    SpoolFile discarded = store.NewSpoolFile(id);
    discarded.file->Close();
    store.DiscardSpoolFile(discarded.path);
    store.DiscardSpoolFile(discarded.path);  // absent: nothing to do, no throw
    EXPECT_EQ(Names(store.TmpDir(id)), (std::vector<std::string>{"a.zip.part0", "upload.json"}));
}

TEST_F(SubmissionStoreTest, SinglePartArchiveIsStoredAndExtracted) {
    SubmissionStore store(file_system_, dir_ / "subs");
    const std::string id = Publish(store, false);
    EXPECT_EQ(store.ExpectedArchiveMd5(id), std::string(32, 'a'));
    EXPECT_FALSE(store.HasArchive(id));
    const fs::path zip = dir_ / "made.zip";
    testing_zip::MakeZip(zip, {{"a.txt", "alpha", {}, false}, {"sub/b.txt", "beta", {}, false}});
    SpoolFile spool = store.NewSpoolFile(id);
    spool.file->Append(Read(zip));
    spool.file->Sync();
    spool.file->Close();
    store.StoreArchive(id, spool.path);
    ASSERT_TRUE(store.HasArchive(id));
    EXPECT_EQ(store.ArchiveMd5(id), crypto::Md5Hex(Read(zip)));

    std::ofstream(store.InputDir(id) / "stale.txt") << "from an earlier extraction";
    const UnzipResult result = store.ExtractInput(id, {});
    EXPECT_EQ(result.bytes, 9u);
    EXPECT_EQ(Read(store.InputDir(id) / "a.txt"), "alpha");
    EXPECT_EQ(Read(store.InputDir(id) / "sub" / "b.txt"), "beta");
    EXPECT_FALSE(fs::exists(store.InputDir(id) / "stale.txt"));  // input/ was replaced
    EXPECT_FALSE(fs::exists(store.Folder(id) / "input.partial"));
}

TEST_F(SubmissionStoreTest, RefusedArchiveLeavesInputAsItWas) {
    SubmissionStore store(file_system_, dir_ / "subs");
    const std::string id = Publish(store, false);
    std::ofstream(store.ArchivePath(id)) << "not a zip";
    std::ofstream(store.InputDir(id) / "kept.txt") << "kept";
    EXPECT_THROW(store.ExtractInput(id, {}), UnzipRefused);
    EXPECT_EQ(Read(store.InputDir(id) / "kept.txt"), "kept");
    EXPECT_FALSE(fs::exists(store.Folder(id) / "input.partial"));
}

TEST_F(SubmissionStoreTest, PartsAreMergedInIndexOrder) {
    SubmissionStore store(file_system_, dir_ / "subs");
    const std::string id = Publish(store, true);
    const auto manifest = store.ReadManifest(id);
    ASSERT_TRUE(manifest);
    EXPECT_EQ(store.ExpectedArchiveMd5(id), std::string(32, 'a'));  // the manifest's merge_hash
    EXPECT_FALSE(store.HasAllParts(id, *manifest));
    std::ofstream(store.PartPath(id, "a.zip.part1")) << "second half";
    std::ofstream(store.PartPath(id, "a.zip.part0")) << "first half, ";
    EXPECT_TRUE(store.HasAllParts(id, *manifest));
    const std::string md5 = store.MergeParts(id, *manifest);
    EXPECT_EQ(md5, crypto::Md5Hex("first half, second half"));
    EXPECT_EQ(Read(store.ArchivePath(id)), "first half, second half");
    EXPECT_EQ(store.ArchiveMd5(id), md5);
    EXPECT_TRUE(fs::exists(store.PartPath(id, "a.zip.part0")));  // the parts stay
    EXPECT_FALSE(fs::exists(store.Folder(id) / "input.zip.partial"));

    fs::remove(store.PartPath(id, "a.zip.part1"));
    EXPECT_THROW(store.MergeParts(id, *manifest), FileError);
    EXPECT_FALSE(fs::exists(store.Folder(id) / "input.zip.partial"));
}

TEST_F(SubmissionStoreTest, ImportArchiveCopiesALocalFile) {
    SubmissionStore store(file_system_, dir_ / "subs");
    const std::string id = Publish(store, false);
    std::ofstream(dir_ / "local.zip") << "zip bytes";
    EXPECT_EQ(store.ImportArchive(id, dir_ / "local.zip"), 9u);
    EXPECT_EQ(Read(store.ArchivePath(id)), "zip bytes");
    EXPECT_TRUE(fs::exists(dir_ / "local.zip"));
    EXPECT_THROW(store.ImportArchive(id, dir_ / "missing.zip"), FileError);
    EXPECT_EQ(Read(store.ArchivePath(id)), "zip bytes");
    EXPECT_FALSE(fs::exists(store.Folder(id) / "input.zip.partial"));
}

TEST_F(SubmissionStoreTest, RemoveLeftoversClearsWhatACrashLeft) {
    SubmissionStore store(file_system_, dir_ / "subs");
    const std::string id = Publish(store, true);
    const fs::path folder = store.Folder(id);
    std::ofstream(store.TmpDir(id) / ".upload-0123456789abcdef.part") << "spooled";
    std::ofstream(store.TmpDir(id) / ".upload.json.tmp-0123456789abcdef") << "{";
    std::ofstream(store.PartPath(id, "a.zip.part0")) << "part";
    std::ofstream(folder / "input.zip.partial") << "merging";
    fs::create_directories(folder / "input.partial" / "sub");
    fs::create_directories(folder / "scores.partial-0123");
    std::ofstream(store.ScoresDir(id) / "score.json") << "{}";
    EXPECT_EQ(store.RemoveLeftovers(id), 5);
    EXPECT_EQ(Names(store.TmpDir(id)), (std::vector<std::string>{"a.zip.part0", "upload.json"}));
    EXPECT_EQ(Names(folder),
              (std::vector<std::string>{"info.json", "input", "out.log", "scores", "tmp", "upload.lock"}));
    EXPECT_TRUE(fs::exists(store.ScoresDir(id) / "score.json"));
    EXPECT_EQ(store.RemoveLeftovers(id), 0);
    EXPECT_EQ(store.RemoveLeftovers("unknown"), 0);  // never throws
}

TEST_F(SubmissionStoreTest, TryAppendLogReportsAFailureInsteadOfThrowing) {
    SubmissionStore store(file_system_, dir_ / "subs");
    const std::string id = Publish(store, false);
    EXPECT_TRUE(store.TryAppendLog(id, *ParseDateTime("2024-01-02 03:04:06"), "done"));
    EXPECT_EQ(store.ReadLog(id).back(), "[2024-01-02 03:04:06] done");
    EXPECT_FALSE(store.TryAppendLog("unknown", *ParseDateTime("2024-01-02 03:04:06"), "done"));
    EXPECT_FALSE(fs::exists(store.Folder("unknown")));
}

TEST_F(SubmissionStoreTest, StagingIsDiscardedOrRecovered) {
    SubmissionStore store(file_system_, dir_ / "subs");
    auto folder = Folder(false);
    store.CreateStaging(folder);
    store.DiscardStaging(folder.submission_id);
    EXPECT_TRUE(fs::is_empty(dir_ / "subs"));
    store.CreateStaging(folder);  // its row was committed: published
    const std::string committed = folder.submission_id;
    folder.submission_id = "other";  // its row was not: removed
    store.CreateStaging(folder);
    std::vector<std::string> asked;
    const auto counts = store.RecoverStaging([&](std::string_view id) {
        asked.emplace_back(id);
        return id == committed;
    });
    EXPECT_EQ(counts, std::make_pair(1, 1));
    std::sort(asked.begin(), asked.end());
    EXPECT_EQ(asked, (std::vector<std::string>{committed, "other"}));
    EXPECT_EQ(Names(dir_ / "subs"), (std::vector<std::string>{committed}));
    EXPECT_TRUE(store.Exists(committed));
    EXPECT_EQ(store.ReadArchiveHash(committed), std::string(32, 'a'));
    EXPECT_EQ(store.RecoverStaging([](std::string_view) { return true; }), std::make_pair(0, 0));
}

TEST_F(SubmissionStoreTest, RefusesIdsAndPartNamesThatAreNotPlain) {
    SubmissionStore store(file_system_, dir_ / "subs");
    EXPECT_THROW(store.Folder("../x"), std::invalid_argument);
    EXPECT_THROW(store.PartPath("abc", "../x"), std::invalid_argument);
    EXPECT_FALSE(store.Exists("../x"));
}

TEST_F(SubmissionStoreTest, ReadsJsonInsideTheFolderOnly) {
    SubmissionStore store(file_system_, dir_ / "subs");
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
