// What the participant sees of a submission's evaluation (status details, newest scores) and the
// submission limits' refund of platform failures.
#include "db/evaluation_job_repository.hpp"
#include "db/score_version_repository.hpp"
#include "submissions_fixture.hpp"

namespace zr::submissions::testing {
namespace {

class HistoryTest : public ServiceTest {
protected:
    // A job row of `submission` (created `minutes` after a fixed time).
    void AddJob(const std::string& job_id, const std::string& submission, int minutes, const std::string& state,
                const std::string& failure_kind = "", const std::string& host = "gpu1") {
        db::EvaluationJobRow job;
        job.id = job_id;
        job.submission_id = submission;
        job.state = *domain::ParseJobState(state);
        job.host = host;
        job.failure_kind = failure_kind;
        job.reason = failure_kind.empty() ? "" : "reason of " + job_id;
        job.created_at = *ParseDateTime("2024-05-06 10:00:00") + std::chrono::minutes(minutes);
        auto conn = db_->Acquire();
        db::EvaluationJobRepository(*conn).Create(job);
    }
    void SetRowStatus(const std::string& id, const std::string& status) {
        auto conn = db_->Acquire();
        db::SubmissionRepository(*conn).ForceStatus(id, *domain::ParseSubmissionStatus(status));
    }
    void WriteEntry(const fs::path& scores_dir, const std::string& json) {
        fs::create_directories(scores_dir);
        WriteFile(scores_dir / "entry.json", json);
    }
};

TEST_F(HistoryTest, PlatformFailuresDoNotCountTowardTheLimitEvaluatorFailuresDo) {
    settings_.max_submissions_total = 1;
    const std::string first = CreateSingle(alice_, "1");
    ExpectError([&] { CreateSingle(alice_, "2"); }, ErrorKind::kRateLimited, "in total");

    SetRowStatus(first, "failed");
    AddJob("j1", first, 0, "failed", "evaluator");  // the evaluator rejected it: it counts
    ExpectError([&] { CreateSingle(alice_, "2"); }, ErrorKind::kRateLimited, "in total");

    AddJob("j2", first, 1, "failed", "platform");  // re-run, and the platform failed it: refunded
    const std::string second = CreateSingle(alice_, "2");
    ExpectError([&] { CreateSingle(alice_, "3"); }, ErrorKind::kRateLimited, "in total");

    settings_.max_submissions_total = 0;
    settings_.max_submissions_per_day = 2;
    SetRowStatus(second, "failed");  // no job at all: the upload never completed
    CreateSingle(alice_, "3");
    CreateSingle(alice_, "4");
    ExpectError([&] { CreateSingle(alice_, "5"); }, ErrorKind::kRateLimited, "per day");
}

TEST_F(HistoryTest, DetailsNameTheFailure) {
    const std::string id = CreateSingle(alice_, "1");
    StatusDetails details = reads_->Details(alice_, id);
    EXPECT_EQ(domain::ToString(details.status), "uploading");
    EXPECT_FALSE(details.queue_position);
    EXPECT_FALSE(details.failure);
    EXPECT_EQ(details.evaluations, 0);

    SetRowStatus(id, "failed");
    details = reads_->Details(alice_, id);
    ASSERT_TRUE(details.failure);
    EXPECT_EQ(details.failure->kind, domain::FailureKind::kPlatform);  // no job: the upload failed
    EXPECT_FALSE(details.failure->counts_toward_limit);

    AddJob("j1", id, 0, "failed", "platform");
    details = reads_->Details(alice_, id);
    EXPECT_EQ(details.failure->kind, domain::FailureKind::kPlatform);
    EXPECT_EQ(details.failure->reason, "reason of j1");
    EXPECT_FALSE(details.failure->counts_toward_limit);
    EXPECT_EQ(details.evaluations, 1);

    AddJob("j2", id, 1, "failed", "evaluator");
    details = reads_->Details(alice_, id);
    EXPECT_EQ(details.failure->kind, domain::FailureKind::kEvaluator);
    EXPECT_TRUE(details.failure->counts_toward_limit);
    EXPECT_EQ(details.evaluations, 2);

    AddJob("j3", id, 2, "completed");  // failed by hand over a completed evaluation
    details = reads_->Details(alice_, id);
    EXPECT_EQ(details.failure->kind, std::nullopt);
    EXPECT_EQ(details.failure->reason, "status set by an administrator");
    EXPECT_TRUE(details.failure->counts_toward_limit);

    ExpectError([&] { reads_->Details(bob_, id); }, ErrorKind::kForbidden);
    ExpectError([&] { reads_->Details(alice_, "nope"); }, ErrorKind::kNotFound);
}

TEST_F(HistoryTest, QueuePositionWhileWaiting) {
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        ids.push_back(CreateSingle(alice_, std::to_string(i)));
        SetRowStatus(ids.back(), "on_queue");
        AddJob("q" + std::to_string(i), ids.back(), i, "queued");
    }
    const std::string elsewhere = CreateSingle(alice_, "x");
    SetRowStatus(elsewhere, "on_queue");
    AddJob("qx", elsewhere, -5, "queued", "", "gpu2");
    EXPECT_EQ(reads_->Details(alice_, ids[0]).queue_position, 1);
    EXPECT_EQ(reads_->Details(alice_, ids[2]).queue_position, 3);
    EXPECT_EQ(reads_->Details(alice_, elsewhere).queue_position, 1);  // another host's queue
    SetRowStatus(ids[0], "evaluating");
    {
        auto conn = db_->Acquire();
        db::EvaluationJobRepository jobs(*conn);
        auto job = *jobs.Find("q0");
        job.state = domain::JobState::kRunning;
        jobs.Update(job);
    }
    EXPECT_FALSE(reads_->Details(alice_, ids[0]).queue_position);
    EXPECT_EQ(reads_->Details(alice_, ids[2]).queue_position, 2);
}

TEST_F(HistoryTest, ScoresShowTheKeptVersionWhileARerunIsPending) {
    {
        auto conn = db_->Acquire();
        domain::Leaderboard board;
        board.challenge_id = open_id_;
        board.label = "main";
        board.path_to = "main.json";
        board.entry_file = "scores/entry.json";
        db::LeaderboardRepository(*conn).Create(board);
    }
    const std::string id = CreateSingle(alice_, "1");
    SetRowStatus(id, "completed");
    AddJob("j1", id, 0, "completed");
    {
        auto conn = db_->Acquire();
        db::ScoreVersionRow row;
        row.submission_id = id;
        row.job_id = "j1";
        row.created_at = clock_.Now();
        db::ScoreVersionRepository(*conn).Add(row);
    }
    WriteEntry(store_->ScoresDir(id), R"({"score": 1})");
    EXPECT_EQ(reads_->Scores(alice_, id), nlohmann::json({{"main", {{"score", 1}}}}));

    ASSERT_TRUE(store_->KeepScoresAside(id, "j1"));  // what a re-queue does
    AddJob("j2", id, 1, "queued");
    SetRowStatus(id, "on_queue");
    EXPECT_EQ(reads_->Scores(alice_, id), nlohmann::json({{"main", {{"score", 1}}}}));
    EXPECT_EQ(reads_->Details(alice_, id).score_versions, 1);

    SetRowStatus(id, "failed");  // the re-run failed: still the kept scores
    EXPECT_EQ(reads_->Scores(alice_, id), nlohmann::json({{"main", {{"score", 1}}}}));

    WriteEntry(store_->ScoresDir(id), R"({"score": 2})");  // the re-run completed
    SetRowStatus(id, "completed");
    EXPECT_EQ(reads_->Scores(alice_, id), nlohmann::json({{"main", {{"score", 2}}}}));
}

}  // namespace
}  // namespace zr::submissions::testing
