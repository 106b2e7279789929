#include <string>

#include "db/repositories.hpp"

namespace zr::db {
namespace {

// The statuses the table allows a move from are appended as ?3, ?4, ...
constexpr std::string_view kMovePrefix = "UPDATE challenge_submissions SET status = ?2 WHERE id = ?1 AND status IN (";

}  // namespace

bool SubmissionRepository::Move(std::string_view id, domain::SubmissionStatus to) {
    const std::vector<domain::SubmissionStatus> from = domain::StatusesLeadingTo(to);
    if (from.empty()) return false;
    std::string sql(kMovePrefix);
    for (std::size_t i = 0; i < from.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(i + 3);
    sql += ")";
    auto stmt = conn_.Prepare(sql);  // one text per target status: the connection's cache keeps each
    stmt.Bind(1, id).Bind(2, domain::ToString(to));
    for (std::size_t i = 0; i < from.size(); ++i) stmt.Bind(static_cast<int>(i + 3), domain::ToString(from[i]));
    stmt.Run();
    return conn_.Changes() > 0;
}

}  // namespace zr::db
