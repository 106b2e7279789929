// Leaderboards rank each submission's newest completed scores: a re-run (queued, running, failed,
// canceled) keeps the earlier version on the board; statuses set by hand still hide a submission.
#include "db/evaluation_job_repository.hpp"
#include "db/score_version_repository.hpp"
#include "domain/submission_history.hpp"
#include "domain_printers.hpp"
#include "leaderboards_fixture.hpp"

namespace zr::leaderboards::testing {
namespace {

using domain::JobState;
using domain::SubmissionStatus;

class BoardHistoryTest : public LeaderboardTest {
protected:
    void SetUp() override {
        LeaderboardTest::SetUp();
        board_ = Create(Item("board", "-score"));
    }
    void AddJob(const std::string& job_id, const std::string& submission, int minutes, JobState state) {
        db::EvaluationJobRow job;
        job.id = job_id;
        job.submission_id = submission;
        job.state = state;
        job.created_at = *ParseDateTime("2024-05-06 10:00:00") + std::chrono::minutes(minutes);
        auto conn = db_->Acquire();
        db::EvaluationJobRepository(*conn).Create(job);
    }
    void AddVersion(const std::string& submission, const std::optional<std::string>& job) {
        db::ScoreVersionRow row;
        row.submission_id = submission;
        row.job_id = job;
        row.created_at = clock_.Now();
        auto conn = db_->Acquire();
        db::ScoreVersionRepository(*conn).Add(row);
    }
    // As an administrator's forced change (the one way around the transition table).
    void SetStatus(const std::string& id, SubmissionStatus status) {
        auto conn = db_->Acquire();
        db::SubmissionRepository(*conn).ForceStatus(id, status);
    }
    // A completed evaluation by `job` whose entry has `score`.
    std::string Evaluated(int n, const std::string& job, double score) {
        const auto id =
            AddSubmission(n, domain::SubmissionStatus::kCompleted, R"({"score": )" + std::to_string(score) + "}");
        AddJob(job, id, n, JobState::kCompleted);
        AddVersion(id, job);
        return id;
    }
    std::vector<double> Scores() {
        service_->Build(board_);
        std::vector<double> scores;
        const nlohmann::json file = BuiltFile(board_);
        for (const auto& entry : file["data"]) scores.push_back(entry["score"].get<double>());
        return scores;
    }
    domain::LeaderboardId board_ = 0;
};

TEST_F(BoardHistoryTest, RerunKeepsTheEarlierVersionUntilTheNewOneIsIn) {
    const auto a = Evaluated(1, "a1", 0.5);
    Evaluated(2, "b1", 0.7);
    EXPECT_EQ(Scores(), (std::vector<double>{0.7, 0.5}));

    // Re-queued after an evaluator fix: scores kept aside, new job queued.
    ASSERT_TRUE(store_->KeepScoresAside(a, "a1"));
    AddJob("a2", a, 10, JobState::kQueued);
    for (const SubmissionStatus status : {SubmissionStatus::kOnQueue, SubmissionStatus::kEvaluating,
                                          SubmissionStatus::kFailed, SubmissionStatus::kCanceled}) {
        SetStatus(a, status);
        EXPECT_EQ(Scores(), (std::vector<double>{0.7, 0.5})) << domain::ToString(status);
    }
    // The re-run completed with new scores: the newest version is ranked.
    WriteText(store_->ScoresDir(a) / "entry.json", R"({"score": 0.9})");
    AddVersion(a, "a2");
    SetStatus(a, SubmissionStatus::kCompleted);
    EXPECT_EQ(Scores(), (std::vector<double>{0.9, 0.7}));
}

TEST_F(BoardHistoryTest, StatusesSetByHandStillHide) {
    const auto a = Evaluated(1, "a1", 0.5);
    for (const SubmissionStatus status : {SubmissionStatus::kInvalid, SubmissionStatus::kFailed,
                                          SubmissionStatus::kCanceled, SubmissionStatus::kUploaded}) {
        SetStatus(a, status);  // no re-run: the administrator took it off the board
        EXPECT_TRUE(Scores().empty()) << domain::ToString(status);
    }
    ASSERT_TRUE(store_->KeepScoresAside(a, "a1"));
    AddJob("a2", a, 10, JobState::kQueued);
    SetStatus(a, SubmissionStatus::kInvalid);
    EXPECT_TRUE(Scores().empty());
}

TEST_F(BoardHistoryTest, ScoresWithoutRecordAndUnfinishedRequeues) {
    // First implementation's completed submission: no job, no version; ranked from scores/.
    const auto legacy = AddSubmission(1, domain::SubmissionStatus::kCompleted, R"({"score": 0.1})");
    EXPECT_EQ(Scores(), (std::vector<double>{0.1}));
    // Its re-queue recorded it as version 1 (no job) and kept it aside.
    AddVersion(legacy, std::nullopt);
    ASSERT_TRUE(store_->KeepScoresAside(legacy, "v1"));
    AddJob("l2", legacy, 10, JobState::kQueued);
    SetStatus(legacy, SubmissionStatus::kOnQueue);
    EXPECT_EQ(Scores(), (std::vector<double>{0.1}));

    // A re-queue whose transaction did not commit (crash after the move): still completed, its
    // scores kept aside under its current job's name; they stay on the board.
    const auto b = Evaluated(2, "b1", 0.3);
    ASSERT_TRUE(store_->KeepScoresAside(b, "b1"));
    EXPECT_EQ(Scores(), (std::vector<double>{0.3, 0.1}));
}

TEST(WhichScoresShownTest, Rules) {
    using domain::CurrentJob;
    using domain::ShownScores;
    using domain::WhichScoresShown;
    const domain::NewestScores v1{std::string("j1"), "j1", true};
    const std::optional<CurrentJob> j1(CurrentJob{"j1", JobState::kCompleted, std::nullopt});
    const std::optional<CurrentJob> j2(CurrentJob{"j2", JobState::kQueued, std::nullopt});
    EXPECT_EQ(WhichScoresShown(SubmissionStatus::kCompleted, std::nullopt, std::nullopt), ShownScores::kCurrent);
    EXPECT_EQ(WhichScoresShown(SubmissionStatus::kCompleted, v1, j2), ShownScores::kCurrent);   // completed by hand
    EXPECT_EQ(WhichScoresShown(SubmissionStatus::kCompleted, v1, j1), ShownScores::kArchived);  // re-queue rolled back
    EXPECT_EQ(WhichScoresShown(SubmissionStatus::kOnQueue, v1, j2), ShownScores::kArchived);
    EXPECT_EQ(WhichScoresShown(SubmissionStatus::kFailed, v1, j1), ShownScores::kNone);  // failed by hand
    EXPECT_EQ(WhichScoresShown(SubmissionStatus::kFailed, std::nullopt, j1), ShownScores::kNone);
    EXPECT_EQ(WhichScoresShown(SubmissionStatus::kInvalid, v1, j2), ShownScores::kNone);
    EXPECT_EQ(WhichScoresShown(SubmissionStatus::kUploaded, v1, j2), ShownScores::kNone);
}

// Read-your-writes: a submission whose current job completed is ranked with its new scores/ while
// its status still says on_queue or evaluating (its boards are being rebuilt; the status becomes
// completed right after).
TEST(WhichScoresShownTest, AnEvaluationAwaitingPublicationShowsItsNewScores) {
    using domain::CurrentJob;
    using domain::ShownScores;
    using domain::WhichScoresShown;
    const domain::NewestScores v1{std::string("j1"), "j1", true};
    const domain::NewestScores v2{std::string("j2"), "j2", false};
    const std::optional<CurrentJob> done(CurrentJob{"j2", JobState::kCompleted, std::nullopt});
    const std::optional<CurrentJob> running(CurrentJob{"j2", JobState::kRunning, std::nullopt});
    for (const SubmissionStatus status : {SubmissionStatus::kOnQueue, SubmissionStatus::kEvaluating}) {
        EXPECT_TRUE(domain::AwaitsPublication(status, done)) << domain::ToString(status);
        EXPECT_EQ(WhichScoresShown(status, v2, done), ShownScores::kCurrent) << domain::ToString(status);
        EXPECT_FALSE(domain::AwaitsPublication(status, running)) << domain::ToString(status);
        EXPECT_EQ(WhichScoresShown(status, v1, running), ShownScores::kArchived) << domain::ToString(status);
    }
    EXPECT_FALSE(domain::AwaitsPublication(SubmissionStatus::kCompleted, done));
    EXPECT_FALSE(domain::AwaitsPublication(SubmissionStatus::kFailed, done));
    EXPECT_FALSE(domain::AwaitsPublication(SubmissionStatus::kEvaluating, std::nullopt));
}

TEST_F(BoardHistoryTest, AnEvaluationAwaitingPublicationIsRanked) {
    const auto a = Evaluated(1, "a1", 0.5);
    ASSERT_TRUE(store_->KeepScoresAside(a, "a1"));
    AddJob("a2", a, 10, JobState::kCompleted);  // its result is in, the status not yet
    SetStatus(a, SubmissionStatus::kEvaluating);
    WriteText(store_->ScoresDir(a) / "entry.json", R"({"score": 0.9})");
    AddVersion(a, "a2");
    EXPECT_EQ(Scores(), (std::vector<double>{0.9}));
}

}  // namespace
}  // namespace zr::leaderboards::testing
