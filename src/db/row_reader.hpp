#pragma once
// Internal to zr_db: reading typed values out of result rows in the stored formats, with errors that
// name the table, column and row (a malformed value in the file must not crash the service).
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "db/database.hpp"

namespace zr::db::detail {

// Where a value comes from, for error messages: table.column of row `row`.
struct CellRef {
    std::string_view table;
    std::string_view column;
    std::string row;  // e.g. "id=3"
};

// "YYYY-MM-DD". Throws DbError if NULL or malformed.
Date ReadDate(const Statement& stmt, int column, const CellRef& ref);
// NULL -> nullopt; throws DbError if malformed.
std::optional<Date> ReadOptionalDate(const Statement& stmt, int column, const CellRef& ref);
// "YYYY-MM-DD HH:MM:SS.ffffff". Throws DbError if NULL or malformed.
TimePoint ReadDateTime(const Statement& stmt, int column, const CellRef& ref);
// NULL -> nullopt; throws DbError if malformed.
std::optional<TimePoint> ReadOptionalDateTime(const Statement& stmt, int column, const CellRef& ref);

// Booleans are stored 0/1; NULL reads as false.
inline bool ReadBool(const Statement& stmt, int column) { return stmt.Int(column) != 0; }
std::optional<std::int64_t> ReadOptionalInt(const Statement& stmt, int column);
std::optional<std::string> ReadOptionalText(const Statement& stmt, int column);
std::optional<bool> ReadOptionalBool(const Statement& stmt, int column);

// Binding the stored formats.
void BindDate(Statement& stmt, int index, Date date);
void BindOptionalDate(Statement& stmt, int index, const std::optional<Date>& date);
void BindDateTime(Statement& stmt, int index, TimePoint time);
void BindBool(Statement& stmt, int index, bool value);
void BindOptionalInt(Statement& stmt, int index, const std::optional<std::int64_t>& value);
void BindOptionalText(Statement& stmt, int index, const std::optional<std::string>& value);
void BindOptionalBool(Statement& stmt, int index, const std::optional<bool>& value);
void BindOptionalDateTime(Statement& stmt, int index, const std::optional<TimePoint>& time);

}  // namespace zr::db::detail
