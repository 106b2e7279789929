// LeaderboardRepository::Create (the reads live with the submissions' in submission_repository.cpp).
#include <string>

#include "db/repositories.hpp"
#include "db/row_reader.hpp"

namespace zr::db {
namespace {

// No AUTOINCREMENT in the table (as in the first implementation): the id is computed under the
// insert's lock. external_entries and sorting_key are NULL when empty, as the first version left them.
constexpr std::string_view kInsertLeaderboard =
    "INSERT INTO leaderboards (id, challenge_id, label, path_to, entry_file, archived, external_entries, "
    "static_files, sorting_key) "
    "SELECT COALESCE(MAX(id), 0) + 1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM leaderboards";

void BindTextOrNull(Statement& stmt, int index, const std::string& value) {
    if (value.empty()) {
        stmt.BindNull(index);
    } else {
        stmt.Bind(index, value);
    }
}

}  // namespace

domain::LeaderboardId LeaderboardRepository::Create(const domain::Leaderboard& board) {
    auto stmt = conn_.Prepare(kInsertLeaderboard);
    stmt.Bind(1, board.challenge_id).Bind(2, board.label).Bind(3, board.path_to).Bind(4, board.entry_file);
    detail::BindBool(stmt, 5, board.archived);
    BindTextOrNull(stmt, 6, board.external_entries);
    detail::BindBool(stmt, 7, board.static_files);
    BindTextOrNull(stmt, 8, board.sorting_key);
    stmt.Run();
    return conn_.LastInsertRowId();
}

}  // namespace zr::db
