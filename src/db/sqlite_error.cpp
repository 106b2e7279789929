#include "db/sqlite_error.hpp"

#include <sqlite3.h>

#include <cctype>

#include "common/error.hpp"
#include "db/database.hpp"

namespace zr::db::detail {
namespace {

constexpr int kSqlHeadWords = 8;

}  // namespace

std::string SqlHead(std::string_view sql) {
    std::string head;
    int words = 0;
    bool in_space = true;
    for (char c : sql) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            in_space = true;
            continue;
        }
        if (in_space) {
            if (++words > kSqlHeadWords) return head + " ...";
            if (!head.empty()) head += ' ';
            in_space = false;
        }
        head += c;
    }
    return head;
}

std::string UniqueColumn(std::string_view message) {
    constexpr std::string_view kPrefix = "UNIQUE constraint failed: ";
    const auto start = message.find(kPrefix);
    if (start == std::string_view::npos) return {};
    std::string_view first = message.substr(start + kPrefix.size());
    first = first.substr(0, first.find(','));
    const auto dot = first.rfind('.');
    if (dot != std::string_view::npos) first = first.substr(dot + 1);
    return std::string(first);
}

void ThrowSqliteError(sqlite3* db, int rc, std::string_view sql) {
    const char* raw_message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    const std::string message = raw_message != nullptr ? raw_message : sqlite3_errstr(rc);
    const std::string what = "sqlite: " + message + " (in: " + SqlHead(sql) + ")";
    const int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
    if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
        throw UniqueViolation(UniqueColumn(message), what);
    }
    // The data folder's disk is full: the same answer as a file write that ran out of space.
    if ((extended & 0xff) == SQLITE_FULL) throw Error::OutOfSpace(what);
    throw DbError(what);
}

}  // namespace zr::db::detail
