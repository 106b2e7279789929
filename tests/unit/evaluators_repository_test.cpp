// EvaluatorRepository::FindByLabel and Upsert (the write side used by evaluator:discover).
#include <gtest/gtest.h>

#include "db/repositories.hpp"
#include "evaluators_fixture.hpp"

namespace {

using zr::domain::Evaluator;

class EvaluatorRepositoryTest : public zr::evaluators::testing::EvaluatorsTest {};

Evaluator Make(const std::string& label, std::optional<std::string> host, const std::string& script) {
    Evaluator evaluator;
    evaluator.label = label;
    evaluator.host = std::move(host);
    evaluator.executor = "bash";
    evaluator.script_path = script;
    evaluator.base_arguments = "-e;-u";
    return evaluator;
}

TEST_F(EvaluatorRepositoryTest, InsertsThenUpdatesByLabel) {
    auto conn = db_->Acquire();
    zr::db::EvaluatorRepository repository(*conn);
    EXPECT_FALSE(repository.FindByLabel("a"));
    EXPECT_EQ(repository.Upsert(Make("a", std::nullopt, "/bin/a.sh")), 1);
    EXPECT_EQ(repository.Upsert(Make("b", "remote", "/bin/b.sh")), 2);

    auto a = repository.FindByLabel("a");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->id, 1);
    EXPECT_FALSE(a->host);
    EXPECT_EQ(a->script_path, "/bin/a.sh");
    EXPECT_EQ(a->base_arguments, "-e;-u");

    Evaluator changed = Make("a", "gpu1", "/other/a.py");
    changed.executor = "python";
    changed.base_arguments = "";
    EXPECT_EQ(repository.Upsert(changed), 1);  // same row
    a = repository.FindByLabel("a");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, std::optional<std::string>("gpu1"));
    EXPECT_EQ(a->executor, "python");
    EXPECT_EQ(a->script_path, "/other/a.py");
    EXPECT_EQ(a->base_arguments, "");
    EXPECT_EQ(repository.List().size(), 2u);

    EXPECT_EQ(repository.Upsert(Make("a", std::nullopt, "/bin/a.sh")), 1);  // and back to no host
    EXPECT_FALSE(repository.FindByLabel("a")->host);
}

TEST_F(EvaluatorRepositoryTest, NewIdFollowsTheLargest) {
    auto conn = db_->Acquire();
    conn->Exec(
        "INSERT INTO evaluators (id, label, executor, script_path, base_arguments) "
        "VALUES (7, 'legacy', 'bash', '/x.sh', '')");
    zr::db::EvaluatorRepository repository(*conn);
    EXPECT_EQ(repository.Upsert(Make("new", std::nullopt, "/n.sh")), 8);
    EXPECT_EQ(repository.Upsert(Make("legacy", std::nullopt, "/y.sh")), 7);
}

}  // namespace
