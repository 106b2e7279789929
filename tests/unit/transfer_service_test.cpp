// TransferService: the worker token, job states, the input archive, log appends and the scores
// swap (md5 and hostile archives leave scores/ untouched).
#include "transfer_fixture.hpp"

namespace zr::transfer::testing {
namespace {

using domain::JobState;

// --- token ---------------------------------------------------------------------------------------

// The token reaches Authorize parsed from "Authorization: Bearer <token>" (api::BearerToken,
// tested in api_bearer_token_test.cpp): nullopt when the request had none.
TEST_F(TransferFixture, RightTokenPasses) {
    EXPECT_TRUE(service_->Enabled());
    EXPECT_NO_THROW(service_->Authorize(std::string_view(kToken)));
}

TEST_F(TransferFixture, MissingOrWrongTokenIs401) {
    const auto message = [&](std::optional<std::string_view> token) {
        try {
            service_->Authorize(token);
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::kUnauthenticated);
            EXPECT_EQ(e.form(), BodyForm::kDetail);
            return e.message();
        }
        ADD_FAILURE() << "accepted";
        return std::string();
    };
    EXPECT_EQ(message(std::nullopt), "Not authenticated");
    EXPECT_EQ(message(""), "Invalid worker token");
    EXPECT_EQ(message("wrong"), "Invalid worker token");
    EXPECT_EQ(message(std::string(kToken) + "x"), "Invalid worker token");
    EXPECT_EQ(message(std::string(kToken).substr(0, 5)), "Invalid worker token");
    EXPECT_EQ(message(std::string(kToken) + " "), "Invalid worker token");        // blanks are trimmed before
    EXPECT_EQ(message("Bearer " + std::string(kToken)), "Invalid worker token");  // the header, unparsed
}

TEST_F(TransferFixture, WithoutConfiguredTokenEverythingIs404) {
    const settings::Settings off = Load("");
    TransferService disabled(*db_, *store_, off, clock_);
    EXPECT_FALSE(disabled.Enabled());
    try {
        disabled.Authorize(std::string_view(kToken));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
        EXPECT_EQ(e.message(), "Not Found");
        EXPECT_EQ(e.form(), BodyForm::kDetail);
    }
    // Even an empty token does not match an empty configured one; no token is 404 too.
    EXPECT_EQ(KindOf([&] { disabled.Authorize(""); }), ErrorKind::kNotFound);
    EXPECT_EQ(KindOf([&] { disabled.Authorize(std::nullopt); }), ErrorKind::kNotFound);
}

// --- job state and input -------------------------------------------------------------------------

TEST_F(TransferFixture, JobViewAndUnknownJob) {
    AddJob("job-1", JobState::kQueued);
    const JobView job = service_->Job("job-1");
    EXPECT_EQ(job.job_id, "job-1");
    EXPECT_EQ(job.submission_id, kSubmission);
    EXPECT_EQ(job.state, JobState::kQueued);
    EXPECT_FALSE(job.quiet_seconds);
    EXPECT_EQ(KindOf([&] { service_->Job("nope"); }), ErrorKind::kNotFound);
}

TEST_F(TransferFixture, ARunningJobSaysHowLongItsRunHasBeenQuiet) {
    AddJob("job-1", JobState::kRunning);
    {
        auto conn = db_->Acquire();
        db::EvaluationJobRepository jobs(*conn);
        auto row = *jobs.Find("job-1");
        row.attempts = 2;
        row.started_at = std::chrono::system_clock::now() - std::chrono::seconds(100);
        row.heartbeat_at = std::chrono::system_clock::now() - std::chrono::seconds(30);
        jobs.Update(row);
    }
    const JobView job = service_->Job("job-1");
    EXPECT_EQ(job.attempts, 2);
    ASSERT_TRUE(job.quiet_seconds);
    EXPECT_GE(*job.quiet_seconds, 29.0);  // since the heartbeat, not the start
    EXPECT_LT(*job.quiet_seconds, 90.0);
}

TEST_F(TransferFixture, InputWhileQueuedOrRunningWithTheDeclaredMd5) {
    AddJob("job-1", JobState::kQueued);
    const InputArchive archive = service_->Input("job-1");
    EXPECT_EQ(archive.path, store_->ArchivePath(kSubmission));
    EXPECT_EQ(archive.md5, archive_md5_);
    AddJob("job-2", JobState::kRunning, 1);
    EXPECT_EQ(service_->Input("job-2").md5, archive_md5_);
}

TEST_F(TransferFixture, InputMd5ComesFromTheManifestOfMultipartSubmissions) {
    AddJob("job-1", JobState::kRunning);
    fs::remove(store_->ArchiveHashPath(kSubmission));
    storage::UploadManifest manifest;
    manifest.merge_hash = "0123456789ABCDEF0123456789ABCDEF";
    fs::create_directories(store_->TmpDir(kSubmission));
    store_->WriteManifest(kSubmission, manifest);
    EXPECT_EQ(service_->Input("job-1").md5, "0123456789abcdef0123456789abcdef");
}

TEST_F(TransferFixture, InputRefusedForFinishedJobs) {
    for (const JobState state : {JobState::kCompleted, JobState::kFailed, JobState::kCanceled}) {
        const std::string id = "job-" + std::string(domain::ToString(state));
        AddJob(id, state, static_cast<int>(id.size()));
        EXPECT_EQ(KindOf([&] { service_->Input(id); }), ErrorKind::kConflict) << domain::ToString(state);
    }
}

TEST_F(TransferFixture, MissingArchiveIs404) {
    AddJob("job-1", JobState::kRunning);
    fs::remove(store_->ArchivePath(kSubmission));
    EXPECT_EQ(KindOf([&] { service_->Input("job-1"); }), ErrorKind::kNotFound);
}

TEST_F(TransferFixture, ASupersededJobCanNoLongerWrite) {
    AddJob("old", JobState::kRunning);
    AddJob("new", JobState::kQueued, 5);  // re-queued: the old job is not the submission's job any more
    EXPECT_EQ(KindOf([&] { service_->AppendLog("old", "late line\n"); }), ErrorKind::kConflict);
    EXPECT_EQ(KindOf([&] { service_->PrepareScores("old"); }), ErrorKind::kConflict);
    EXPECT_EQ(Log().find("late line"), std::string::npos);
}

// --- log -----------------------------------------------------------------------------------------

TEST_F(TransferFixture, LogIsAppendedWholeWhileRunning) {
    AddJob("job-1", JobState::kRunning);
    const std::string before = Log();
    service_->AppendLog("job-1", "line 1\nline 2\n");
    service_->AppendLog("job-1", "partial last line");
    service_->AppendLog("job-1", "");
    EXPECT_EQ(Log(), before + "line 1\nline 2\npartial last line\n");
}

TEST_F(TransferFixture, LogRefusedUnlessRunning) {
    AddJob("job-1", JobState::kQueued);
    EXPECT_EQ(KindOf([&] { service_->AppendLog("job-1", "x\n"); }), ErrorKind::kConflict);
    AddJob("job-2", JobState::kCompleted, 1);
    EXPECT_EQ(KindOf([&] { service_->AppendLog("job-2", "x\n"); }), ErrorKind::kConflict);
    EXPECT_EQ(KindOf([&] { service_->AppendLog("nope", "x\n"); }), ErrorKind::kNotFound);
    EXPECT_EQ(Log().find("x\n"), std::string::npos);
}

TEST_F(TransferFixture, LogChunkOverOneMebibyteIs413) {
    AddJob("job-1", JobState::kRunning);
    const std::string big(TransferService::kMaxLogBytes + 1, 'a');
    EXPECT_EQ(KindOf([&] { service_->AppendLog("job-1", big); }), ErrorKind::kTooLarge);
    EXPECT_NO_THROW(service_->AppendLog("job-1", std::string(TransferService::kMaxLogBytes, 'b')));
}

// --- scores --------------------------------------------------------------------------------------

TEST_F(TransferFixture, ScoresReplaceTheFolderWhenTheMd5Matches) {
    AddJob("job-1", JobState::kRunning);
    const ScoresTicket ticket = service_->PrepareScores("job-1");
    EXPECT_EQ(ticket.job.job_id, "job-1");
    EXPECT_EQ(ticket.job.submission_id, kSubmission);
    EXPECT_EQ(ticket.job.state, JobState::kRunning);
    const fs::path zip = SpoolZip(ticket, {{"score.txt", "new", std::nullopt, false},
                                           {"sub/", "", std::nullopt, true},
                                           {"sub/entry.json", "{\"a\": 1}", std::nullopt, false}});
    const std::string md5 = crypto::Md5OfFile(zip.string());
    const ScoresReceived received = service_->AcceptScores(ticket, zip, md5, md5);
    EXPECT_EQ(received.md5, md5);
    EXPECT_EQ(received.bytes, 3u + 8u);
    EXPECT_EQ(Scores(), "new");
    EXPECT_EQ(ReadFile(store_->ScoresDir(kSubmission) / "sub" / "entry.json"), "{\"a\": 1}");
    // Nothing left beside scores/ (no staging or old folder).
    EXPECT_TRUE(ScoresLeftovers().empty());
}

TEST_F(TransferFixture, SpoolFilesAreCreatedInTheSubmissionsTmpFolder) {
    AddJob("job-1", JobState::kRunning);
    const ScoresTicket ticket = service_->PrepareScores("job-1");
    SpoolFile spool = service_->NewSpoolFile(ticket);
    EXPECT_EQ(spool.path.parent_path(), store_->TmpDir(kSubmission));
    spool.file->Append("partial");
    spool.file->Close();
    SpoolFile other = service_->NewSpoolFile(ticket);
    EXPECT_NE(other.path, spool.path);
    service_->DiscardSpoolFile(spool.path);
    service_->DiscardSpoolFile(spool.path);  // absent: nothing to do, no throw
    EXPECT_FALSE(fs::exists(spool.path));
    EXPECT_TRUE(fs::exists(other.path));
}

TEST_F(TransferFixture, UpperCaseDeclaredMd5IsAccepted) {
    AddJob("job-1", JobState::kRunning);
    const ScoresTicket ticket = service_->PrepareScores("job-1");
    const fs::path zip = SpoolZip(ticket, {{"score.txt", "new", std::nullopt, false}});
    std::string md5 = crypto::Md5OfFile(zip.string());
    std::string upper = md5;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    service_->AcceptScores(ticket, zip, md5, upper);
    EXPECT_EQ(Scores(), "new");
}

TEST_F(TransferFixture, Md5MismatchLeavesScoresUntouched) {
    AddJob("job-1", JobState::kRunning);
    const ScoresTicket ticket = service_->PrepareScores("job-1");
    const fs::path zip = SpoolZip(ticket, {{"score.txt", "new", std::nullopt, false}});
    const std::string md5 = crypto::Md5OfFile(zip.string());
    EXPECT_EQ(KindOf([&] { service_->AcceptScores(ticket, zip, md5, std::string(32, '0')); }),
              ErrorKind::kInvalidInput);
    EXPECT_EQ(Scores(), "old");
    EXPECT_TRUE(ScoresLeftovers().empty());
}

TEST_F(TransferFixture, HostileZipIsRefusedAndScoresUntouched) {
    AddJob("job-1", JobState::kRunning);
    const ScoresTicket ticket = service_->PrepareScores("job-1");
    const std::vector<std::vector<zr::testing_zip::Entry>> hostile = {
        {{"../escape.txt", "x", std::nullopt, false}},
        {{"/abs.txt", "x", std::nullopt, false}},
        {{"link", "/etc/passwd", 0120777u, false}},
    };
    for (const auto& entries : hostile) {
        const fs::path zip = SpoolZip(ticket, entries);
        const std::string md5 = crypto::Md5OfFile(zip.string());
        EXPECT_EQ(KindOf([&] { service_->AcceptScores(ticket, zip, md5, md5); }), ErrorKind::kInvalidInput)
            << entries[0].name;
        EXPECT_EQ(Scores(), "old");
    }
    EXPECT_FALSE(fs::exists(store_->Folder(kSubmission) / "escape.txt"));
    EXPECT_FALSE(fs::exists(store_->root() / "escape.txt"));
    // A file that is not a zip at all.
    const fs::path junk = SpoolZip(ticket, {});
    WriteFile(junk, "not a zip");
    const std::string md5 = crypto::Md5OfFile(junk.string());
    EXPECT_EQ(KindOf([&] { service_->AcceptScores(ticket, junk, md5, md5); }), ErrorKind::kInvalidInput);
    EXPECT_EQ(Scores(), "old");
    EXPECT_TRUE(ScoresLeftovers().empty());
}

TEST_F(TransferFixture, ScoresRefusedUnlessRunning) {
    AddJob("job-1", JobState::kQueued);
    EXPECT_EQ(KindOf([&] { service_->PrepareScores("job-1"); }), ErrorKind::kConflict);
    // AcceptScores checks the job again after the body: a ticket (here a forged one) is no licence.
    const ScoresTicket queued{JobView{"job-1", kSubmission, JobState::kRunning}};
    const fs::path zip = SpoolZip(queued, {{"score.txt", "new", std::nullopt, false}});
    const std::string md5 = crypto::Md5OfFile(zip.string());
    EXPECT_EQ(KindOf([&] { service_->AcceptScores(queued, zip, md5, md5); }), ErrorKind::kConflict);
    AddJob("job-2", JobState::kCanceled, 1);
    const ScoresTicket canceled{JobView{"job-2", kSubmission, JobState::kRunning}};
    EXPECT_EQ(KindOf([&] { service_->AcceptScores(canceled, zip, md5, md5); }), ErrorKind::kConflict);
    EXPECT_EQ(Scores(), "old");
    EXPECT_TRUE(ScoresLeftovers().empty());
}

// Canceled while its scores were being received: the scores already sent are not published.
TEST_F(TransferFixture, JobCanceledDuringTheUploadKeepsTheOldScores) {
    AddJob("job-1", JobState::kRunning);
    const ScoresTicket ticket = service_->PrepareScores("job-1");
    const fs::path zip = SpoolZip(ticket, {{"score.txt", "new", std::nullopt, false}});
    {
        auto conn = db_->Acquire();
        db::EvaluationJobRepository jobs(*conn);
        auto job = *jobs.Find("job-1");
        job.state = JobState::kCanceled;
        jobs.Update(job);
    }
    const std::string md5 = crypto::Md5OfFile(zip.string());
    EXPECT_EQ(KindOf([&] { service_->AcceptScores(ticket, zip, md5, md5); }), ErrorKind::kConflict);
    EXPECT_EQ(Scores(), "old");
    EXPECT_TRUE(ScoresLeftovers().empty());
}

TEST_F(TransferFixture, EmptyScoresArchiveEmptiesTheFolder) {
    AddJob("job-1", JobState::kRunning);
    const ScoresTicket ticket = service_->PrepareScores("job-1");
    const fs::path zip = SpoolZip(ticket, {{"keep/", "", std::nullopt, true}});
    const std::string md5 = crypto::Md5OfFile(zip.string());
    service_->AcceptScores(ticket, zip, md5, md5);
    EXPECT_FALSE(fs::exists(store_->ScoresDir(kSubmission) / "score.txt"));
    EXPECT_TRUE(fs::is_directory(store_->ScoresDir(kSubmission) / "keep"));
}

}  // namespace
}  // namespace zr::transfer::testing
