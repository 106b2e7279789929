#include <string>

#include "db/repositories.hpp"
#include "db/row_reader.hpp"

namespace zr::db {
namespace {

constexpr std::string_view kSelectChallengeById =
    "SELECT id, label, start_date, end_date, active, url, evaluator, auto_eval FROM challenges WHERE id = ?1";
constexpr std::string_view kSelectChallengeByLabel =
    "SELECT id, label, start_date, end_date, active, url, evaluator, auto_eval FROM challenges WHERE label = ?1";
constexpr std::string_view kSelectAllChallenges =
    "SELECT id, label, start_date, end_date, active, url, evaluator, auto_eval FROM challenges ORDER BY id";
// No AUTOINCREMENT in the first implementation's table: the id is computed under the insert's lock.
constexpr std::string_view kInsertChallenge =
    "INSERT INTO challenges (id, label, start_date, end_date, active, url, evaluator, auto_eval) "
    "SELECT COALESCE(MAX(id), 0) + 1, ?1, ?2, ?3, ?4, ?5, ?6, ?7 FROM challenges";
constexpr std::string_view kUpdateChallenge =
    "UPDATE challenges SET label = ?2, start_date = ?3, end_date = ?4, active = ?5, url = ?6, "
    "evaluator = ?7, auto_eval = ?8 WHERE id = ?1";

constexpr std::string_view kSelectEvaluatorById =
    "SELECT id, label, host, executor, script_path, base_arguments FROM evaluators WHERE id = ?1";
constexpr std::string_view kSelectAllEvaluators =
    "SELECT id, label, host, executor, script_path, base_arguments FROM evaluators ORDER BY id";

domain::Challenge ReadChallenge(const Statement& stmt) {
    domain::Challenge challenge;
    challenge.id = stmt.Int(0);
    const std::string row = "id=" + std::to_string(challenge.id);
    challenge.label = stmt.Text(1);
    challenge.start_date = detail::ReadDate(stmt, 2, {"challenges", "start_date", row});
    challenge.end_date = detail::ReadOptionalDate(stmt, 3, {"challenges", "end_date", row});
    challenge.active = detail::ReadBool(stmt, 4);
    challenge.url = stmt.Text(5);
    challenge.evaluator = detail::ReadOptionalInt(stmt, 6);
    challenge.auto_eval = detail::ReadBool(stmt, 7);
    return challenge;
}

domain::Evaluator ReadEvaluator(const Statement& stmt) {
    domain::Evaluator evaluator;
    evaluator.id = stmt.Int(0);
    evaluator.label = stmt.Text(1);
    evaluator.host = detail::ReadOptionalText(stmt, 2);
    evaluator.executor = stmt.Text(3);
    evaluator.script_path = stmt.Text(4);
    evaluator.base_arguments = stmt.Text(5);
    return evaluator;
}

// Binds label..evaluator, auto_eval of a challenge at first..first+6.
template <typename ChallengeLike>
void BindChallengeFields(Statement& stmt, int first, const ChallengeLike& challenge) {
    stmt.Bind(first, challenge.label);
    detail::BindDate(stmt, first + 1, challenge.start_date);
    detail::BindOptionalDate(stmt, first + 2, challenge.end_date);
    detail::BindBool(stmt, first + 3, challenge.active);
    stmt.Bind(first + 4, challenge.url);
    detail::BindOptionalInt(stmt, first + 5, challenge.evaluator);
    detail::BindBool(stmt, first + 6, challenge.auto_eval);
}

}  // namespace

std::optional<domain::Challenge> ChallengeRepository::Find(domain::ChallengeId id) {
    auto stmt = conn_.Prepare(kSelectChallengeById);
    stmt.Bind(1, id);
    if (!stmt.Step()) return std::nullopt;
    return ReadChallenge(stmt);
}

std::optional<domain::Challenge> ChallengeRepository::FindByLabel(std::string_view label) {
    auto stmt = conn_.Prepare(kSelectChallengeByLabel);
    stmt.Bind(1, label);
    if (!stmt.Step()) return std::nullopt;
    return ReadChallenge(stmt);
}

std::vector<domain::Challenge> ChallengeRepository::List() {
    auto stmt = conn_.Prepare(kSelectAllChallenges);
    std::vector<domain::Challenge> challenges;
    while (stmt.Step()) challenges.push_back(ReadChallenge(stmt));
    return challenges;
}

domain::ChallengeId ChallengeRepository::Create(const domain::NewChallenge& challenge) {
    auto stmt = conn_.Prepare(kInsertChallenge);
    BindChallengeFields(stmt, 1, challenge);
    stmt.Run();
    return conn_.LastInsertRowId();
}

void ChallengeRepository::Update(const domain::Challenge& challenge) {
    auto stmt = conn_.Prepare(kUpdateChallenge);
    stmt.Bind(1, challenge.id);
    BindChallengeFields(stmt, 2, challenge);
    stmt.Run();
}

std::optional<domain::Evaluator> EvaluatorRepository::Find(domain::EvaluatorId id) {
    auto stmt = conn_.Prepare(kSelectEvaluatorById);
    stmt.Bind(1, id);
    if (!stmt.Step()) return std::nullopt;
    return ReadEvaluator(stmt);
}

std::vector<domain::Evaluator> EvaluatorRepository::List() {
    auto stmt = conn_.Prepare(kSelectAllEvaluators);
    std::vector<domain::Evaluator> evaluators;
    while (stmt.Step()) evaluators.push_back(ReadEvaluator(stmt));
    return evaluators;
}

}  // namespace zr::db
