// Migration 0005 and its queries: queue positions, the submission-limit count (against
// domain::CountsTowardLimit), score versions, current failures.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "db/database.hpp"
#include "db/evaluation_job_repository.hpp"
#include "db/migrations.hpp"
#include "db/repositories.hpp"
#include "db/score_version_repository.hpp"
#include "domain/submission_history.hpp"
#include "domain_printers.hpp"
#include "temp_database.hpp"

namespace zr::db {
namespace {

namespace fs = std::filesystem;

using domain::JobState;
using domain::SubmissionStatus;
using test_support::At;

class HistoryDbTest : public test_support::TempDatabaseTest {
protected:
    void AddJob(const std::string& id, const std::string& submission, const std::string& created,
                JobState state = JobState::kQueued, const std::string& host = "gpu1",
                const std::string& failure_kind = "", std::optional<int> exit_code = {}) {
        EvaluationJobRow job;
        job.id = id;
        job.submission_id = submission;
        job.state = state;
        job.host = host;
        job.created_at = At(created);
        job.failure_kind = failure_kind;
        job.exit_code = exit_code;
        EvaluationJobRepository(Conn()).Create(job);
    }
    void AddSubmission(const std::string& id, SubmissionStatus status, domain::UserId user = 1,
                       domain::ChallengeId track = 1) {
        SubmissionRepository(Conn()).Create({id, user, track, At("2024-05-01 10:00:00.000000"), status});
    }
};

TEST_F(HistoryDbTest, QueuePositionCountsQueuedJobsOfTheSameHostInCreationOrder) {
    AddJob("a", "s1", "2024-05-06 10:00:00.000000");
    AddJob("b", "s2", "2024-05-06 10:00:01.000000");
    AddJob("other-host", "s3", "2024-05-06 10:00:00.500000", JobState::kQueued, "gpu2");
    AddJob("running", "s4", "2024-05-06 09:00:00.000000", JobState::kRunning);
    AddJob("same-time", "s5", "2024-05-06 10:00:01.000000");  // same created_at as b: inserted after it
    AddJob("c", "s6", "2024-05-06 10:00:02.000000");
    EvaluationJobRepository jobs(Conn());
    EXPECT_EQ(jobs.QueuePosition("a"), 1);
    EXPECT_EQ(jobs.QueuePosition("b"), 2);
    EXPECT_EQ(jobs.QueuePosition("same-time"), 3);
    EXPECT_EQ(jobs.QueuePosition("c"), 4);
    EXPECT_EQ(jobs.QueuePosition("other-host"), 1);
    EXPECT_EQ(jobs.QueuePosition("running"), std::nullopt);
    EXPECT_EQ(jobs.QueuePosition("unknown"), std::nullopt);

    auto a = *jobs.Find("a");  // the first one starts: everyone moves up
    a.state = JobState::kRunning;
    jobs.Update(a);
    EXPECT_EQ(jobs.QueuePosition("b"), 1);
    EXPECT_EQ(jobs.QueuePosition("c"), 3);
}

TEST_F(HistoryDbTest, QueuePositionIsAnIndexRangeScan) {
    auto plan = Conn().Prepare(
        "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM evaluation_jobs AS other, evaluation_jobs AS job "
        "WHERE job.id = 'x' AND job.state = 'queued' AND other.state = 'queued' AND other.host IS job.host "
        "AND other.created_at <= job.created_at AND (other.created_at < job.created_at OR other.rowid <= job.rowid)");
    std::string text;
    while (plan.Step()) text += plan.Text(3) + "\n";
    EXPECT_NE(text.find("ix_evaluation_jobs_queue (state=? AND host=? AND created_at<?)"), std::string::npos) << text;
    EXPECT_EQ(text.find("SCAN"), std::string::npos) << text;
}

TEST_F(HistoryDbTest, CountTowardLimitAgreesWithTheDomainRule) {
    struct Case {
        SubmissionStatus status;
        std::optional<JobState> job_state;
        std::string failure_kind;
        std::optional<int> exit_code;
    };
    const std::vector<Case> cases = {
        {SubmissionStatus::kUploading, {}, "", {}},
        {SubmissionStatus::kCompleted, JobState::kCompleted, "", 0},
        {SubmissionStatus::kOnQueue, JobState::kQueued, "", {}},
        {SubmissionStatus::kInvalid, {}, "", {}},
        {SubmissionStatus::kCanceled, JobState::kCanceled, "", {}},
        {SubmissionStatus::kFailed, {}, "", {}},                         // upload never completed
        {SubmissionStatus::kFailed, JobState::kFailed, "platform", {}},  // lost worker, refusal...
        {SubmissionStatus::kFailed, JobState::kFailed, "platform", 0},   // scores not returned
        {SubmissionStatus::kFailed, JobState::kFailed, "evaluator", 1},  // the evaluator said no
        {SubmissionStatus::kFailed, JobState::kFailed, "", 1},           // no kind recorded: derived (evaluator)
        {SubmissionStatus::kFailed, JobState::kFailed, "", {}},          // no kind recorded: derived (platform)
        {SubmissionStatus::kFailed, JobState::kCompleted, "", 0},        // set by an administrator
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        const domain::UserId user = static_cast<domain::UserId>(100 + i);
        const std::string id = "case-" + std::to_string(i);
        AddSubmission(id, c.status, user);
        std::optional<domain::CurrentJob> current;
        if (c.job_state) {
            AddJob("old-" + id, id, "2024-05-01 10:00:00.000000", JobState::kFailed, "gpu1", "evaluator",
                   1);  // superseded
            AddJob("job-" + id, id, "2024-05-01 11:00:00.000000", *c.job_state, "gpu1", c.failure_kind, c.exit_code);
            current = domain::CurrentJob{"job-" + id, *c.job_state, std::nullopt};
            if (*c.job_state == JobState::kFailed) {
                current->failure_kind = domain::ParseFailureKind(c.failure_kind);
                if (!current->failure_kind) current->failure_kind = domain::DeriveFailureKind(c.exit_code);
            }
        }
        const int expected = domain::CountsTowardLimit(c.status, current) ? 1 : 0;
        EXPECT_EQ(SubmissionRepository(Conn()).CountTowardLimit(user, 1, std::nullopt), expected)
            << domain::ToString(c.status) << " " << (c.job_state ? domain::ToString(*c.job_state) : "-") << " "
            << c.failure_kind;
    }
    // The rule itself, spelled out for the cases that matter.
    EXPECT_FALSE(domain::CountsTowardLimit(SubmissionStatus::kFailed,
                                           domain::CurrentJob{"j", JobState::kFailed, domain::FailureKind::kPlatform}));
    EXPECT_TRUE(domain::CountsTowardLimit(SubmissionStatus::kFailed,
                                          domain::CurrentJob{"j", JobState::kFailed, domain::FailureKind::kEvaluator}));
    EXPECT_FALSE(domain::CountsTowardLimit(SubmissionStatus::kFailed, std::nullopt));
    EXPECT_TRUE(domain::CountsTowardLimit(SubmissionStatus::kCompleted, std::nullopt));
}

TEST_F(HistoryDbTest, CountTowardLimitHonoursSinceAndOwner) {
    AddSubmission("old", SubmissionStatus::kCompleted, 1);
    SubmissionRepository(Conn()).Create({"new", 1, 1, At("2024-05-03 10:00:00.000000"), SubmissionStatus::kFailed});
    AddJob("j-new", "new", "2024-05-03 10:00:01.000000", JobState::kFailed, "gpu1", "evaluator", 1);
    AddSubmission("theirs", SubmissionStatus::kCompleted, 2);
    SubmissionRepository repository(Conn());
    EXPECT_EQ(repository.CountTowardLimit(1, 1, std::nullopt), 2);
    EXPECT_EQ(repository.CountTowardLimit(1, 1, At("2024-05-02 00:00:00.000000")), 1);
    EXPECT_EQ(repository.CountTowardLimit(1, 2, std::nullopt), 0);
}

TEST_F(HistoryDbTest, ScoreVersionsAreNumberedPerSubmission) {
    ScoreVersionRepository versions(Conn());
    ScoreVersionRow row;
    row.submission_id = "s1";
    row.created_at = At("2024-05-06 10:00:00.000000");
    const auto legacy = versions.Add(row);  // no job: scores from before the record
    EXPECT_EQ(legacy.version, 1);
    EXPECT_EQ(legacy.history_name, "v1");
    row.job_id = "job-2";
    row.evaluator_label = "abx";
    row.script_sha256 = "ff";
    const auto second = versions.Add(row);
    EXPECT_EQ(second.version, 2);
    EXPECT_EQ(second.history_name, "job-2");
    row.submission_id = "s2";
    row.job_id = "job-3";
    EXPECT_EQ(versions.Add(row).version, 1);

    EXPECT_EQ(versions.Newest("s1")->job_id, "job-2");
    EXPECT_EQ(versions.Newest("s1")->evaluator_label, "abx");
    EXPECT_EQ(versions.FindByJob("job-3")->submission_id, "s2");
    EXPECT_FALSE(versions.Newest("s3"));
    const auto listed = versions.List("s1");
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].job_id, std::nullopt);
    EXPECT_EQ(listed[1].script_sha256, "ff");
    row.submission_id = "s1";
    EXPECT_THROW(versions.Add(row), UniqueViolation);  // job-3 is recorded already
}

TEST_F(HistoryDbTest, BoardCandidatesCarryTheNewestVersionAndTheCurrentJob) {
    AddSubmission("done", SubmissionStatus::kCompleted);
    AddSubmission("rerun", SubmissionStatus::kOnQueue);
    AddSubmission("never", SubmissionStatus::kFailed);
    AddSubmission("hidden", SubmissionStatus::kInvalid);
    AddSubmission("elsewhere", SubmissionStatus::kCompleted, 1, 2);
    ScoreVersionRepository versions(Conn());
    ScoreVersionRow row;
    row.created_at = At("2024-05-06 10:00:00.000000");
    for (const char* id : {"rerun", "rerun", "hidden"}) {
        row.submission_id = id;
        row.job_id.reset();
        versions.Add(row);
    }
    AddJob("rerun-job", "rerun", "2024-05-06 11:00:00.000000");
    const auto candidates = versions.ListBoardCandidates(1);
    ASSERT_EQ(candidates.size(), 3u);
    EXPECT_EQ(candidates[0].submission_id, "done");
    EXPECT_FALSE(candidates[0].newest);
    EXPECT_EQ(candidates[0].status, SubmissionStatus::kCompleted);
    EXPECT_FALSE(candidates[0].current);
    EXPECT_EQ(candidates[1].submission_id, "never");
    EXPECT_EQ(candidates[2].submission_id, "rerun");
    ASSERT_TRUE(candidates[2].newest);
    EXPECT_EQ(candidates[2].newest->history_name, "v2");
    EXPECT_EQ(candidates[2].status, SubmissionStatus::kOnQueue);
    ASSERT_TRUE(candidates[2].current);
    EXPECT_EQ(candidates[2].current->id, "rerun-job");
    EXPECT_EQ(candidates[2].current->state, JobState::kQueued);
}

TEST_F(HistoryDbTest, CurrentFailuresIgnoreSupersededJobs) {
    AddJob("f1", "s1", "2024-05-06 10:00:00.000000", JobState::kFailed, "gpu1", "platform");
    AddJob("f2", "s2", "2024-05-06 10:00:00.000000", JobState::kFailed, "gpu1", "evaluator", 1);
    AddJob("f2-rerun", "s2", "2024-05-06 11:00:00.000000", JobState::kCompleted);
    const auto failed = EvaluationJobRepository(Conn()).ListCurrentFailed();
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].id, "f1");
    EXPECT_EQ(failed[0].failure_kind, "platform");
    EXPECT_EQ(EvaluationJobRepository(Conn()).CountForSubmission("s2"), 2);
}

TEST(HistoryMigrationTest, ExistingFailedJobsGetAKindAndALabel) {
    const test_support::TempDir temp;
    const fs::path& dir = temp.path();
    {
        Connection raw(dir / "zerospeech.db");
        for (const auto& migration : detail::EmbeddedMigrations()) {
            if (migration.version > 4) break;
            raw.Exec(migration.sql);
        }
        raw.Exec("PRAGMA user_version = 4");
        raw.Exec(
            "INSERT INTO evaluators (id, label, host, executor, script_path, base_arguments) "
            "VALUES (3, 'abx', NULL, 'bash', '/srv/abx.sh', '')");
        const char* insert =
            "INSERT INTO evaluation_jobs (id, submission_id, evaluator_id, state, created_at, exit_code) "
            "VALUES (?1, 's', 3, ?2, '2024-05-06 10:00:00.000000', ?3)";
        auto exit1 = raw.Prepare(insert);
        exit1.Bind(1, std::string_view("exit1")).Bind(2, std::string_view("failed")).Bind(3, std::int64_t{1}).Run();
        auto lost = raw.Prepare(insert);
        lost.Bind(1, std::string_view("lost")).Bind(2, std::string_view("failed")).BindNull(3).Run();
        auto ok = raw.Prepare(insert);
        ok.Bind(1, std::string_view("ok")).Bind(2, std::string_view("completed")).Bind(3, std::int64_t{0}).Run();
    }
    {
        Database db(dir / "zerospeech.db");
        EXPECT_EQ(db.SchemaVersion(), Database::LatestSchemaVersion());
        auto conn = db.Acquire();
        EvaluationJobRepository jobs(*conn);
        EXPECT_EQ(jobs.Find("exit1")->failure_kind, "evaluator");
        EXPECT_EQ(jobs.Find("lost")->failure_kind, "platform");
        EXPECT_EQ(jobs.Find("ok")->failure_kind, "");
        EXPECT_EQ(jobs.Find("ok")->evaluator_label, "abx");
    }
}

}  // namespace
}  // namespace zr::db
