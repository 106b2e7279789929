// Submission history (issue 8 part 4): failure kinds in messages and jobs, the e-mail of a
// platform failure, score versions kept across re-runs, challenge-wide re-runs and the history.
#include "db/score_version_repository.hpp"
#include "evaluation_fixture.hpp"

namespace zr::evaluation::testing {
namespace {

using domain::FailureKind;

class HistoryTest : public EvaluationTest {
protected:
    void SetUp() override {
        EvaluationTest::SetUp();
        auto conn = db_->Acquire();
        domain::Leaderboard board;
        board.challenge_id = challenge_;
        board.label = "main";
        board.path_to = "main.json";
        board.entry_file = "scores/entry.json";
        db::LeaderboardRepository(*conn).Create(board);
    }
    // Runs the submission's current job to its end: started (with a script checksum), then `end`,
    // and its publication.
    void Finish(const std::string& id, const std::string& job, UpdateType end, std::optional<FailureKind> kind = {},
                std::optional<int> exit_code = {}) {
        Update started = MakeUpdate(UpdateType::kStarted, job, id);
        started.script_sha256 = "sha-" + job;
        started.evaluator_version = "1.2";
        ASSERT_TRUE(service_->Apply(started));
        Update update = MakeUpdate(end, job, id);
        update.failure_kind = kind;
        if (end == UpdateType::kFailed) update.exit_code = exit_code;
        ASSERT_TRUE(service_->Apply(update));
        service_->WaitIdle();  // a completion is published (status completed) once its boards are rebuilt
        if (end == UpdateType::kComplete) {
            ASSERT_EQ(Status(id), SubmissionStatus::kCompleted);
        }
    }
    void WriteEntry(const std::string& id, const std::string& json) {
        fs::create_directories(store_->ScoresDir(id));
        std::ofstream(store_->ScoresDir(id) / "entry.json") << json;
    }
    std::vector<db::ScoreVersionRow> Versions(const std::string& id) {
        auto conn = db_->Acquire();
        return db::ScoreVersionRepository(*conn).List(id);
    }
    std::vector<mail::Message> Mails() {
        mail_queue_->Flush();
        return mailer_.Sent();
    }
    nlohmann::json Board() {
        leaderboards_->BuildForChallenge(challenge_);
        auto conn = db_->Acquire();
        const auto boards = db::LeaderboardRepository(*conn).ListByChallenge(challenge_);
        return leaderboards_->ReadJson(boards.at(0).id)["data"];
    }
};

TEST(MessagesTest, FailureKindTravelsAndOldMessagesGetADerivedOne) {
    Update update;
    update.type = UpdateType::kFailed;
    update.job_id = "j";
    update.submission_id = "s";
    update.host = "h";
    update.worker = "w";
    update.exit_code = 0;
    update.reason = "cannot return the scores: gone";
    update.failure_kind = FailureKind::kPlatform;
    nlohmann::json message = ToJson(update);
    EXPECT_EQ(message["failure_kind"], "platform");
    EXPECT_EQ(UpdateFromJson(message).failure_kind, FailureKind::kPlatform);

    // A worker of before the field: the exit code decides.
    message.erase("failure_kind");
    EXPECT_EQ(UpdateFromJson(message).failure_kind, FailureKind::kPlatform);  // exit 0: scores lost
    message["exit_code"] = 1;
    EXPECT_EQ(UpdateFromJson(message).failure_kind, FailureKind::kEvaluator);
    message["exit_code"] = nullptr;
    EXPECT_EQ(UpdateFromJson(message).failure_kind, FailureKind::kPlatform);  // lost worker, refusal
    message["failure_kind"] = "cosmic rays";                                  // unknown to this program: derived too
    EXPECT_EQ(UpdateFromJson(message).failure_kind, FailureKind::kPlatform);
    message["failure_kind"] = 7;
    EXPECT_EQ(UpdateFromJson(message).failure_kind, FailureKind::kPlatform);
    message["failure_kind"] = "evaluator";
    EXPECT_EQ(UpdateFromJson(message).failure_kind, FailureKind::kEvaluator);

    update.type = UpdateType::kStarted;
    update.failure_kind.reset();
    update.script_sha256 = "abc";
    update.evaluator_version = "2";
    const Update started = UpdateFromJson(ToJson(update));
    EXPECT_EQ(started.failure_kind, std::nullopt);
    EXPECT_EQ(started.script_sha256, "abc");
    EXPECT_EQ(started.evaluator_version, "2");
}

TEST_F(HistoryTest, JobRecordsTheEvaluatorAndItsHost) {
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string job = service_->Enqueue(id);
    auto row = *Job(job);
    EXPECT_EQ(row.evaluator_label, "abx");
    EXPECT_EQ(row.executor, "bash");
    EXPECT_EQ(row.host, "testhost");  // whose workers run it, known from the start
    Finish(id, job, UpdateType::kComplete);
    row = *Job(job);
    EXPECT_EQ(row.script_sha256, "sha-" + job);
    EXPECT_EQ(row.evaluator_version, "1.2");
    EXPECT_EQ(row.failure_kind, "");
}

TEST_F(HistoryTest, PlatformFailureIsMarkedLoggedAndMailedAsSuch) {
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string job = service_->Enqueue(id);
    Finish(id, job, UpdateType::kFailed, FailureKind::kPlatform);
    EXPECT_EQ(Status(id), SubmissionStatus::kFailed);  // the first implementation's status
    EXPECT_EQ(Job(job)->failure_kind, "platform");
    EXPECT_TRUE(LogContains(id, "does not count toward the submission limits"));
    auto mails = Mails();
    ASSERT_EQ(mails.size(), 1u);
    for (const std::string& body : {mails[0].text_body, mails[0].html_body}) {
        EXPECT_NE(body.find("problem on our side"), std::string::npos) << body;
        EXPECT_NE(body.find("does not count toward your submission limit"), std::string::npos) << body;
        EXPECT_NE(body.find("organisers were told"), std::string::npos) << body;
    }
}

TEST_F(HistoryTest, AttemptsExhaustedFailsTheRunningJob) {
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string job = service_->Enqueue(id);
    ASSERT_TRUE(service_->Apply(MakeUpdate(UpdateType::kStarted, job, id, 1, "w1")));
    // w1 died; the next delivery's worker finds the attempts exhausted and fails it without starting.
    Update stale = MakeUpdate(UpdateType::kFailed, job, id, 1, "w2");
    EXPECT_FALSE(service_->Apply(stale));  // not the run the job records
    Update exhausted = MakeUpdate(UpdateType::kFailed, job, id, 2, "w2");
    exhausted.exit_code.reset();
    exhausted.reason = "the job lost its worker 1 times";
    exhausted.failure_kind = FailureKind::kPlatform;
    ASSERT_TRUE(service_->Apply(exhausted));
    EXPECT_EQ(Status(id), SubmissionStatus::kFailed);
    const auto row = *Job(job);
    EXPECT_EQ(row.state, JobState::kFailed);
    EXPECT_EQ(row.failure_kind, "platform");
    EXPECT_EQ(row.attempts, 2);
    EXPECT_EQ(row.reason, "the job lost its worker 1 times");
    Update late = MakeUpdate(UpdateType::kComplete, job, id, 1, "w1");  // the first run's worker, too late
    EXPECT_FALSE(service_->Apply(late));
}

TEST_F(HistoryTest, EvaluatorFailureIsMarkedAndMailedPlainly) {
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string job = service_->Enqueue(id);
    Finish(id, job, UpdateType::kFailed, std::nullopt, 2);  // an older worker: no kind, exit 2
    EXPECT_EQ(Job(job)->failure_kind, "evaluator");
    EXPECT_FALSE(LogContains(id, "does not count"));
    auto mails = Mails();
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_NE(mails[0].text_body.find("failed"), std::string::npos);
    EXPECT_EQ(mails[0].text_body.find("does not count"), std::string::npos) << mails[0].text_body;
    EXPECT_EQ(mails[0].text_body.find("our side"), std::string::npos);
}

TEST_F(HistoryTest, RerunKeepsTheEarlierScoresAsAVersion) {
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string first = service_->Enqueue(id);
    WriteEntry(id, R"({"score": 1})");
    Finish(id, first, UpdateType::kComplete);
    auto versions = Versions(id);
    ASSERT_EQ(versions.size(), 1u);
    EXPECT_EQ(versions[0].version, 1);
    EXPECT_EQ(versions[0].job_id, first);
    EXPECT_EQ(versions[0].evaluator_label, "abx");
    EXPECT_EQ(versions[0].script_sha256, "sha-" + first);
    // The evaluator's entry, ranked and stamped from our records (a first-generation submission: no model).
    const auto board = Board();
    ASSERT_EQ(board.size(), 1u);
    EXPECT_EQ(board[0]["score"], 1);
    EXPECT_EQ(board[0]["rank"], 1);
    EXPECT_EQ(board[0]["submission_id"], id);
    EXPECT_EQ(board[0]["submitted_by"], "alice");
    EXPECT_TRUE(board[0]["model_id"].is_null());
    EXPECT_TRUE(board[0]["submission_date"].is_string());

    const std::string second = service_->Enqueue(id);
    EXPECT_TRUE(store_->HasScoresInHistory(id, first));
    EXPECT_FALSE(store_->HasScores(id));  // the new run starts from an empty scores/
    EXPECT_TRUE(LogContains(id, "earlier scores kept as a previous version (scores_history/" + first + ")"));
    EXPECT_EQ(Board().at(0)["score"], 1);  // queued: the board keeps the earlier version

    WriteEntry(id, R"({"score": 2})");
    Finish(id, second, UpdateType::kComplete);
    versions = Versions(id);
    ASSERT_EQ(versions.size(), 2u);
    EXPECT_EQ(versions[1].version, 2);
    EXPECT_EQ(versions[1].job_id, second);
    EXPECT_EQ(Board().at(0)["score"], 2);  // the newest

    // A third run that fails: the board keeps version 2, kept aside under the second job's name.
    const std::string third = service_->Enqueue(id);
    Finish(id, third, UpdateType::kFailed, FailureKind::kEvaluator, 1);
    EXPECT_EQ(Board().at(0)["score"], 2);
    EXPECT_EQ(Versions(id).size(), 2u);

    const ScoreHistory history = service_->History(id);
    ASSERT_EQ(history.versions.size(), 2u);
    EXPECT_EQ(history.versions[0].entries, nlohmann::json({{"main", {{"score", 1}}}}));
    EXPECT_EQ(history.versions[0].location, "scores_history/" + first + "/scores");
    EXPECT_FALSE(history.versions[0].shown);
    EXPECT_EQ(history.versions[1].entries, nlohmann::json({{"main", {{"score", 2}}}}));
    EXPECT_TRUE(history.versions[1].shown);
    ASSERT_TRUE(history.versions[1].job);
    EXPECT_EQ(history.versions[1].job->script_sha256, "sha-" + second);
    ASSERT_TRUE(history.current_job);
    EXPECT_EQ(history.current_job->id, third);
}

TEST_F(HistoryTest, ScoresWithoutARecordAreKeptOnRerun) {
    // A completed submission of the first implementation: scores, no job.
    const std::string id = AddSubmission(SubmissionStatus::kCompleted);
    WriteEntry(id, R"({"score": 7})");
    EXPECT_EQ(service_->History(id).versions.size(), 1u);  // shown as unrecorded (version 0)
    EXPECT_EQ(service_->History(id).versions[0].version.version, 0);
    service_->Enqueue(id);
    const auto versions = Versions(id);
    ASSERT_EQ(versions.size(), 1u);
    EXPECT_EQ(versions[0].job_id, std::nullopt);
    EXPECT_EQ(versions[0].history_name, "v1");
    EXPECT_TRUE(store_->HasScoresInHistory(id, "v1"));
    EXPECT_EQ(Board().at(0)["score"], 7);
}

TEST_F(HistoryTest, OutputOfAFailedRunIsNoVersion) {
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string job = service_->Enqueue(id);
    WriteEntry(id, R"({"partial": true})");
    Finish(id, job, UpdateType::kFailed, FailureKind::kEvaluator, 1);
    service_->Enqueue(id);
    EXPECT_TRUE(Versions(id).empty());
    EXPECT_TRUE(store_->HasScores(id));  // left where it was: the next run overwrites it
    EXPECT_TRUE(Board().empty());
}

TEST_F(HistoryTest, EnqueueChallengeRequeuesEveryCompletedSubmission) {
    std::vector<std::string> completed;
    for (int i = 0; i < 3; ++i) {
        completed.push_back(AddSubmission(SubmissionStatus::kCompleted));
        WriteEntry(completed.back(), R"({"score": )" + std::to_string(i) + "}");
    }
    const std::string failed = AddSubmission(SubmissionStatus::kFailed);
    const std::string other = AddSubmission(SubmissionStatus::kCompleted, bare_challenge_);

    const Rerun dry = service_->EnqueueChallenge(challenge_, true);
    EXPECT_EQ(dry.queued.size(), 3u);
    EXPECT_EQ(Status(completed[0]), SubmissionStatus::kCompleted);
    EXPECT_EQ(Ready("eval_queue"), 0u);

    const Rerun rerun = service_->EnqueueChallenge(challenge_, false);
    EXPECT_EQ(rerun.challenge_label, "track");
    ASSERT_EQ(rerun.queued.size(), 3u);
    EXPECT_TRUE(rerun.skipped.empty());
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(rerun.queued[i].first, completed[i]);
        EXPECT_EQ(Job(rerun.queued[i].second)->submission_id, completed[i]);
        EXPECT_EQ(Status(completed[i]), SubmissionStatus::kOnQueue);
    }
    EXPECT_EQ(Status(failed), SubmissionStatus::kFailed);
    EXPECT_EQ(Status(other), SubmissionStatus::kCompleted);
    EXPECT_EQ(Ready("eval_queue"), 3u);
    EXPECT_EQ(Board().size(), 3u);  // nothing blanked while the re-run waits

    ExpectError([&] { service_->EnqueueChallenge(9999, false); }, ErrorKind::kNotFound, "9999");
    ExpectError([&] { service_->EnqueueChallenge(bare_challenge_, false); }, ErrorKind::kInvalidInput,
                "has no evaluator");
    EXPECT_EQ(Status(other), SubmissionStatus::kCompleted);
}

TEST_F(HistoryTest, HistoryOfAnUnknownSubmissionIsNotFound) {
    ExpectError([&] { service_->History("nope"); }, ErrorKind::kNotFound, "nope");
    ExpectError([&] { service_->History("../etc"); }, ErrorKind::kNotFound);
}

TEST_F(HistoryTest, JobWhoseEvaluatorVanishedBeforePublishingFailsAsPlatform) {
    const std::string id = AddSubmission(SubmissionStatus::kOnQueue);
    {
        auto conn = db_->Acquire();
        db::EvaluationJobRow row;
        row.id = "orphan";
        row.submission_id = id;
        row.evaluator_id = evaluator_;
        row.state = JobState::kQueued;
        row.published = false;  // queued for RabbitMQ, the broker never confirmed
        row.created_at = clock_.Now();
        db::EvaluationJobRepository(*conn).Create(row);
        auto challenge = *db::ChallengeRepository(*conn).Find(challenge_);
        challenge.evaluator.reset();
        db::ChallengeRepository(*conn).Update(challenge);
    }
    service_->Start();
    service_->Stop();
    EXPECT_EQ(Status(id), SubmissionStatus::kFailed);
    EXPECT_EQ(Job("orphan")->state, JobState::kFailed);
    EXPECT_EQ(Job("orphan")->failure_kind, "platform");
    EXPECT_NE(Job("orphan")->reason.find("has no evaluator"), std::string::npos) << Job("orphan")->reason;
    EXPECT_EQ(Ready("eval_queue"), 0u);
    ASSERT_EQ(Mails().size(), 1u);
}

}  // namespace
}  // namespace zr::evaluation::testing
