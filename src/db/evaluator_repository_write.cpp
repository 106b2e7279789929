// EvaluatorRepository: lookup by label and registration (evaluator:discover).
#include "db/repositories.hpp"

namespace zr::db {
namespace {

constexpr std::string_view kSelectEvaluatorIdByLabel = "SELECT id FROM evaluators WHERE label = ?1";
// No AUTOINCREMENT in the first implementation's table: the id is computed under the insert's
// lock. "WHERE true" lets SQLite parse ON CONFLICT after INSERT ... SELECT.
constexpr std::string_view kUpsertEvaluator =
    "INSERT INTO evaluators (id, label, host, executor, script_path, base_arguments) "
    "SELECT COALESCE(MAX(id), 0) + 1, ?1, ?2, ?3, ?4, ?5 FROM evaluators WHERE true "
    "ON CONFLICT (label) DO UPDATE SET host = excluded.host, executor = excluded.executor, "
    "script_path = excluded.script_path, base_arguments = excluded.base_arguments "
    "RETURNING id";

}  // namespace

std::optional<domain::Evaluator> EvaluatorRepository::FindByLabel(std::string_view label) {
    std::optional<domain::EvaluatorId> id;
    {
        auto stmt = conn_.Prepare(kSelectEvaluatorIdByLabel);
        stmt.Bind(1, label);
        if (stmt.Step()) id = stmt.Int(0);
    }
    if (!id) return std::nullopt;
    return Find(*id);
}

domain::EvaluatorId EvaluatorRepository::Upsert(const domain::Evaluator& evaluator) {
    auto stmt = conn_.Prepare(kUpsertEvaluator);
    stmt.Bind(1, evaluator.label);
    if (evaluator.host) {
        stmt.Bind(2, *evaluator.host);
    } else {
        stmt.BindNull(2);
    }
    stmt.Bind(3, evaluator.executor);
    stmt.Bind(4, evaluator.script_path);
    stmt.Bind(5, evaluator.base_arguments);
    if (!stmt.Step()) throw DbError("evaluator upsert returned no id for '" + evaluator.label + "'");
    const domain::EvaluatorId id = stmt.Int(0);
    stmt.Run();  // finishes the statement
    return id;
}

}  // namespace zr::db
