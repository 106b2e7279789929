#include <string>

#include "db/repositories.hpp"

namespace zr::db {
namespace {

// The list of accepted current statuses is appended as ?3, ?4, ...
constexpr std::string_view kSetStatusIfPrefix =
    "UPDATE challenge_submissions SET status = ?2 WHERE id = ?1 AND status IN (";

}  // namespace

bool SubmissionRepository::SetStatusIf(std::string_view id, const std::vector<std::string_view>& from,
                                       std::string_view status) {
    if (from.empty()) return false;
    std::string sql(kSetStatusIfPrefix);
    for (std::size_t i = 0; i < from.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(i + 3);
    sql += ")";
    auto stmt = conn_.Prepare(sql);
    stmt.Bind(1, id).Bind(2, status);
    for (std::size_t i = 0; i < from.size(); ++i) stmt.Bind(static_cast<int>(i + 3), from[i]);
    stmt.Run();
    return conn_.Changes() > 0;
}

}  // namespace zr::db
