#include <string>

#include "db/repositories.hpp"
#include "db/row_reader.hpp"
#include "db/user_row.hpp"

namespace zr::db {
namespace {

constexpr std::string_view kSelectUserById =
    "SELECT id, username, email, active, verified, hashed_pswd, salt, created_at FROM users_credentials "
    "WHERE id = ?1";
constexpr std::string_view kSelectUserByUsername =
    "SELECT id, username, email, active, verified, hashed_pswd, salt, created_at FROM users_credentials "
    "WHERE username = ?1";
constexpr std::string_view kSelectUserByEmail =
    "SELECT id, username, email, active, verified, hashed_pswd, salt, created_at FROM users_credentials "
    "WHERE email = ?1";
// Case-insensitive (ASCII) e-mail match; an exact match wins over a case-folded one.
constexpr std::string_view kSelectUserByEmailNoCase =
    "SELECT id, username, email, active, verified, hashed_pswd, salt, created_at FROM users_credentials "
    "WHERE email = ?1 COLLATE NOCASE ORDER BY email = ?1 DESC, id LIMIT 1";
constexpr std::string_view kSelectAllUsers =
    "SELECT id, username, email, active, verified, hashed_pswd, salt, created_at FROM users_credentials "
    "ORDER BY id";
// The first implementation's tables have no AUTOINCREMENT: the id is computed inside the statement,
// so that it is taken under the same write lock as the insert.
constexpr std::string_view kInsertUser =
    "INSERT INTO users_credentials (id, username, email, active, verified, hashed_pswd, salt, created_at) "
    "SELECT COALESCE(MAX(id), 0) + 1, ?1, ?2, ?3, ?4, ?5, ?6, ?7 FROM users_credentials";
constexpr std::string_view kUpdateVerified = "UPDATE users_credentials SET verified = ?2 WHERE id = ?1";
constexpr std::string_view kUpdateActive = "UPDATE users_credentials SET active = ?2 WHERE id = ?1";
constexpr std::string_view kUpdatePassword = "UPDATE users_credentials SET hashed_pswd = ?2, salt = ?3 WHERE id = ?1";
constexpr std::string_view kUpdateAllVerified = "UPDATE users_credentials SET verified = ?1";
constexpr std::string_view kUpdateAllActive = "UPDATE users_credentials SET active = ?1";

std::optional<domain::User> FindOne(Statement& stmt) {
    if (!stmt.Step()) return std::nullopt;
    return detail::ReadUser(stmt, 0);
}

}  // namespace

domain::User detail::ReadUser(const Statement& stmt, int first) {
    domain::User user;
    user.id = stmt.Int(first);
    user.username = stmt.Text(first + 1);
    user.email = stmt.Text(first + 2);
    user.active = ReadBool(stmt, first + 3);
    user.verified = stmt.Text(first + 4);
    user.hashed_pswd = stmt.Blob(first + 5);
    user.salt = stmt.Blob(first + 6);
    // Informative only (v2's profile): a value another program stored in some other format reads
    // as unknown rather than locking its owner out.
    try {
        user.created_at = ReadOptionalDateTime(stmt, first + 7, {"users_credentials", "created_at", ""});
    } catch (const DbError&) {
        user.created_at.reset();
    }
    return user;
}

std::optional<domain::User> UserRepository::FindById(domain::UserId id) {
    auto stmt = conn_.Prepare(kSelectUserById);
    stmt.Bind(1, id);
    return FindOne(stmt);
}

std::optional<domain::User> UserRepository::FindByUsername(std::string_view username) {
    auto stmt = conn_.Prepare(kSelectUserByUsername);
    stmt.Bind(1, username);
    return FindOne(stmt);
}

std::optional<domain::User> UserRepository::FindByEmail(std::string_view email) {
    auto stmt = conn_.Prepare(kSelectUserByEmail);
    stmt.Bind(1, email);
    return FindOne(stmt);
}

std::optional<domain::User> UserRepository::FindByLogin(std::string_view username_or_email) {
    if (auto user = FindByUsername(username_or_email)) return user;
    auto stmt = conn_.Prepare(kSelectUserByEmailNoCase);
    stmt.Bind(1, username_or_email);
    return FindOne(stmt);
}

std::vector<domain::User> UserRepository::List() {
    auto stmt = conn_.Prepare(kSelectAllUsers);
    std::vector<domain::User> users;
    while (stmt.Step()) users.push_back(detail::ReadUser(stmt, 0));
    return users;
}

domain::UserId UserRepository::Create(const domain::NewUser& user) {
    auto stmt = conn_.Prepare(kInsertUser);
    stmt.Bind(1, user.username).Bind(2, user.email);
    detail::BindBool(stmt, 3, user.active);
    stmt.Bind(4, user.verified).Bind(5, user.hashed_pswd).Bind(6, user.salt);
    detail::BindOptionalDateTime(stmt, 7, user.created_at);
    stmt.Run();
    return conn_.LastInsertRowId();
}

void UserRepository::SetVerified(domain::UserId id, std::string_view verified) {
    conn_.Prepare(kUpdateVerified).Bind(1, id).Bind(2, verified).Run();
}

void UserRepository::SetActive(domain::UserId id, bool active) {
    auto stmt = conn_.Prepare(kUpdateActive);
    stmt.Bind(1, id);
    detail::BindBool(stmt, 2, active);
    stmt.Run();
}

void UserRepository::SetPassword(domain::UserId id, const std::vector<unsigned char>& hashed,
                                 const std::vector<unsigned char>& salt) {
    conn_.Prepare(kUpdatePassword).Bind(1, id).Bind(2, hashed).Bind(3, salt).Run();
}

void UserRepository::SetAllVerified() { conn_.Prepare(kUpdateAllVerified).Bind(1, domain::kVerifiedMarker).Run(); }

void UserRepository::SetAllActive(bool active) {
    auto stmt = conn_.Prepare(kUpdateAllActive);
    detail::BindBool(stmt, 1, active);
    stmt.Run();
}

}  // namespace zr::db
