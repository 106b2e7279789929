#pragma once
// Internal to zr_db: turning SQLite result codes into DbError / UniqueViolation.
#include <string>
#include <string_view>

struct sqlite3;

namespace zr::db::detail {

// The first few words of an SQL text (for error messages), whitespace collapsed.
std::string SqlHead(std::string_view sql);

// The column named by "UNIQUE constraint failed: table.column[, table.column2]" ("column"), or
// empty if the message has another form.
std::string UniqueColumn(std::string_view message);

// Throws UniqueViolation for a UNIQUE / PRIMARY KEY constraint failure, DbError otherwise, with
// sqlite3_errmsg(db) and SqlHead(sql) in the message.
[[noreturn]] void ThrowSqliteError(sqlite3* db, int rc, std::string_view sql);

}  // namespace zr::db::detail
