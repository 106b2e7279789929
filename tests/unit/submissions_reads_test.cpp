// Ownership, the participant's reads, limits, admin operations, the legacy fixture's submission.
#include <cstdlib>

#include "submissions_fixture.hpp"

namespace zr::submissions::testing {
namespace {

const std::vector<testing_zip::Entry> kOneFile = {{"a.txt", "alpha", std::nullopt, false}};

class ReadsTest : public ServiceTest {
protected:
    std::string Uploaded(const domain::User& user) {
        const std::string archive = Zip(kOneFile);
        const std::string id = CreateSingle(user, archive);
        Upload(user, id, "system.zip", archive);
        completion_->WaitIdle();
        return id;
    }
};

TEST_F(ReadsTest, OnlyTheOwnerMayUploadOrRead) {
    const std::string archive = Zip(kOneFile);
    const std::string id = CreateSingle(alice_, archive);
    const UploadTicket ticket = Prepare(alice_, id, "system.zip");
    const ReceivedFile file = Spool(ticket, archive);
    const auto forbidden = ErrorKind::kForbidden;
    // bob is refused before his body is read: he never gets a ticket to accept a part with.
    ExpectError([&] { Prepare(bob_, id, "system.zip"); }, forbidden, "does not belong");
    ExpectError([&] { uploads_->UploadStatus(bob_, open_id_, id); }, forbidden);
    ExpectError([&] { reads_->Get(bob_, id); }, forbidden);
    ExpectError([&] { StatusOf(bob_, id); }, forbidden);
    ExpectError([&] { reads_->LogLines(bob_, id); }, forbidden);
    ExpectError([&] { reads_->Scores(bob_, id); }, forbidden);
    EXPECT_FALSE(fs::exists(settings_.submission_dir / id / "input.zip"));
    EXPECT_TRUE(reads_->ListForUser(bob_, std::nullopt).empty());
    EXPECT_TRUE(uploads_->AcceptPart(ticket, file).completed);
}

TEST_F(ReadsTest, UnknownSubmissionsAndWrongChallenge) {
    const std::string id = CreateSingle(alice_, "x");
    const auto not_found = ErrorKind::kNotFound;
    ExpectError([&] { uploads_->PrepareUpload(alice_, open_id_, "nope", "a.zip", std::nullopt); }, not_found,
                "There is no submission with the following id: nope");
    ExpectError([&] { uploads_->PrepareUpload(alice_, open_id_, "../etc", "a.zip", std::nullopt); }, not_found);
    ExpectError([&] { uploads_->PrepareUpload(alice_, inactive_id_, id, "a.zip", std::nullopt); }, not_found);
    ExpectError([&] { uploads_->UploadStatus(alice_, inactive_id_, id); }, not_found);
    ExpectError([&] { reads_->Get(alice_, "nope"); }, not_found);
    ExpectError([&] { reads_->LogLines(alice_, "nope"); }, not_found);
    ExpectError([&] { reads_->ListForUser(alice_, 999); }, not_found,
                "There is no challenge with the following id: 999");
}

TEST_F(ReadsTest, ParticipantReads) {
    const std::string first = Uploaded(alice_);
    const std::string second = CreateSingle(alice_, "later");
    Uploaded(bob_);
    const auto all = reads_->ListForUser(alice_, std::nullopt);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].submission.id, first);
    EXPECT_EQ(all[0].challenge.label, "open-track");
    EXPECT_EQ(all[0].username, "alice");
    EXPECT_EQ(all[1].submission.status, domain::SubmissionStatus::kUploading);
    EXPECT_EQ(reads_->ListForUser(alice_, open_id_).size(), 2u);
    EXPECT_TRUE(reads_->ListForUser(alice_, inactive_id_).empty());

    const SubmissionView view = reads_->Get(alice_, first);
    EXPECT_EQ(view.submission.status, domain::SubmissionStatus::kUploaded);
    EXPECT_EQ(view.challenge.id, open_id_);
    EXPECT_FALSE(view.evaluator);
    EXPECT_EQ(StatusOf(alice_, second), "uploading");
    const auto log = reads_->LogLines(alice_, first);
    ASSERT_FALSE(log.empty());
    EXPECT_NE(log.back().find("status changed to uploaded"), std::string::npos);
}

TEST_F(ReadsTest, ScoresOfEachLeaderboardWithAnEntry) {
    {
        auto conn = db_->Acquire();
        conn->Exec(
            "INSERT INTO leaderboards (id, challenge_id, label, path_to, entry_file, archived, "
            "external_entries, static_files, sorting_key) VALUES "
            "(1, " +
            std::to_string(open_id_) +
            ", 'abx', 'abx.json', 'scores/abx_entry.json', 0, '', 0, ''),"
            "(2, " +
            std::to_string(open_id_) +
            ", 'wer', 'wer.json', 'scores/wer_entry.json', 0, '', 0, ''),"
            "(3, " +
            std::to_string(open_id_) + ", 'evil', 'e.json', '../../outside.json', 0, '', 0, '')");
    }
    const std::string id = Uploaded(alice_);
    WriteFile(dir_ / "outside.json", R"({"secret": true})");
    EXPECT_EQ(reads_->Scores(alice_, id), nlohmann::json::object());
    WriteFile(settings_.submission_dir / id / "scores" / "abx_entry.json", R"({"score": 0.25})");
    EXPECT_EQ(reads_->Scores(alice_, id), nlohmann::json({{"abx", {{"score", 0.25}}}}));
    const SubmissionView view = reads_->Get(alice_, id);
    ASSERT_EQ(view.leaderboards.size(), 3u);
    EXPECT_EQ(view.leaderboards[0].label, "abx");
}

TEST_F(ReadsTest, PerDayLimitIgnoresFailedSubmissions) {
    settings_.max_submissions_per_day = 2;
    const std::string first = CreateSingle(alice_, "1");
    CreateSingle(alice_, "2");
    ExpectError([&] { CreateSingle(alice_, "3"); }, ErrorKind::kRateLimited, "limit of 2 submissions per day");
    CreateSingle(bob_, "other user");  // limits are per user
    admin_->SetStatus(first, domain::SubmissionStatus::kInvalid, false);
    const std::string third = CreateSingle(alice_, "3");
    ExpectError([&] { CreateSingle(alice_, "4"); }, ErrorKind::kRateLimited);
    clock_.Advance(25);
    CreateSingle(alice_, "next day");
    EXPECT_EQ(reads_->ListForUser(alice_, std::nullopt).size(), 4u);
}

TEST_F(ReadsTest, TotalLimit) {
    settings_.max_submissions_total = 1;
    CreateSingle(alice_, "1");
    clock_.Advance(48);
    ExpectError([&] { CreateSingle(alice_, "2"); }, ErrorKind::kRateLimited, "in total");
}

TEST_F(ReadsTest, SetStatusLegalOrForced) {
    const std::string id = Uploaded(alice_);
    ExpectError([&] { admin_->SetStatus(id, domain::SubmissionStatus::kCompleted, false); }, ErrorKind::kConflict,
                "cannot go from status uploaded to completed");
    EXPECT_EQ(RowStatus(id), "uploaded");
    admin_->SetStatus(id, domain::SubmissionStatus::kOnQueue, false);
    EXPECT_EQ(RowStatus(id), "on_queue");
    admin_->SetStatus(id, domain::SubmissionStatus::kCompleted, true);
    EXPECT_EQ(RowStatus(id), "completed");
    EXPECT_TRUE(LogContains(id, "status set by an administrator"));
    EXPECT_TRUE(LogContains(id, "status changed to completed"));
    ExpectError([&] { admin_->SetStatus("nope", domain::SubmissionStatus::kCompleted, true); }, ErrorKind::kNotFound);
}

TEST_F(ReadsTest, AdminListFilters) {
    const std::string a = Uploaded(alice_);
    const std::string b = CreateSingle(bob_, "b");
    EXPECT_EQ(admin_->List({}).size(), 2u);
    const auto uploaded = admin_->List({std::nullopt, std::nullopt, domain::SubmissionStatus::kUploaded});
    ASSERT_EQ(uploaded.size(), 1u);
    EXPECT_EQ(uploaded[0].submission.id, a);
    EXPECT_EQ(uploaded[0].username, "alice");
    const auto of_bob = admin_->List({bob_.id, open_id_, std::nullopt});
    ASSERT_EQ(of_bob.size(), 1u);
    EXPECT_EQ(of_bob[0].submission.id, b);
    EXPECT_TRUE(admin_->List({bob_.id, inactive_id_, std::nullopt}).empty());
}

TEST_F(ReadsTest, CreateFromArchiveCompletesSynchronously) {
    settings_.max_submissions_total = 1;  // admins are not limited
    CreateSingle(alice_, "first");
    const fs::path zip = dir_ / "local.zip";
    testing_zip::MakeZip(zip, kOneFile);
    const std::string id = admin_->CreateFromArchive(inactive_id_, alice_.id, zip);
    EXPECT_EQ(RowStatus(id), "uploaded");
    EXPECT_EQ(ReadFile(settings_.submission_dir / id / "input" / "a.txt"), "alpha");
    EXPECT_EQ(ReadFile(settings_.submission_dir / id / "archive.hash"), crypto::Md5Hex(ReadFile(zip)));

    WriteFile(dir_ / "bad.zip", "not a zip");
    EXPECT_EQ(RowStatus(admin_->CreateFromArchive(open_id_, bob_.id, dir_ / "bad.zip")), "invalid");
    ExpectError([&] { admin_->CreateFromArchive(open_id_, bob_.id, dir_ / "missing.zip"); }, ErrorKind::kInvalidInput,
                "Cannot read the archive");
    ExpectError([&] { admin_->CreateFromArchive(999, bob_.id, zip); }, ErrorKind::kNotFound);
    ExpectError([&] { admin_->CreateFromArchive(open_id_, 999, zip); }, ErrorKind::kNotFound, "no user");
}

class LegacyTest : public ServiceTest {
protected:
    void UseLegacyCopy() {
        const char* env = std::getenv("ZR_LEGACY_FIXTURE_DIR");
        const fs::path fixture =
            env != nullptr ? fs::path(env) : fs::path(ZR_SOURCE_DIR) / "../shared/fixtures/legacy-v0";
        const fs::path copy = dir_ / "legacy";
        fs::copy(fixture / "data", copy, fs::copy_options::recursive);
        fs::permissions(copy, fs::perms::owner_all, fs::perm_options::add);
        for (const auto& entry : fs::recursive_directory_iterator(copy)) {
            fs::permissions(entry.path(), fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
            if (entry.is_directory()) fs::permissions(entry.path(), fs::perms::owner_exec, fs::perm_options::add);
        }
        settings_.submission_dir = copy / "user_data" / "submissions";
        Open(copy / "zerospeech.db");
        auto conn = db_->Acquire();
        alice_ = *db::UserRepository(*conn).FindByUsername("alice");
        bob_ = *db::UserRepository(*conn).FindByUsername("bob");
    }
};

TEST_F(LegacyTest, LegacySubmissionIsReadable) {
    UseLegacyCopy();
    const std::string id = "202611-2605-4949-1c2f57b6-ac9a-4442-a6f9-35da55b364fc";
    const auto mine = reads_->ListForUser(alice_, std::nullopt);
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine[0].submission.id, id);
    EXPECT_EQ(mine[0].challenge.label, "open-track");
    const SubmissionView view = reads_->Get(alice_, id);
    EXPECT_EQ(view.submission.status, domain::SubmissionStatus::kUploaded);
    EXPECT_EQ(StatusOf(alice_, id), "uploaded");
    const auto log = reads_->LogLines(alice_, id);
    ASSERT_GE(log.size(), 4u);
    EXPECT_EQ(log[0], "[2026-11-26 05:49:49]: Submission " + id + " was created");
    EXPECT_EQ(log.back(), "[2026-11-26 05:49:49] Submission upload was completed.");
    const UploadState state = uploads_->UploadStatus(alice_, 3, id);
    EXPECT_TRUE(state.completed);
    EXPECT_TRUE(state.remaining.empty());
    ExpectError([&] { uploads_->PrepareUpload(alice_, 3, id, "legacy_submission.zip", std::nullopt); },
                ErrorKind::kInvalidInput, "does not accept any more parts");
    ExpectError([&] { reads_->Get(bob_, id); }, ErrorKind::kForbidden);
    completion_->RecoverPending();  // nothing to resume, nothing changed
    completion_->WaitIdle();
    EXPECT_EQ(StatusOf(alice_, id), "uploaded");
}

}  // namespace
}  // namespace zr::submissions::testing
