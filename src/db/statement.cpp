#include <sqlite3.h>

#include "db/database.hpp"
#include "db/sqlite_error.hpp"

namespace zr::db {

Statement::~Statement() {
    if (stmt_ == nullptr) return;
    if (in_use_ != nullptr) {
        // Back to the connection's cache: reset releases its read lock, bindings must not leak
        // into the next use.
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        *in_use_ = false;
    } else {
        sqlite3_finalize(stmt_);
    }
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_), in_use_(other.in_use_) {
    other.stmt_ = nullptr;
    other.in_use_ = nullptr;
}

void Statement::Fail(int rc) const { detail::ThrowSqliteError(db_, rc, sqlite3_sql(stmt_)); }

Statement& Statement::Bind(int index, std::int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) Fail(rc);
    return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
    // A default string_view has no data; SQLite would bind that as NULL, not as ''.
    const char* data = value.data() != nullptr ? value.data() : "";
    const int rc = sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) Fail(rc);
    return *this;
}

Statement& Statement::Bind(int index, const std::vector<unsigned char>& blob) {
    const int rc = blob.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                                : sqlite3_bind_blob64(stmt_, index, blob.data(), blob.size(), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) Fail(rc);
    return *this;
}

Statement& Statement::BindNull(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) Fail(rc);
    return *this;
}

bool Statement::Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Fail(rc);
}

void Statement::Run() {
    while (Step()) {
    }
}

bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
    const auto* text = sqlite3_column_text(stmt_, column);
    if (text == nullptr) return {};
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    return std::string(reinterpret_cast<const char*>(text), size);
}

std::vector<unsigned char> Statement::Blob(int column) const {
    const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, column));
    if (data == nullptr) return {};
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    return std::vector<unsigned char>(data, data + size);
}

}  // namespace zr::db
