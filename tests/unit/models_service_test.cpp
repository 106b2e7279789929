// ModelService on a fresh database: ids from the clock's year, one id per creation under
// concurrency (threads and separate Database objects, as separate processes), the public listings.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "challenges/challenge_service.hpp"
#include "common/error.hpp"
#include "db/repositories.hpp"
#include "models/model_service.hpp"
#include "temp_database.hpp"

namespace zr::models {
namespace {

using test_support::At;

class FixedClock : public Clock {
public:
    explicit FixedClock(TimePoint now) : now_(now) {}
    TimePoint Now() const override { return now_; }

private:
    TimePoint now_;
};

NewModel Fields() {
    NewModel fields;
    fields.description = "probe model";
    fields.gpu_budget = "10";
    fields.train_set = "LS960";
    fields.authors = "Pro Be";
    fields.institution = "ENS";
    fields.team = "CoML";
    return fields;
}

class ModelServiceTest : public test_support::TempDatabaseTest {
protected:
    void SetUp() override {
        TempDatabaseTest::SetUp();
        challenges_.emplace(*db_, clock_);
        models_.emplace(*db_, *challenges_, clock_);
    }
    void TearDown() override {
        models_.reset();
        challenges_.reset();
        TempDatabaseTest::TearDown();
    }

    domain::ChallengeId AddChallenge(const std::string& label) {
        domain::NewChallenge challenge;
        challenge.label = label;
        challenge.start_date = *ParseDate("2021-01-01");
        challenge.active = true;
        challenge.url = "https://zerospeech.com/" + label;
        return db::ChallengeRepository(Conn()).Create(challenge);
    }

    void AddSubmission(const std::string& id, domain::ChallengeId challenge, const std::string& model_id,
                       domain::SubmissionStatus status, const std::string& date) {
        domain::Submission submission;
        submission.id = id;
        submission.user_id = 1;
        submission.track_id = challenge;
        submission.submit_date = At(date);
        submission.status = status;
        submission.model_id = model_id;
        db::SubmissionRepository(Conn()).Create(submission);
    }

    FixedClock clock_{At("2031-06-01 12:00:00")};
    std::optional<challenges::ChallengeService> challenges_;
    std::optional<ModelService> models_;
};

TEST_F(ModelServiceTest, IdsUseTheClocksYearAndCountUp) {
    EXPECT_EQ(models_->Create(1, "Be", Fields()).id, "Be31a");
    EXPECT_EQ(models_->Create(2, "Be", Fields()).id, "Be31b");
    EXPECT_EQ(models_->Create(1, "../x", Fields()).id, "x31a");
    EXPECT_EQ(models_->Create(1, "", Fields()).id, "m31a");
    const auto stored = models_->Get("Be31b");
    EXPECT_EQ(stored.user_id, 2);
    EXPECT_EQ(stored.team, "CoML");
    EXPECT_EQ(stored.created_at, clock_.Now());  // no created_at given: now
}

TEST_F(ModelServiceTest, TheClientsCreatedAtIsKept) {
    NewModel fields = Fields();
    fields.created_at = At("2026-12-07 11:56:28.016824");
    fields.paper_url = "https://arxiv.org/abs/1";
    const auto created = models_->Create(1, "Be", fields);
    EXPECT_EQ(created.created_at, At("2026-12-07 11:56:28.016824"));
    EXPECT_EQ(created.id, "Be31a");  // the id's year is the server's
    EXPECT_EQ(models_->Get("Be31a").paper_url, "https://arxiv.org/abs/1");
}

TEST_F(ModelServiceTest, UnknownModelIsA404) {
    EXPECT_FALSE(models_->Find("Be31a"));
    for (const auto& call : std::vector<std::function<void()>>{[&] { models_->Get("Be31a"); },
                                                               [&] { models_->PublishedSubmissions("Be31a"); },
                                                               [&] { models_->ChallengesOf("Be31a"); }}) {
        try {
            call();
            FAIL() << "no error for an unknown model";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
            EXPECT_EQ(e.message(), "There is no model with the following id: Be31a");
        }
    }
}

TEST_F(ModelServiceTest, ConcurrentCreationsNeverShareAnId) {
    constexpr int kThreads = 4;
    constexpr int kEach = 10;
    // Half the threads through this Database, half through a second one on the same file (another
    // process's pool): the write transaction is what serialises them, not a mutex of ours.
    db::Database other(dir_.path() / "zerospeech.db");
    challenges::ChallengeService other_challenges(other, clock_);
    ModelService other_models(other, other_challenges, clock_);
    std::vector<std::vector<std::string>> ids(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            ModelService& service = t % 2 == 0 ? *models_ : other_models;
            for (int i = 0; i < kEach; ++i) ids[t].push_back(service.Create(t + 1, "Be", Fields()).id);
        });
    }
    for (auto& thread : threads) thread.join();
    std::set<std::string> all;
    for (const auto& list : ids) all.insert(list.begin(), list.end());
    EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
    EXPECT_EQ(models_->List().size(), all.size());
    EXPECT_TRUE(all.contains("Be31a"));
    EXPECT_TRUE(all.contains("Be31an"));  // the 40th: no gap
}

TEST_F(ModelServiceTest, PublicListingsShowCompletedSubmissionsOnly) {
    const auto abx = AddChallenge("abxLS");
    const auto pros = AddChallenge("prosAudit");
    const auto model = models_->Create(1, "Be", Fields()).id;
    AddSubmission("s1", pros, model, domain::SubmissionStatus::kCompleted, "2026-01-01 00:00:00");
    AddSubmission("s2", abx, model, domain::SubmissionStatus::kCompleted, "2026-01-02 00:00:00");
    AddSubmission("s3", abx, model, domain::SubmissionStatus::kCompleted, "2026-01-03 00:00:00");
    AddSubmission("s4", abx, model, domain::SubmissionStatus::kEvaluating, "2026-01-04 00:00:00");
    AddSubmission("s5", abx, "Zed31a", domain::SubmissionStatus::kCompleted, "2026-01-05 00:00:00");

    const auto published = models_->PublishedSubmissions(model);
    ASSERT_EQ(published.size(), 3u);
    EXPECT_EQ(published[0].submission.id, "s1");
    EXPECT_EQ(published[0].challenge.label, "prosAudit");
    EXPECT_EQ(published[2].submission.id, "s3");
    EXPECT_EQ(published[2].challenge.label, "abxLS");

    const auto challenges = models_->ChallengesOf(model);
    ASSERT_EQ(challenges.size(), 2u);  // each once, by id
    EXPECT_EQ(challenges[0].label, "abxLS");
    EXPECT_EQ(challenges[1].label, "prosAudit");

    const auto of_abx = models_->PublishedSubmissionsOf(challenges_->GetByLabel("abxLS"));
    std::vector<std::string> ids;
    for (const auto& p : of_abx) ids.push_back(p.submission.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"s2", "s3", "s5"}));
}

}  // namespace
}  // namespace zr::models
