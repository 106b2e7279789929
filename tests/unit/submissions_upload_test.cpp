// Creation, validation, part uploads, completion (merge, md5, unzip), crash recovery.
#include <regex>
#include <set>

#include "submissions_fixture.hpp"

namespace zr::submissions::testing {
namespace {

using testing_zip::Entry;

const std::vector<Entry> kFiles = {{"answers/a.txt", "alpha", std::nullopt, false},
                                   {"answers/b.txt", std::string(70000, 'b'), std::nullopt, false},
                                   {"meta.yaml", "author: alice", std::nullopt, false}};

class UploadTest : public ServiceTest {};

TEST_F(UploadTest, CreateSinglePartMakesRowAndFolder) {
    const std::string archive = Zip(kFiles);
    const std::string upper = [&] {
        std::string h = crypto::Md5Hex(archive);
        for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return h;
    }();
    const std::string id = uploads_->Create(alice_, open_id_, {"system.zip", upper, false, {}});
    EXPECT_TRUE(std::regex_match(
        id, std::regex(R"(\d{6}-\d{4}-\d{4}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})")))
        << id;
    EXPECT_EQ(RowStatus(id), "uploading");
    const fs::path folder = settings_.submission_dir / id;
    EXPECT_EQ(nlohmann::json::parse(ReadFile(folder / "info.json")),
              nlohmann::json({{"user", "alice"}, {"track", "open-track"}, {"submission_id", id}}));
    EXPECT_EQ(ReadFile(folder / "archive.hash"), crypto::Md5Hex(archive));  // stored lower-case
    EXPECT_TRUE(fs::exists(folder / "upload.lock"));
    EXPECT_TRUE(fs::is_directory(folder / "input"));
    EXPECT_TRUE(fs::is_directory(folder / "scores"));
    EXPECT_EQ(Log(id)[0].find("]: Submission " + id + " was created"), 20u);
    EXPECT_EQ(Log(id)[3], "--> as multipart: False");
    // no staging folder left behind
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(settings_.submission_dir)) names.insert(entry.path().filename());
    EXPECT_EQ(names, std::set<std::string>{id});
}

TEST_F(UploadTest, ValidationListsEveryProblem) {
    try {
        uploads_->Create(alice_, open_id_, {"", "xyz", true, {}});
        FAIL() << "accepted";
    } catch (const Error& e) {
        ASSERT_EQ(e.kind(), ErrorKind::kValidation);
        std::vector<nlohmann::json> locs;
        for (const auto& issue : e.issues()) locs.push_back(issue.loc);
        EXPECT_EQ(locs, (std::vector<nlohmann::json>{{"body", "filename"}, {"body", "hash"}, {"body", "index"}}));
    }
    const std::string good(32, 'a');
    CreateRequest request{"a.zip",
                          good,
                          true,
                          {{"p0", 1, ""},
                           {"../p1", 1, good},
                           {"p0", 1, good},
                           {"dir/p3", 1, "g" + std::string(31, 'a')},
                           {".hidden", 1, std::string(31, 'a')},
                           {"", 1, good}}};
    try {
        uploads_->Create(alice_, open_id_, request);
        FAIL() << "accepted";
    } catch (const Error& e) {
        ASSERT_EQ(e.kind(), ErrorKind::kValidation);
        std::vector<nlohmann::json> locs;
        for (const auto& issue : e.issues()) locs.push_back(issue.loc);
        const std::vector<nlohmann::json> expected = {
            {"body", "index", 0, "file_hash"}, {"body", "index", 1, "file_name"}, {"body", "index", 2, "file_name"},
            {"body", "index", 3, "file_name"}, {"body", "index", 3, "file_hash"}, {"body", "index", 4, "file_name"},
            {"body", "index", 4, "file_hash"}, {"body", "index", 5, "file_name"}};
        EXPECT_EQ(locs, expected);
        EXPECT_EQ(e.issues()[2].msg.find("duplicate"), 0u);
    }
    EXPECT_TRUE(fs::is_empty(settings_.submission_dir));
}

TEST_F(UploadTest, CreationNeedsAnOpenChallenge) {
    const CreateRequest request{"a.zip", std::string(32, 'a'), false, {}};
    ExpectError([&] { uploads_->Create(alice_, 999, request); }, ErrorKind::kNotFound,
                "There is no challenge with the following id: 999");
    ExpectError([&] { uploads_->Create(alice_, inactive_id_, request); }, ErrorKind::kNotFound,
                "The Challenge zr2015[" + std::to_string(inactive_id_) + "] is not active");
    ExpectError([&] { uploads_->Create(alice_, expired_id_, request); }, ErrorKind::kNotFound, "is not active");
    EXPECT_TRUE(fs::is_empty(settings_.submission_dir));
}

TEST_F(UploadTest, SinglePartHappyPath) {
    const std::string archive = Zip(kFiles);
    const std::string id = CreateSingle(alice_, archive);
    EXPECT_EQ(uploads_->UploadStatus(alice_, open_id_, id).remaining, std::vector<std::string>{"input.zip"});
    const UploadTicket ticket = Prepare(alice_, id, "system.zip", archive.size());
    EXPECT_EQ(ticket.submission.id, id);
    EXPECT_EQ(ticket.expected_md5, crypto::Md5Hex(archive));
    EXPECT_FALSE(ticket.multipart);
    const ReceivedFile spooled = Spool(ticket, archive);
    EXPECT_EQ(spooled.path.parent_path(), settings_.submission_dir / id / "tmp");
    const UploadState state = uploads_->AcceptPart(ticket, spooled);
    EXPECT_TRUE(state.completed);
    EXPECT_TRUE(state.remaining.empty());
    completion_->WaitIdle();
    EXPECT_EQ(RowStatus(id), "uploaded");
    const fs::path folder = settings_.submission_dir / id;
    EXPECT_EQ(ReadFile(folder / "input.zip"), archive);
    EXPECT_EQ(ReadFile(folder / "input" / "answers" / "a.txt"), "alpha");
    EXPECT_EQ(fs::file_size(folder / "input" / "answers" / "b.txt"), 70000u);
    EXPECT_FALSE(fs::exists(folder / "upload.lock"));
    EXPECT_FALSE(fs::exists(folder / "input.partial"));
    EXPECT_TRUE(LogContains(id, "adding a new part to upload: system.zip"));
    EXPECT_TRUE(LogContains(id, "status changed to uploaded"));
    EXPECT_TRUE(std::regex_match(Log(id).back(), std::regex(R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] .*)")));
    EXPECT_TRUE(uploads_->UploadStatus(alice_, open_id_, id).completed);
    // The uploaded event carries the rows its receiver needs (the notices, the queuing).
    const auto events = Events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].submission.id, id);
    EXPECT_EQ(events[0].submission.status, domain::SubmissionStatus::kUploaded);
    EXPECT_EQ(events[0].challenge.label, "open-track");
    ASSERT_TRUE(events[0].owner);
    EXPECT_EQ(events[0].owner->email, "alice@example.org");
    // no more parts after completion
    ExpectError([&] { uploads_->PrepareUpload(alice_, open_id_, id, "system.zip", std::nullopt); },
                ErrorKind::kInvalidInput, "does not accept any more parts");
}

TEST_F(UploadTest, MultipartHappyPathOutOfOrder) {
    const std::string archive = Zip(kFiles);
    std::vector<std::string> parts;
    const std::string id = CreateMultipart(alice_, archive, 3, parts);
    const fs::path folder = settings_.submission_dir / id;
    EXPECT_FALSE(fs::exists(folder / "archive.hash"));
    EXPECT_EQ(Log(id)[3], "--> as multipart: True");
    UploadState state = Upload(alice_, id, "system.zip.part2", parts[2]);
    EXPECT_FALSE(state.completed);
    EXPECT_EQ(state.remaining, (std::vector<std::string>{"system.zip.part0", "system.zip.part1"}));
    state = Upload(alice_, id, "system.zip.part0", parts[0]);
    EXPECT_EQ(state.remaining, std::vector<std::string>{"system.zip.part1"});
    EXPECT_EQ(uploads_->UploadStatus(alice_, open_id_, id).remaining, state.remaining);
    state = Upload(alice_, id, "system.zip.part1", parts[1]);
    EXPECT_TRUE(state.completed);
    EXPECT_TRUE(state.remaining.empty());
    completion_->WaitIdle();
    EXPECT_EQ(RowStatus(id), "uploaded");
    EXPECT_EQ(ReadFile(folder / "input.zip"), archive);
    EXPECT_EQ(ReadFile(folder / "input" / "meta.yaml"), "author: alice");
    EXPECT_FALSE(fs::exists(folder / "tmp" / "system.zip.part0"));
    const auto manifest = nlohmann::json::parse(ReadFile(folder / "tmp" / "upload.json"));
    for (const char* key :
         {"store_location", "merge_hash", "index", "received", "multipart", "hashed_parts", "target_location"}) {
        EXPECT_TRUE(manifest.contains(key)) << key;
    }
    EXPECT_EQ(manifest["received"].size(), 3u);
    EXPECT_EQ(manifest["target_location"], (folder / "input.zip").string());
    EXPECT_TRUE(uploads_->UploadStatus(alice_, open_id_, id).completed);
}

TEST_F(UploadTest, WrongMd5ThenRightMd5) {
    const std::string archive = Zip(kFiles);
    std::vector<std::string> parts;
    const std::string id = CreateMultipart(alice_, archive, 2, parts);
    const UploadTicket ticket = Prepare(alice_, id, "system.zip.part0");
    const ReceivedFile bad = Spool(ticket, parts[0] + "corrupted");
    const fs::path spool = bad.path.parent_path();
    ExpectError([&] { uploads_->AcceptPart(ticket, bad); }, ErrorKind::kInvalidInput,
                "does not match the expected hash");
    EXPECT_FALSE(fs::exists(bad.path));
    EXPECT_FALSE(fs::exists(spool / "system.zip.part0"));
    EXPECT_EQ(uploads_->UploadStatus(alice_, open_id_, id).remaining.size(), 2u);
    EXPECT_TRUE(LogContains(id, "refused: its md5 does not match"));
    const UploadState state = Upload(alice_, id, "system.zip.part0", parts[0]);
    EXPECT_EQ(state.remaining, std::vector<std::string>{"system.zip.part1"});
    EXPECT_EQ(ReadFile(spool / "system.zip.part0"), parts[0]);
}

TEST_F(UploadTest, WrongMd5OfASinglePartArchive) {
    const std::string archive = Zip(kFiles);
    const std::string id = CreateSingle(alice_, archive);
    ExpectError([&] { Upload(alice_, id, "system.zip", archive + "x"); }, ErrorKind::kInvalidInput, "hash");
    EXPECT_FALSE(fs::exists(settings_.submission_dir / id / "input.zip"));
    EXPECT_TRUE(fs::exists(settings_.submission_dir / id / "upload.lock"));
    EXPECT_TRUE(Upload(alice_, id, "system.zip", archive).completed);
}

TEST_F(UploadTest, SamePartTwiceCountsOnce) {
    const std::string archive = Zip(kFiles);
    std::vector<std::string> parts;
    const std::string id = CreateMultipart(alice_, archive, 3, parts);
    Upload(alice_, id, "system.zip.part1", parts[1]);
    const UploadState state = Upload(alice_, id, "system.zip.part1", parts[1]);
    EXPECT_FALSE(state.completed);
    EXPECT_EQ(state.remaining, (std::vector<std::string>{"system.zip.part0", "system.zip.part2"}));
    const auto manifest = store_->ReadManifest(id);
    ASSERT_EQ(manifest->received.size(), 1u);
    EXPECT_EQ(RowStatus(id), "uploading");
}

TEST_F(UploadTest, PartsNotInTheManifestAreRefusedBeforeWriting) {
    const std::string archive = Zip(kFiles);
    std::vector<std::string> parts;
    const std::string id = CreateMultipart(alice_, archive, 2, parts);
    ExpectError([&] { Prepare(alice_, id, "other.part"); }, ErrorKind::kInvalidInput, "not in the submission's index");
    ExpectError([&] { Prepare(alice_, id, "../system.zip.part0"); }, ErrorKind::kInvalidInput, "not a plain file name");
    ExpectError([&] { Prepare(alice_, id, ".hidden"); }, ErrorKind::kInvalidInput, "not a plain file name");
    EXPECT_EQ(fs::directory_iterator(settings_.submission_dir / id / "tmp")->path().filename(), "upload.json");
}

TEST_F(UploadTest, MergedArchiveWithTheWrongHashIsInvalid) {
    const std::string archive = Zip(kFiles);
    CreateRequest request{"system.zip", std::string(32, '0'), true, {}};
    request.index.push_back({"only.part", archive.size(), crypto::Md5Hex(archive)});
    const std::string id = uploads_->Create(alice_, open_id_, request);
    EXPECT_TRUE(Upload(alice_, id, "only.part", archive).completed);
    completion_->WaitIdle();
    EXPECT_EQ(RowStatus(id), "invalid");
    EXPECT_TRUE(LogContains(id, "does not match the expected hash"));
    EXPECT_TRUE(LogContains(id, "status changed to invalid"));
    EXPECT_TRUE(Events().empty());
}

TEST_F(UploadTest, NotAZipIsInvalid) {
    const std::string id = CreateSingle(alice_, "plain text, not a zip");
    Upload(alice_, id, "system.zip", "plain text, not a zip");
    completion_->WaitIdle();
    EXPECT_EQ(RowStatus(id), "invalid");
    EXPECT_TRUE(LogContains(id, "cannot be opened as a zip"));
}

// A refused archive: status invalid, the reason in out.log, nothing written outside input/.
class DangerousArchiveTest : public UploadTest {
protected:
    void ExpectRefused(const std::string& archive, const std::string& reason) {
        const std::string id = CreateSingle(alice_, archive);
        Upload(alice_, id, "system.zip", archive);
        completion_->WaitIdle();
        EXPECT_EQ(RowStatus(id), "invalid");
        EXPECT_TRUE(LogContains(id, reason)) << reason;
        const fs::path folder = settings_.submission_dir / id;
        std::set<std::string> names;
        for (const auto& entry : fs::directory_iterator(folder)) names.insert(entry.path().filename());
        EXPECT_EQ(names, (std::set<std::string>{"archive.hash", "info.json", "input", "input.zip", "out.log", "scores",
                                                "tmp"}));
        EXPECT_TRUE(fs::is_empty(folder / "input"));
        EXPECT_TRUE(fs::is_empty(folder / "tmp"));
        for (const auto& entry : fs::directory_iterator(settings_.submission_dir)) {
            EXPECT_TRUE(fs::exists(entry.path() / "info.json")) << entry.path();  // submission folders only
        }
        EXPECT_FALSE(fs::exists(dir_ / "x"));
    }
};

TEST_F(DangerousArchiveTest, ZipSlip) {
    ExpectRefused(Zip({{"ok.txt", "ok", std::nullopt, false}, {"../x", "escaped", std::nullopt, false}}), "(..)");
    ExpectRefused(Zip({{"../../../x", "escaped", std::nullopt, false}}), "(..)");
}

TEST_F(DangerousArchiveTest, AbsolutePath) {
    ExpectRefused(Zip({{"/etc/x", "absolute", std::nullopt, false}}), "absolute path");
}

TEST_F(DangerousArchiveTest, SymbolicLink) {
    ExpectRefused(Zip({{"link", "/etc/passwd", 0120777, false}}), "symbolic link");
}

TEST_F(DangerousArchiveTest, ZipBomb) {
    settings_.unzip_max_bytes = 8u << 20;
    settings_.unzip_max_ratio = 1u << 30;
    const std::string bomb = Zip({{"zeros.bin", std::string(200u << 20, '\0'), std::nullopt, false}});
    ASSERT_LT(bomb.size(), 1u << 20);
    ExpectRefused(bomb, "more than the limit of 8388608 bytes");
}

TEST_F(DangerousArchiveTest, RatioLimit) {
    ExpectRefused(Zip({{"zeros.bin", std::string(16u << 20, '\0'), std::nullopt, false}}), "compression ratio");
}

TEST_F(DangerousArchiveTest, EntryLimit) {
    settings_.unzip_max_entries = 2;
    ExpectRefused(Zip(kFiles), "more than the limit of 2");
}

TEST_F(UploadTest, CompletionResumesAfterACrash) {
    const std::string archive = Zip(kFiles);
    std::vector<std::string> parts;
    const std::string id = CreateMultipart(alice_, archive, 3, parts);
    Upload(alice_, id, "system.zip.part0", parts[0]);
    Upload(alice_, id, "system.zip.part1", parts[1]);
    // The process "dies" right after the last part: completion never runs.
    completion_->Shutdown();
    EXPECT_TRUE(Upload(alice_, id, "system.zip.part2", parts[2]).completed);
    EXPECT_EQ(RowStatus(id), "uploading");
    EXPECT_FALSE(fs::exists(settings_.submission_dir / id / "upload.lock"));
    // and left a half-spooled body and a half-created folder behind
    WriteFile(settings_.submission_dir / id / "tmp" / ".upload-deadbeef.part", "half a part");
    fs::create_directory(settings_.submission_dir / ".staging-202401-0000-0000-x");

    Restart();
    completion_->RecoverPending();
    completion_->WaitIdle();
    EXPECT_EQ(RowStatus(id), "uploaded");
    EXPECT_EQ(ReadFile(settings_.submission_dir / id / "input" / "answers" / "a.txt"), "alpha");
    EXPECT_FALSE(fs::exists(settings_.submission_dir / id / "tmp" / ".upload-deadbeef.part"));
    EXPECT_FALSE(fs::exists(settings_.submission_dir / ".staging-202401-0000-0000-x"));
}

TEST_F(UploadTest, ResumeFinishesWhenTheLockOutlivedTheLastPart) {
    const std::string archive = Zip(kFiles);
    const std::string id = CreateSingle(alice_, archive);
    // crash between the archive's rename and the lock's removal
    WriteFile(settings_.submission_dir / id / "input.zip", archive);
    Restart();
    completion_->RecoverPending();
    completion_->WaitIdle();
    EXPECT_EQ(RowStatus(id), "uploaded");
}

TEST_F(UploadTest, ResumeLeavesIncompleteUploadsAlone) {
    const std::string archive = Zip(kFiles);
    std::vector<std::string> parts;
    const std::string id = CreateMultipart(alice_, archive, 2, parts);
    Upload(alice_, id, "system.zip.part0", parts[0]);
    WriteFile(settings_.submission_dir / id / "tmp" / ".upload-0001.part", "partial");
    Restart();
    completion_->RecoverPending();
    completion_->WaitIdle();
    EXPECT_EQ(RowStatus(id), "uploading");
    EXPECT_FALSE(fs::exists(settings_.submission_dir / id / "tmp" / ".upload-0001.part"));
    EXPECT_EQ(uploads_->UploadStatus(alice_, open_id_, id).remaining, std::vector<std::string>{"system.zip.part1"});
    EXPECT_TRUE(Upload(alice_, id, "system.zip.part1", parts[1]).completed);
    completion_->WaitIdle();
    EXPECT_EQ(RowStatus(id), "uploaded");
}

}  // namespace
}  // namespace zr::submissions::testing
