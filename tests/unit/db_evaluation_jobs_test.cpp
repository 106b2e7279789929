// EvaluationJobRepository (evaluation_jobs) and SubmissionRepository::Move / ForceStatus.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "db/database.hpp"
#include "db/evaluation_job_repository.hpp"
#include "db/repositories.hpp"
#include "domain_printers.hpp"
#include "temp_database.hpp"

namespace zr::db {
namespace {

namespace fs = std::filesystem;

using domain::JobState;
using domain::SubmissionStatus;
using test_support::At;

class EvaluationJobsTest : public test_support::TempDatabaseTest {
protected:
    EvaluationJobRepository Jobs() { return EvaluationJobRepository(**lease_); }

    static EvaluationJobRow Job(std::string id, std::string submission, std::string created,
                                JobState state = JobState::kQueued) {
        EvaluationJobRow job;
        job.id = std::move(id);
        job.submission_id = std::move(submission);
        job.evaluator_id = 2;
        job.state = state;
        job.created_at = At(created);
        return job;
    }
};

TEST_F(EvaluationJobsTest, CreateAndFindRoundTripsEveryColumn) {
    auto jobs = Jobs();
    EvaluationJobRow job = Job("j1", "s1", "2024-05-06 07:08:09.250000", JobState::kRunning);
    job.attempts = 2;
    job.worker = "host-a/1";
    job.host = "host-a";
    job.published = true;
    job.started_at = At("2024-05-06 07:08:10.000000");
    job.heartbeat_at = At("2024-05-06 07:08:15.500000");
    job.finished_at = At("2024-05-06 07:09:00.000000");
    job.exit_code = 3;
    job.reason = "exit code 3";
    jobs.Create(job);
    auto found = jobs.Find("j1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->submission_id, "s1");
    EXPECT_EQ(found->evaluator_id, 2);
    EXPECT_EQ(found->state, JobState::kRunning);
    EXPECT_EQ(found->attempts, 2);
    EXPECT_EQ(found->worker, "host-a/1");
    EXPECT_EQ(found->host, "host-a");
    EXPECT_TRUE(found->published);
    EXPECT_EQ(found->created_at, job.created_at);
    EXPECT_EQ(found->started_at, job.started_at);
    EXPECT_EQ(found->heartbeat_at, job.heartbeat_at);
    EXPECT_EQ(found->finished_at, job.finished_at);
    EXPECT_EQ(found->exit_code, 3);
    EXPECT_EQ(found->reason, "exit code 3");
    EXPECT_FALSE(jobs.Find("nope"));
}

TEST_F(EvaluationJobsTest, UnsetOptionalColumnsAreNull) {
    auto jobs = Jobs();
    EvaluationJobRow job = Job("j1", "s1", "2024-05-06 07:08:09");
    job.evaluator_id.reset();
    jobs.Create(job);
    auto found = jobs.Find("j1");
    ASSERT_TRUE(found);
    EXPECT_FALSE(found->evaluator_id);
    EXPECT_FALSE(found->started_at);
    EXPECT_FALSE(found->heartbeat_at);
    EXPECT_FALSE(found->finished_at);
    EXPECT_FALSE(found->exit_code);
    EXPECT_EQ(found->worker, "");
    EXPECT_EQ(found->reason, "");
    EXPECT_FALSE(found->published);
    auto stmt = (**lease_).Prepare("SELECT worker IS NULL, host IS NULL, reason IS NULL FROM evaluation_jobs");
    ASSERT_TRUE(stmt.Step());
    EXPECT_EQ(stmt.Int(0) + stmt.Int(1) + stmt.Int(2), 3);
}

TEST_F(EvaluationJobsTest, CurrentIsTheLatestBySubmission) {
    auto jobs = Jobs();
    jobs.Create(Job("a", "s1", "2024-01-01 00:00:01"));
    jobs.Create(Job("c", "s1", "2024-01-01 00:00:03"));
    jobs.Create(Job("b", "s1", "2024-01-01 00:00:02"));
    jobs.Create(Job("d", "s2", "2024-01-01 00:00:09"));
    EXPECT_EQ(jobs.FindCurrent("s1")->id, "c");
    EXPECT_EQ(jobs.FindCurrent("s2")->id, "d");
    EXPECT_FALSE(jobs.FindCurrent("s3"));
    // Same created_at: the later insert wins.
    jobs.Create(Job("e", "s1", "2024-01-01 00:00:03"));
    EXPECT_EQ(jobs.FindCurrent("s1")->id, "e");
}

TEST_F(EvaluationJobsTest, ListFiltersByStateNewestFirst) {
    auto jobs = Jobs();
    jobs.Create(Job("a", "s1", "2024-01-01 00:00:01", JobState::kQueued));
    jobs.Create(Job("b", "s2", "2024-01-01 00:00:02", JobState::kRunning));
    jobs.Create(Job("c", "s3", "2024-01-01 00:00:03", JobState::kFailed));
    auto ids = [](const std::vector<EvaluationJobRow>& list) {
        std::vector<std::string> out;
        for (const auto& j : list) out.push_back(j.id);
        return out;
    };
    EXPECT_EQ(ids(jobs.List({})), (std::vector<std::string>{"c", "b", "a"}));
    EXPECT_EQ(ids(jobs.List({JobState::kQueued, JobState::kFailed})), (std::vector<std::string>{"c", "a"}));
    EXPECT_EQ(ids(jobs.List({JobState::kRunning})), (std::vector<std::string>{"b"}));
    EXPECT_TRUE(jobs.List({JobState::kCompleted}).empty());
}

TEST_F(EvaluationJobsTest, UpdateAndPublished) {
    auto jobs = Jobs();
    jobs.Create(Job("a", "s1", "2024-01-01 00:00:01"));
    jobs.Create(Job("b", "s2", "2024-01-01 00:00:02"));
    EXPECT_EQ(jobs.ListUnpublished().size(), 2u);
    jobs.SetPublished("a");
    auto unpublished = jobs.ListUnpublished();
    ASSERT_EQ(unpublished.size(), 1u);
    EXPECT_EQ(unpublished[0].id, "b");

    auto job = *jobs.Find("b");
    job.state = JobState::kCompleted;
    job.attempts = 1;
    job.worker = "w";
    job.exit_code = 0;
    job.finished_at = At("2024-01-01 00:01:00");
    jobs.Update(job);
    auto found = *jobs.Find("b");
    EXPECT_EQ(found.state, JobState::kCompleted);
    EXPECT_EQ(found.attempts, 1);
    EXPECT_EQ(found.worker, "w");
    EXPECT_EQ(found.exit_code, 0);
    EXPECT_EQ(found.finished_at, job.finished_at);
    EXPECT_EQ(jobs.Find("a")->state, JobState::kQueued);  // untouched
}

TEST_F(EvaluationJobsTest, MoveFollowsTheTransitionTable) {
    SubmissionRepository subs(**lease_);
    subs.Create({"s1", 1, 1, At("2024-01-01 00:00:00"), SubmissionStatus::kUploaded});
    EXPECT_FALSE(subs.Move("s1", SubmissionStatus::kCompleted));  // uploaded -> completed is not a move
    EXPECT_EQ(subs.Find("s1")->status, SubmissionStatus::kUploaded);
    EXPECT_TRUE(subs.Move("s1", SubmissionStatus::kOnQueue));
    EXPECT_EQ(subs.Find("s1")->status, SubmissionStatus::kOnQueue);
    EXPECT_FALSE(subs.Move("s1", SubmissionStatus::kOnQueue));  // never from a status to itself
    EXPECT_FALSE(subs.Move("s1", SubmissionStatus::kInvalid));
    EXPECT_FALSE(subs.Move("unknown", SubmissionStatus::kFailed));
    EXPECT_EQ(subs.Find("s1")->status, SubmissionStatus::kOnQueue);
    EXPECT_TRUE(subs.Move("s1", SubmissionStatus::kFailed));  // a result that came before the start
    EXPECT_EQ(subs.Find("s1")->status, SubmissionStatus::kFailed);
}

TEST_F(EvaluationJobsTest, ForceStatusIgnoresTheTable) {
    SubmissionRepository subs(**lease_);
    subs.Create({"s1", 1, 1, At("2024-01-01 00:00:00"), SubmissionStatus::kUploading});
    subs.ForceStatus("s1", SubmissionStatus::kInvalid);
    EXPECT_EQ(subs.Find("s1")->status, SubmissionStatus::kInvalid);
    EXPECT_FALSE(subs.Move("s1", SubmissionStatus::kOnQueue));  // invalid is final for the table
    subs.ForceStatus("s1", SubmissionStatus::kCompleted);
    EXPECT_EQ(subs.Find("s1")->status, SubmissionStatus::kCompleted);
    subs.ForceStatus("unknown", SubmissionStatus::kCompleted);  // changes nothing
    EXPECT_FALSE(subs.Find("unknown"));
}

TEST_F(EvaluationJobsTest, AwaitingPublicationIsACompletedCurrentJobOfASubmissionUnderEvaluation) {
    SubmissionRepository subs(**lease_);
    auto jobs = Jobs();
    const auto add = [&](const std::string& id, SubmissionStatus status, JobState current) {
        subs.Create({id, 1, 1, At("2024-01-01 00:00:00"), status});
        jobs.Create(Job("old-" + id, id, "2024-01-01 00:00:01", JobState::kCompleted));  // superseded
        jobs.Create(Job("job-" + id, id, "2024-01-01 00:00:02", current));
    };
    add("evaluating", SubmissionStatus::kEvaluating, JobState::kCompleted);
    add("on-queue", SubmissionStatus::kOnQueue, JobState::kCompleted);
    add("published", SubmissionStatus::kCompleted, JobState::kCompleted);
    add("running", SubmissionStatus::kEvaluating, JobState::kRunning);
    add("rerun", SubmissionStatus::kOnQueue, JobState::kQueued);
    std::vector<std::string> ids;
    for (const auto& job : jobs.ListAwaitingPublication()) ids.push_back(job.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"job-evaluating", "job-on-queue"}));
}

}  // namespace
}  // namespace zr::db
