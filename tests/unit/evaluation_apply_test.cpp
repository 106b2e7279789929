// EvaluationService::Apply: status changes, out.log lines, e-mails, and idempotence (duplicates,
// late updates, old jobs, canceled jobs).
#include "evaluation_fixture.hpp"

namespace zr::evaluation::testing {
namespace {

class ApplyTest : public EvaluationTest {
protected:
    void SetUp() override {
        EvaluationTest::SetUp();
        id_ = AddSubmission("uploaded");
        job_ = service_->Enqueue(id_);
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
    EXPECT_EQ(Status(id_), "evaluating");
    auto row = *Job(job_);
    EXPECT_EQ(row.state, "running");
    EXPECT_EQ(row.attempts, 1);
    EXPECT_EQ(row.worker, "w1");
    EXPECT_EQ(row.host, "evalhost");
    EXPECT_TRUE(row.started_at);
    EXPECT_TRUE(LogContains(id_, "evaluation started on evalhost (worker w1, attempt 1)"));

    EXPECT_TRUE(Apply(UpdateType::kHeartbeat));
    EXPECT_TRUE(Job(job_)->heartbeat_at);

    ASSERT_TRUE(Apply(UpdateType::kComplete));
    EXPECT_EQ(Status(id_), "completed");
    row = *Job(job_);
    EXPECT_EQ(row.state, "completed");
    EXPECT_EQ(row.exit_code, 0);
    EXPECT_TRUE(row.finished_at);
    EXPECT_TRUE(LogContains(id_, "evaluation completed"));
    auto mails = Mails();
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].to, "alice@example.org");
    EXPECT_NE(mails[0].subject.find("completed"), std::string::npos);
    EXPECT_NE(mails[0].text_body.find(id_), std::string::npos);
    EXPECT_NE(mails[0].html_body.find(id_), std::string::npos);
}

TEST_F(ApplyTest, FailedRecordsTheReason) {
    ASSERT_TRUE(Apply(UpdateType::kStarted));
    ASSERT_TRUE(Apply(UpdateType::kFailed));
    EXPECT_EQ(Status(id_), "failed");
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
    EXPECT_EQ(Mails().size(), 1u);  // one e-mail only
}

TEST_F(ApplyTest, LateFailedOrStartedAfterCompleteIsIgnored) {
    ASSERT_TRUE(Apply(UpdateType::kStarted));
    ASSERT_TRUE(Apply(UpdateType::kComplete));
    EXPECT_FALSE(Apply(UpdateType::kFailed));
    EXPECT_FALSE(Apply(UpdateType::kStarted, 2, "w2"));
    EXPECT_FALSE(Apply(UpdateType::kHeartbeat));
    EXPECT_FALSE(Apply(UpdateType::kCanceled));
    EXPECT_EQ(Status(id_), "completed");
    EXPECT_EQ(Job(job_)->state, "completed");
    EXPECT_EQ(Job(job_)->reason, "");
}

TEST_F(ApplyTest, UpdateForAnOldJobAfterRequeueIsIgnored) {
    ASSERT_TRUE(Apply(UpdateType::kStarted));
    ASSERT_TRUE(Apply(UpdateType::kFailed));
    const std::string old_job = job_;
    job_ = service_->Enqueue(id_);
    EXPECT_EQ(Status(id_), "on_queue");
    EXPECT_FALSE(service_->Apply(MakeUpdate(UpdateType::kStarted, old_job, id_, 2)));
    EXPECT_FALSE(service_->Apply(MakeUpdate(UpdateType::kComplete, old_job, id_)));
    EXPECT_EQ(Status(id_), "on_queue");
    EXPECT_EQ(Job(job_)->state, "queued");
    EXPECT_EQ(Job(old_job)->state, "failed");
    // The new job's own updates apply.
    EXPECT_TRUE(Apply(UpdateType::kStarted));
    EXPECT_TRUE(Apply(UpdateType::kComplete));
    EXPECT_EQ(Status(id_), "completed");
}

TEST_F(ApplyTest, CanceledStaysCanceled) {
    ASSERT_TRUE(Apply(UpdateType::kStarted));
    service_->Cancel(id_);
    EXPECT_FALSE(Apply(UpdateType::kHeartbeat));
    EXPECT_FALSE(Apply(UpdateType::kComplete));
    EXPECT_FALSE(Apply(UpdateType::kFailed));
    EXPECT_FALSE(Apply(UpdateType::kCanceled));  // the worker's acknowledgement of the kill
    EXPECT_EQ(Status(id_), "canceled");
    EXPECT_EQ(Job(job_)->state, "canceled");
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
    EXPECT_EQ(Job(job_)->state, "running");
    EXPECT_TRUE(Apply(UpdateType::kComplete, 2, "w2"));
    EXPECT_EQ(Status(id_), "completed");
}

TEST_F(ApplyTest, UnknownJobOrSubmission) {
    EXPECT_FALSE(service_->Apply(MakeUpdate(UpdateType::kStarted, "nope", id_)));
    EXPECT_FALSE(service_->Apply(MakeUpdate(UpdateType::kStarted, job_, "other")));
    EXPECT_EQ(Status(id_), "on_queue");
}

TEST_F(ApplyTest, FailedWithoutStartedStillFinishesTheJob) {
    // e.g. a worker that gave up after too many attempts reports failed without starting.
    ASSERT_TRUE(Apply(UpdateType::kFailed, 4, "w9"));
    EXPECT_EQ(Status(id_), "failed");
    EXPECT_EQ(Job(job_)->worker, "w9");
}

}  // namespace
}  // namespace zr::evaluation::testing
