#include <string>

#include "db/repositories.hpp"
#include "db/row_reader.hpp"
#include "db/user_row.hpp"

namespace zr::db {
namespace {

constexpr std::string_view kInsertSession =
    "INSERT INTO logged_users (token, user_id, expiration_date) VALUES (?1, ?2, ?3)";
// The hot path of every authenticated request: one indexed lookup (primary key prefix on token).
constexpr std::string_view kSelectSessionWithUser =
    "SELECT s.token, s.user_id, s.expiration_date, u.id, u.username, u.email, u.active, u.verified, "
    "u.hashed_pswd, u.salt, u.created_at FROM logged_users AS s JOIN users_credentials AS u ON u.id = s.user_id "
    "WHERE s.token = ?1 LIMIT 1";
constexpr std::string_view kDeleteSession = "DELETE FROM logged_users WHERE token = ?1";
constexpr std::string_view kDeleteSessionsOfUser = "DELETE FROM logged_users WHERE user_id = ?1";
constexpr std::string_view kDeleteAllSessions = "DELETE FROM logged_users";
// Stored datetimes sort as text, so comparing with FormatDateTime(now) compares times.
constexpr std::string_view kDeleteExpiredSessions =
    "DELETE FROM logged_users WHERE expiration_date IS NULL OR expiration_date <= ?1";
constexpr std::string_view kSelectLoggedUsers =
    "SELECT u.id, u.username, u.email, u.active, u.verified, u.hashed_pswd, u.salt, u.created_at, "
    "MAX(s.expiration_date) FROM logged_users AS s JOIN users_credentials AS u ON u.id = s.user_id "
    "WHERE s.expiration_date > ?1 GROUP BY u.id ORDER BY u.id";

constexpr std::string_view kInsertReset =
    "INSERT INTO password_reset_users (token, user_id, expiration_date) VALUES (?1, ?2, ?3)";
constexpr std::string_view kSelectReset =
    "SELECT token, user_id, expiration_date FROM password_reset_users WHERE token = ?1 LIMIT 1";
constexpr std::string_view kDeleteReset = "DELETE FROM password_reset_users WHERE token = ?1";
constexpr std::string_view kDeleteResetsOfUser = "DELETE FROM password_reset_users WHERE user_id = ?1";

// Tokens are secrets: error messages name a session row by its user only.
detail::CellRef ExpirationRef(std::string_view table, std::int64_t user_id) {
    return {table, "expiration_date", "user_id=" + std::to_string(user_id)};
}

// A NULL expiration (possible in the legacy schema) reads as long expired.
TimePoint ReadExpiration(const Statement& stmt, int column, std::string_view table, std::int64_t user_id) {
    return detail::ReadOptionalDateTime(stmt, column, ExpirationRef(table, user_id)).value_or(TimePoint{});
}

}  // namespace

void SessionRepository::Create(const domain::Session& session) {
    auto stmt = conn_.Prepare(kInsertSession);
    stmt.Bind(1, session.token).Bind(2, session.user_id);
    detail::BindDateTime(stmt, 3, session.expiration_date);
    stmt.Run();
}

std::optional<std::pair<domain::Session, domain::User>> SessionRepository::FindWithUser(std::string_view token) {
    auto stmt = conn_.Prepare(kSelectSessionWithUser);
    stmt.Bind(1, token);
    if (!stmt.Step()) return std::nullopt;
    domain::Session session;
    session.token = stmt.Text(0);
    session.user_id = stmt.Int(1);
    session.expiration_date = ReadExpiration(stmt, 2, "logged_users", session.user_id);
    return std::pair{std::move(session), detail::ReadUser(stmt, 3)};
}

void SessionRepository::Delete(std::string_view token) { conn_.Prepare(kDeleteSession).Bind(1, token).Run(); }

int SessionRepository::DeleteForUser(domain::UserId id) {
    conn_.Prepare(kDeleteSessionsOfUser).Bind(1, id).Run();
    return conn_.Changes();
}

int SessionRepository::DeleteAll() {
    conn_.Prepare(kDeleteAllSessions).Run();
    return conn_.Changes();
}

int SessionRepository::DeleteExpired(TimePoint now) {
    auto stmt = conn_.Prepare(kDeleteExpiredSessions);
    detail::BindDateTime(stmt, 1, now);
    stmt.Run();
    return conn_.Changes();
}

std::vector<std::pair<domain::User, TimePoint>> SessionRepository::ListLogged(TimePoint now) {
    auto stmt = conn_.Prepare(kSelectLoggedUsers);
    detail::BindDateTime(stmt, 1, now);
    std::vector<std::pair<domain::User, TimePoint>> logged;
    while (stmt.Step()) {
        domain::User user = detail::ReadUser(stmt, 0);
        const TimePoint expiration = ReadExpiration(stmt, 8, "logged_users", user.id);
        logged.emplace_back(std::move(user), expiration);
    }
    return logged;
}

void PasswordResetRepository::Create(const domain::PasswordReset& reset) {
    auto stmt = conn_.Prepare(kInsertReset);
    stmt.Bind(1, reset.token).Bind(2, reset.user_id);
    detail::BindDateTime(stmt, 3, reset.expiration_date);
    stmt.Run();
}

std::optional<domain::PasswordReset> PasswordResetRepository::Find(std::string_view token) {
    auto stmt = conn_.Prepare(kSelectReset);
    stmt.Bind(1, token);
    if (!stmt.Step()) return std::nullopt;
    domain::PasswordReset reset;
    reset.token = stmt.Text(0);
    reset.user_id = stmt.Int(1);
    reset.expiration_date = ReadExpiration(stmt, 2, "password_reset_users", reset.user_id);
    return reset;
}

void PasswordResetRepository::Delete(std::string_view token) { conn_.Prepare(kDeleteReset).Bind(1, token).Run(); }

int PasswordResetRepository::DeleteForUser(domain::UserId id) {
    conn_.Prepare(kDeleteResetsOfUser).Bind(1, id).Run();
    return conn_.Changes();
}

}  // namespace zr::db
