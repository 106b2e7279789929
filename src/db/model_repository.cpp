#include <string>

#include "db/repositories.hpp"
#include "db/row_reader.hpp"

namespace zr::db {
namespace {

#define ZR_MODEL_COLUMNS                                                                                   \
    "id, user_id, created_at, description, gpu_budget, train_set, authors, institution, team, paper_url, " \
    "code_url"

constexpr std::string_view kSelectModelById = "SELECT " ZR_MODEL_COLUMNS " FROM models WHERE id = ?1";
constexpr std::string_view kSelectModelsOfUser =
    "SELECT " ZR_MODEL_COLUMNS " FROM models WHERE user_id = ?1 ORDER BY created_at, id";
constexpr std::string_view kSelectAllModels = "SELECT " ZR_MODEL_COLUMNS " FROM models ORDER BY created_at, id";
// A range of the primary key's index, [prefix, prefix with its last byte raised): GLOB with a
// computed pattern would read every id. Text compares byte by byte (BINARY), as ids are matched.
constexpr std::string_view kSelectIdsWithPrefix = "SELECT id FROM models WHERE id >= ?1 AND id < ?2";
// For a prefix without an upper bound ("" or only 0xff bytes).
constexpr std::string_view kSelectIdsFrom = "SELECT id FROM models WHERE id >= ?1";
constexpr std::string_view kInsertModel =
    "INSERT INTO models (" ZR_MODEL_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

#undef ZR_MODEL_COLUMNS

domain::Model ReadModel(const Statement& stmt) {
    domain::Model model;
    model.id = stmt.Text(0);
    model.user_id = stmt.Int(1);
    // The client's clock: informative only, an unreadable value reads as unknown.
    try {
        model.created_at = detail::ReadOptionalDateTime(stmt, 2, {"models", "created_at", "id=" + model.id});
    } catch (const DbError&) {
        model.created_at.reset();
    }
    model.description = detail::ReadOptionalText(stmt, 3).value_or("");
    model.gpu_budget = detail::ReadOptionalText(stmt, 4);
    model.train_set = detail::ReadOptionalText(stmt, 5).value_or("");
    model.authors = detail::ReadOptionalText(stmt, 6).value_or("");
    model.institution = detail::ReadOptionalText(stmt, 7).value_or("");
    model.team = detail::ReadOptionalText(stmt, 8);
    model.paper_url = detail::ReadOptionalText(stmt, 9);
    model.code_url = detail::ReadOptionalText(stmt, 10);
    return model;
}

std::vector<domain::Model> ReadModels(Statement& stmt) {
    std::vector<domain::Model> models;
    while (stmt.Step()) models.push_back(ReadModel(stmt));
    return models;
}

}  // namespace

std::optional<domain::Model> ModelRepository::Find(std::string_view id) {
    auto stmt = conn_.Prepare(kSelectModelById);
    stmt.Bind(1, id);
    if (!stmt.Step()) return std::nullopt;
    return ReadModel(stmt);
}

std::vector<domain::Model> ModelRepository::ListByUser(domain::UserId user_id) {
    auto stmt = conn_.Prepare(kSelectModelsOfUser);
    stmt.Bind(1, user_id);
    return ReadModels(stmt);
}

std::vector<domain::Model> ModelRepository::List() {
    auto stmt = conn_.Prepare(kSelectAllModels);
    return ReadModels(stmt);
}

std::vector<std::string> ModelRepository::IdsStartingWith(std::string_view prefix) {
    std::string end(prefix);
    while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
    if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
    auto stmt = conn_.Prepare(end.empty() ? kSelectIdsFrom : kSelectIdsWithPrefix);
    stmt.Bind(1, prefix);
    if (!end.empty()) stmt.Bind(2, end);
    std::vector<std::string> ids;
    while (stmt.Step()) ids.push_back(stmt.Text(0));
    return ids;
}

void ModelRepository::Create(const domain::Model& model) {
    auto stmt = conn_.Prepare(kInsertModel);
    stmt.Bind(1, model.id).Bind(2, model.user_id);
    detail::BindOptionalDateTime(stmt, 3, model.created_at);
    stmt.Bind(4, model.description);
    detail::BindOptionalText(stmt, 5, model.gpu_budget);
    stmt.Bind(6, model.train_set).Bind(7, model.authors).Bind(8, model.institution);
    detail::BindOptionalText(stmt, 9, model.team);
    detail::BindOptionalText(stmt, 10, model.paper_url);
    detail::BindOptionalText(stmt, 11, model.code_url);
    stmt.Run();
}

}  // namespace zr::db
