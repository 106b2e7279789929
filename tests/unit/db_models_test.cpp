// ModelRepository (the second API generation's models) and the model side of
// SubmissionRepository, on a fresh file; the plans of the queries a request runs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "db/database.hpp"
#include "db/repositories.hpp"
#include "domain_printers.hpp"
#include "temp_database.hpp"

namespace zr::db {
namespace {

using test_support::At;

class ModelRepositoryTest : public test_support::TempDatabaseTest {
protected:
    static domain::Model MakeModel(std::string id, domain::UserId user, std::string created_at) {
        domain::Model model;
        model.id = std::move(id);
        model.user_id = user;
        model.created_at = At(created_at);
        model.description = "probe model";
        model.gpu_budget = "10";
        model.train_set = "LS960";
        model.authors = "Pro Be";
        model.institution = "ENS";
        model.team = "CoML";
        model.paper_url = "https://arxiv.org/abs/1";
        return model;
    }

    void AddSubmission(const std::string& id, const std::optional<std::string>& model_id,
                       domain::SubmissionStatus status, const std::string& date) {
        domain::Submission submission;
        submission.id = id;
        submission.user_id = 1;
        submission.track_id = 1;
        submission.submit_date = At(date);
        submission.status = status;
        submission.model_id = model_id;
        SubmissionRepository(Conn()).Create(submission);
    }

    std::string Plan(const std::string& sql) {
        auto plan = Conn().Prepare("EXPLAIN QUERY PLAN " + sql);
        std::string text;
        while (plan.Step()) text += plan.Text(3) + "\n";
        return text;
    }
};

TEST_F(ModelRepositoryTest, CreateThenFindKeepsEveryField) {
    ModelRepository models(Conn());
    domain::Model model = MakeModel("Be26a", 7, "2026-12-07 11:56:28.016824");
    model.gpu_budget.reset();
    model.code_url.reset();
    models.Create(model);
    const auto found = models.Find("Be26a");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, "Be26a");
    EXPECT_EQ(found->user_id, 7);
    EXPECT_EQ(found->created_at, At("2026-12-07 11:56:28.016824"));
    EXPECT_EQ(found->description, "probe model");
    EXPECT_FALSE(found->gpu_budget);
    EXPECT_EQ(found->train_set, "LS960");
    EXPECT_EQ(found->authors, "Pro Be");
    EXPECT_EQ(found->institution, "ENS");
    EXPECT_EQ(found->team, "CoML");
    EXPECT_EQ(found->paper_url, "https://arxiv.org/abs/1");
    EXPECT_FALSE(found->code_url);
    EXPECT_FALSE(models.Find("be26a"));  // ids are case-sensitive
    EXPECT_FALSE(models.Find("Be26"));
}

TEST_F(ModelRepositoryTest, ATakenIdIsAUniqueViolation) {
    ModelRepository models(Conn());
    models.Create(MakeModel("Be26a", 1, "2026-01-01 00:00:00"));
    try {
        models.Create(MakeModel("Be26a", 2, "2026-01-02 00:00:00"));
        FAIL() << "a second Be26a was inserted";
    } catch (const UniqueViolation& e) {
        EXPECT_EQ(e.column(), "id");
    }
    EXPECT_EQ(models.Find("Be26a")->user_id, 1);
}

TEST_F(ModelRepositoryTest, IdsStartingWithIsAnExactPrefix) {
    ModelRepository models(Conn());
    for (const char* id : {"Be26a", "Be26b", "Be26aa", "Be25a", "Be2", "Be26", "be26a", "Bea26a", "Bf26a", "m26a"}) {
        models.Create(MakeModel(id, 1, "2026-01-01 00:00:00"));
    }
    EXPECT_EQ(models.IdsStartingWith("Be26"), (std::vector<std::string>{"Be26", "Be26a", "Be26aa", "Be26b"}));
    EXPECT_EQ(models.IdsStartingWith("m26"), (std::vector<std::string>{"m26a"}));
    EXPECT_TRUE(models.IdsStartingWith("Zed26").empty());
    EXPECT_EQ(models.IdsStartingWith("").size(), 10u);
}

TEST_F(ModelRepositoryTest, ListsAreOrderedByCreationThenId) {
    ModelRepository models(Conn());
    models.Create(MakeModel("Zed26a", 2, "2026-01-01 00:00:00"));
    models.Create(MakeModel("Be26b", 1, "2026-03-01 00:00:00"));
    models.Create(MakeModel("Be26a", 1, "2026-03-01 00:00:00"));
    domain::Model unknown_date = MakeModel("m26a", 1, "2026-01-01 00:00:00");
    unknown_date.created_at.reset();
    models.Create(unknown_date);
    std::vector<std::string> all;
    for (const auto& model : models.List()) all.push_back(model.id);
    EXPECT_EQ(all, (std::vector<std::string>{"m26a", "Zed26a", "Be26a", "Be26b"}));
    std::vector<std::string> of_user;
    for (const auto& model : models.ListByUser(1)) of_user.push_back(model.id);
    EXPECT_EQ(of_user, (std::vector<std::string>{"m26a", "Be26a", "Be26b"}));
    EXPECT_TRUE(models.ListByUser(3).empty());
}

TEST_F(ModelRepositoryTest, SubmissionsOfAModelWithAndWithoutAStatus) {
    AddSubmission("s3", "Be26a", domain::SubmissionStatus::kCompleted, "2026-01-03 00:00:00");
    AddSubmission("s1", "Be26a", domain::SubmissionStatus::kCompleted, "2026-01-01 00:00:00");
    AddSubmission("s2", "Be26a", domain::SubmissionStatus::kUploading, "2026-01-02 00:00:00");
    AddSubmission("s4", "Be26b", domain::SubmissionStatus::kCompleted, "2026-01-01 00:00:00");
    AddSubmission("s5", std::nullopt, domain::SubmissionStatus::kCompleted, "2026-01-01 00:00:00");
    SubmissionRepository submissions(Conn());
    auto ids = [](const std::vector<domain::Submission>& list) {
        std::vector<std::string> out;
        for (const auto& s : list) out.push_back(s.id);
        return out;
    };
    EXPECT_EQ(ids(submissions.ListByModel("Be26a", std::nullopt)), (std::vector<std::string>{"s1", "s2", "s3"}));
    EXPECT_EQ(ids(submissions.ListByModel("Be26a", domain::SubmissionStatus::kCompleted)),
              (std::vector<std::string>{"s1", "s3"}));
    EXPECT_TRUE(submissions.ListByModel("Be26c", std::nullopt).empty());
    EXPECT_EQ(submissions.ListByModel("Be26a", std::nullopt)[0].model_id, "Be26a");
}

TEST_F(ModelRepositoryTest, ModelQueriesSearchAnIndex) {
    // The statements of model_repository.cpp and submission_repository.cpp, parameters unbound.
    const std::string by_prefix = Plan("SELECT id FROM models WHERE id >= ?1 AND id < ?2");
    EXPECT_NE(by_prefix.find("USING COVERING INDEX sqlite_autoindex_models_1 (id>? AND id<?)"), std::string::npos)
        << by_prefix;
    const std::string of_user = Plan("SELECT id FROM models WHERE user_id = ?1 ORDER BY created_at, id");
    EXPECT_NE(of_user.find("ix_models_user_id (user_id=?)"), std::string::npos) << of_user;
    const std::string of_model = Plan(
        "SELECT id FROM challenge_submissions WHERE model_id = ?1 AND (?2 IS NULL OR status = ?2) "
        "ORDER BY submit_date, id");
    EXPECT_NE(of_model.find("ix_challenge_submissions_model_id (model_id=?)"), std::string::npos) << of_model;
    for (const std::string& plan : {by_prefix, of_user, of_model}) {
        EXPECT_EQ(plan.find("SCAN models"), std::string::npos) << plan;
        EXPECT_EQ(plan.find("SCAN challenge_submissions"), std::string::npos) << plan;
    }
}

// Issue 23: a filtered submission list reads through the filter's index, never the whole table
// (the filters were "(?1 IS NULL OR user_id = ?1)", which SQLite cannot use an index for).
TEST_F(ModelRepositoryTest, FilteredSubmissionListsUseTheirIndex) {
    for (int mask = 1; mask < 8; ++mask) {
        const bool by_user = (mask & 1) != 0;
        const bool by_track = (mask & 2) != 0;
        const bool by_status = (mask & 4) != 0;
        const std::string plan = Plan(SubmissionRepository::ListSql(by_user, by_track, by_status));
        EXPECT_EQ(plan.find("SCAN challenge_submissions"), std::string::npos) << mask << ": " << plan;
        EXPECT_NE(plan.find("USING INDEX ix_challenge_submissions_"), std::string::npos) << mask << ": " << plan;
    }
    // No filter: the whole list, in order (the admin CLI's listing).
    EXPECT_NE(Plan(SubmissionRepository::ListSql(false, false, false)).find("SCAN challenge_submissions"),
              std::string::npos);
}

TEST_F(ModelRepositoryTest, FilteredSubmissionListsMatchOnlyTheGivenFilters) {
    AddSubmission("a", std::nullopt, domain::SubmissionStatus::kCompleted, "2026-01-01 10:00:00.000000");
    AddSubmission("b", std::nullopt, domain::SubmissionStatus::kFailed, "2026-01-02 10:00:00.000000");
    AddSubmission("c", std::nullopt, domain::SubmissionStatus::kCompleted, "2026-01-03 10:00:00.000000");
    SubmissionRepository submissions(Conn());
    const auto ids = [](const std::vector<domain::Submission>& list) {
        std::vector<std::string> out;
        for (const auto& s : list) out.push_back(s.id);
        return out;
    };
    using V = std::vector<std::string>;
    EXPECT_EQ(ids(submissions.List(std::nullopt, std::nullopt, std::nullopt)), (V{"a", "b", "c"}));
    EXPECT_EQ(ids(submissions.List(1, std::nullopt, std::nullopt)), (V{"a", "b", "c"}));
    EXPECT_EQ(ids(submissions.List(2, std::nullopt, std::nullopt)), V{});
    EXPECT_EQ(ids(submissions.List(std::nullopt, 1, domain::SubmissionStatus::kCompleted)), (V{"a", "c"}));
    EXPECT_EQ(ids(submissions.List(1, 1, domain::SubmissionStatus::kFailed)), V{"b"});
    EXPECT_EQ(ids(submissions.List(std::nullopt, 2, std::nullopt)), V{});
    EXPECT_EQ(ids(submissions.List(std::nullopt, std::nullopt, domain::SubmissionStatus::kUploading)), V{});
}

}  // namespace
}  // namespace zr::db
