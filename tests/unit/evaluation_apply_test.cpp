// EvaluationService::Apply: status changes, out.log lines, e-mails, and idempotence (duplicates,
// late updates, old jobs, canceled jobs). A complete update ends the job at once; the submission
// becomes completed (with its e-mail) once its challenge's leaderboards were rebuilt, which
// WaitIdle() waits for (read-your-writes).
#include "evaluation_fixture.hpp"

namespace zr::evaluation::testing {
namespace {

class ApplyTest : public EvaluationTest {
protected:
    void SetUp() override {
        EvaluationTest::SetUp();
        AddBoard();
        id_ = AddSubmission(SubmissionStatus::kUploaded);
        job_ = service_->Enqueue(id_);
        std::ofstream(store_->ScoresDir(id_) / "entry.json") << R"({"score": 1})";
    }
    // The submission ids on the challenge's leaderboard file.
    std::vector<std::string> Board() {
        std::vector<std::string> ids;
        const nlohmann::json board = leaderboards_->ReadJson(leaderboards_->List().at(0).id);
        for (const auto& entry : board.at("data")) {
            ids.push_back(entry.value("submission_id", std::string()));
        }
        return ids;
    }
    bool Apply(UpdateType type, unsigned attempt = 1, const std::string& worker = "w1") {
        return service_->Apply(MakeUpdate(type, job_, id_, attempt, worker));
    }
    std::vector<mail::Message> Mails() {
        mail_queue_->Flush();
        return mailer_.Sent();
    }
    std::string id_;
    std::string job_;
};

TEST_F(ApplyTest, StartedHeartbeatComplete) {
    ASSERT_TRUE(Apply(UpdateType::kStarted));
    EXPECT_EQ(Status(id_), SubmissionStatus::kEvaluating);
    auto row = *Job(job_);
    EXPECT_EQ(row.state, JobState::kRunning);
    EXPECT_EQ(row.attempts, 1);
    EXPECT_EQ(row.worker, "w1");
    EXPECT_EQ(row.host, "evalhost");
    EXPECT_TRUE(row.started_at);
    EXPECT_TRUE(LogContains(id_, "evaluation started on evalhost (worker w1, attempt 1)"));

    EXPECT_TRUE(Apply(UpdateType::kHeartbeat));
    EXPECT_TRUE(Job(job_)->heartbeat_at);

    ASSERT_TRUE(Apply(UpdateType::kComplete));
    row = *Job(job_);
    EXPECT_EQ(row.state, JobState::kCompleted);
    EXPECT_EQ(row.exit_code, 0);
    EXPECT_TRUE(row.finished_at);
    EXPECT_TRUE(LogContains(id_, "evaluation completed"));
    // Not completed before its leaderboards show it (the rebuild is coalesced: not yet done).
    EXPECT_EQ(Status(id_), SubmissionStatus::kEvaluating);
    EXPECT_TRUE(Board().empty());
    EXPECT_TRUE(Mails().empty());
    service_->WaitIdle();
    EXPECT_EQ(Status(id_), SubmissionStatus::kCompleted);
    EXPECT_EQ(Board(), std::vector<std::string>{id_});  // whoever sees "completed" finds the entry
    EXPECT_TRUE(LogContains(id_, "scores published on the leaderboards of track; status changed to completed"));
    auto mails = Mails();
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].to, "alice@example.org");
    EXPECT_NE(mails[0].subject.find("completed"), std::string::npos);
    EXPECT_NE(mails[0].text_body.find(id_), std::string::npos);
    EXPECT_NE(mails[0].html_body.find(id_), std::string::npos);
}

// A result may come before the worker's "started" (out of order): the submission goes from
// on_queue to completed, still after the rebuild.
TEST_F(ApplyTest, CompleteWithoutStartedIsPublishedFromOnQueue) {
    ASSERT_TRUE(Apply(UpdateType::kComplete));
    EXPECT_EQ(Job(job_)->state, JobState::kCompleted);
    EXPECT_EQ(Status(id_), SubmissionStatus::kOnQueue);
    service_->WaitIdle();
    EXPECT_EQ(Status(id_), SubmissionStatus::kCompleted);
    EXPECT_EQ(Board(), std::vector<std::string>{id_});
    EXPECT_EQ(Mails().size(), 1u);
}

// A status an administrator forced while the rebuild was pending wins: nothing is published over it.
TEST_F(ApplyTest, StatusForcedBeforeThePublicationIsKept) {
    ASSERT_TRUE(Apply(UpdateType::kStarted));
    ASSERT_TRUE(Apply(UpdateType::kComplete));
    SetStatus(id_, SubmissionStatus::kInvalid);
    service_->WaitIdle();
    EXPECT_EQ(Status(id_), SubmissionStatus::kInvalid);
    EXPECT_TRUE(Mails().empty());
}

TEST_F(ApplyTest, FailedRecordsTheReason) {
    ASSERT_TRUE(Apply(UpdateType::kStarted));
    ASSERT_TRUE(Apply(UpdateType::kFailed));
    EXPECT_EQ(Status(id_), SubmissionStatus::kFailed);
    EXPECT_EQ(Job(job_)->reason, "exit status 1");
    EXPECT_EQ(Job(job_)->exit_code, 1);
    EXPECT_TRUE(LogContains(id_, "evaluation failed: exit status 1 (exit code 1)"));
    auto mails = Mails();
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_NE(mails[0].subject.find("failed"), std::string::npos);
    EXPECT_NE(mails[0].text_body.find("exit status 1"), std::string::npos);
}

TEST_F(ApplyTest, DuplicateCompleteChangesNothing) {
    ASSERT_TRUE(Apply(UpdateType::kStarted));
    EXPECT_FALSE(Apply(UpdateType::kStarted));  // duplicate delivery of started
    ASSERT_TRUE(Apply(UpdateType::kComplete));
    const auto before = *Job(job_);
    EXPECT_FALSE(Apply(UpdateType::kComplete));
    EXPECT_EQ(Job(job_)->finished_at, before.finished_at);
    service_->WaitIdle();
    EXPECT_FALSE(Apply(UpdateType::kComplete));  // after the publication too
    service_->WaitIdle();
    EXPECT_EQ(Status(id_), SubmissionStatus::kCompleted);
    EXPECT_EQ(Mails().size(), 1u);  // one e-mail only
}

TEST_F(ApplyTest, LateFailedOrStartedAfterCompleteIsIgnored) {
    ASSERT_TRUE(Apply(UpdateType::kStarted));
    ASSERT_TRUE(Apply(UpdateType::kComplete));
    EXPECT_FALSE(Apply(UpdateType::kFailed));
    EXPECT_FALSE(Apply(UpdateType::kStarted, 2, "w2"));
    EXPECT_FALSE(Apply(UpdateType::kHeartbeat));
    EXPECT_FALSE(Apply(UpdateType::kCanceled));
    EXPECT_EQ(Job(job_)->state, JobState::kCompleted);
    service_->WaitIdle();
    EXPECT_EQ(Status(id_), SubmissionStatus::kCompleted);
    EXPECT_EQ(Job(job_)->state, JobState::kCompleted);
    EXPECT_EQ(Job(job_)->reason, "");
}

TEST_F(ApplyTest, UpdateForAnOldJobAfterRequeueIsIgnored) {
    ASSERT_TRUE(Apply(UpdateType::kStarted));
    ASSERT_TRUE(Apply(UpdateType::kFailed));
    const std::string old_job = job_;
    job_ = service_->Enqueue(id_);
    EXPECT_EQ(Status(id_), SubmissionStatus::kOnQueue);
    EXPECT_FALSE(service_->Apply(MakeUpdate(UpdateType::kStarted, old_job, id_, 2)));
    EXPECT_FALSE(service_->Apply(MakeUpdate(UpdateType::kComplete, old_job, id_)));
    EXPECT_EQ(Status(id_), SubmissionStatus::kOnQueue);
    EXPECT_EQ(Job(job_)->state, JobState::kQueued);
    EXPECT_EQ(Job(old_job)->state, JobState::kFailed);
    // The new job's own updates apply.
    EXPECT_TRUE(Apply(UpdateType::kStarted));
    EXPECT_TRUE(Apply(UpdateType::kComplete));
    EXPECT_EQ(Status(id_), SubmissionStatus::kEvaluating);  // until its leaderboards are rebuilt
    service_->WaitIdle();
    EXPECT_EQ(Status(id_), SubmissionStatus::kCompleted);
}

TEST_F(ApplyTest, CanceledStaysCanceled) {
    ASSERT_TRUE(Apply(UpdateType::kStarted));
    service_->Cancel(id_);
    EXPECT_FALSE(Apply(UpdateType::kHeartbeat));
    EXPECT_FALSE(Apply(UpdateType::kComplete));
    EXPECT_FALSE(Apply(UpdateType::kFailed));
    EXPECT_FALSE(Apply(UpdateType::kCanceled));  // the worker's acknowledgement of the kill
    EXPECT_EQ(Status(id_), SubmissionStatus::kCanceled);
    EXPECT_EQ(Job(job_)->state, JobState::kCanceled);
    EXPECT_TRUE(Mails().empty());
}

TEST_F(ApplyTest, HandedOutAgainAfterALostWorker) {
    ASSERT_TRUE(Apply(UpdateType::kStarted, 1, "w1"));
    // w1's lease expired; w2 got the job as attempt 2.
    ASSERT_TRUE(Apply(UpdateType::kStarted, 2, "w2"));
    EXPECT_EQ(Job(job_)->attempts, 2);
    EXPECT_EQ(Job(job_)->worker, "w2");
    EXPECT_TRUE(LogContains(id_, "(worker w2, attempt 2)"));
    // The first run's late reports and a late start of attempt 1 change nothing.
    EXPECT_FALSE(Apply(UpdateType::kHeartbeat, 1, "w1"));
    EXPECT_FALSE(Apply(UpdateType::kFailed, 1, "w1"));
    EXPECT_FALSE(Apply(UpdateType::kStarted, 1, "w1"));
    EXPECT_EQ(Job(job_)->state, JobState::kRunning);
    EXPECT_TRUE(Apply(UpdateType::kComplete, 2, "w2"));
    service_->WaitIdle();
    EXPECT_EQ(Status(id_), SubmissionStatus::kCompleted);
}

TEST_F(ApplyTest, UnknownJobOrSubmission) {
    EXPECT_FALSE(service_->Apply(MakeUpdate(UpdateType::kStarted, "nope", id_)));
    EXPECT_FALSE(service_->Apply(MakeUpdate(UpdateType::kStarted, job_, "other")));
    EXPECT_EQ(Status(id_), SubmissionStatus::kOnQueue);
}

TEST_F(ApplyTest, FailedWithoutStartedStillFinishesTheJob) {
    // e.g. a worker that gave up after too many attempts reports failed without starting.
    ASSERT_TRUE(Apply(UpdateType::kFailed, 4, "w9"));
    EXPECT_EQ(Status(id_), SubmissionStatus::kFailed);
    EXPECT_EQ(Job(job_)->worker, "w9");
}

}  // namespace
}  // namespace zr::evaluation::testing
