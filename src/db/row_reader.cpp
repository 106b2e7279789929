#include "db/row_reader.hpp"

namespace zr::db::detail {
namespace {

[[noreturn]] void Malformed(std::string_view what, const std::string& text, const CellRef& ref) {
    throw DbError("malformed " + std::string(what) + " '" + text + "' in " + std::string(ref.table) + "." +
                  std::string(ref.column) + " of row " + ref.row);
}

}  // namespace

Date ReadDate(const Statement& stmt, int column, const CellRef& ref) {
    auto date = ReadOptionalDate(stmt, column, ref);
    if (!date) Malformed("date", "NULL", ref);
    return *date;
}

std::optional<Date> ReadOptionalDate(const Statement& stmt, int column, const CellRef& ref) {
    if (stmt.IsNull(column)) return std::nullopt;
    const std::string text = stmt.Text(column);
    auto date = ParseDate(text);
    if (!date) Malformed("date", text, ref);
    return date;
}

TimePoint ReadDateTime(const Statement& stmt, int column, const CellRef& ref) {
    auto time = ReadOptionalDateTime(stmt, column, ref);
    if (!time) Malformed("datetime", "NULL", ref);
    return *time;
}

std::optional<TimePoint> ReadOptionalDateTime(const Statement& stmt, int column, const CellRef& ref) {
    if (stmt.IsNull(column)) return std::nullopt;
    const std::string text = stmt.Text(column);
    auto time = ParseDateTime(text);
    if (!time) Malformed("datetime", text, ref);
    return time;
}

std::optional<std::int64_t> ReadOptionalInt(const Statement& stmt, int column) {
    if (stmt.IsNull(column)) return std::nullopt;
    return stmt.Int(column);
}

std::optional<std::string> ReadOptionalText(const Statement& stmt, int column) {
    if (stmt.IsNull(column)) return std::nullopt;
    return stmt.Text(column);
}

std::optional<bool> ReadOptionalBool(const Statement& stmt, int column) {
    if (stmt.IsNull(column)) return std::nullopt;
    return ReadBool(stmt, column);
}

void BindDate(Statement& stmt, int index, Date date) { stmt.Bind(index, FormatDate(date)); }

void BindOptionalDate(Statement& stmt, int index, const std::optional<Date>& date) {
    if (date) {
        BindDate(stmt, index, *date);
    } else {
        stmt.BindNull(index);
    }
}

void BindDateTime(Statement& stmt, int index, TimePoint time) { stmt.Bind(index, FormatDateTime(time)); }

void BindBool(Statement& stmt, int index, bool value) { stmt.Bind(index, std::int64_t{value ? 1 : 0}); }

void BindOptionalInt(Statement& stmt, int index, const std::optional<std::int64_t>& value) {
    if (value) {
        stmt.Bind(index, *value);
    } else {
        stmt.BindNull(index);
    }
}

void BindOptionalText(Statement& stmt, int index, const std::optional<std::string>& value) {
    if (value) {
        stmt.Bind(index, *value);
    } else {
        stmt.BindNull(index);
    }
}

void BindOptionalBool(Statement& stmt, int index, const std::optional<bool>& value) {
    if (value) {
        BindBool(stmt, index, *value);
    } else {
        stmt.BindNull(index);
    }
}

void BindOptionalDateTime(Statement& stmt, int index, const std::optional<TimePoint>& time) {
    if (time) {
        BindDateTime(stmt, index, *time);
    } else {
        stmt.BindNull(index);
    }
}

}  // namespace zr::db::detail
