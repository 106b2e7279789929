#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <string>
#include <unordered_map>

#include "db/database.hpp"
#include "db/sqlite_error.hpp"

namespace zr::db {
namespace {

// SQL texts are named constants, so the cache stays small; the bound only guards against a caller
// preparing generated SQL.
constexpr std::size_t kMaxCachedStatements = 128;

constexpr std::string_view kEnableWal = "PRAGMA journal_mode=WAL";
constexpr std::string_view kSynchronousNormal = "PRAGMA synchronous=NORMAL";
constexpr std::string_view kForeignKeysOff = "PRAGMA foreign_keys=OFF";
constexpr std::string_view kBegin = "BEGIN";
constexpr std::string_view kBeginImmediate = "BEGIN IMMEDIATE";
constexpr std::string_view kCommit = "COMMIT";
constexpr std::string_view kRollback = "ROLLBACK";

struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

bool OnlyWhitespaceOrSemicolons(const char* begin, const char* end) {
    for (const char* p = begin; p < end; ++p) {
        if (*p != ';' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') return false;
    }
    return true;
}

// SQLite's own busy_timeout, plus a count: waits of 1, 2, 5, 10 ... 100 ms until kBusyTimeoutMs.
int CountingBusyHandler(void* counter, int tries) {
    static constexpr int kDelaysMs[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
    constexpr int kSteps = static_cast<int>(std::size(kDelaysMs));
    int waited = 0;
    for (int i = 0; i < std::min(tries, kSteps); ++i) waited += kDelaysMs[i];
    if (tries >= kSteps) waited += (tries - kSteps) * kDelaysMs[kSteps - 1];
    if (waited >= Connection::kBusyTimeoutMs) return 0;
    const int delay = std::min(kDelaysMs[std::min(tries, kSteps - 1)], Connection::kBusyTimeoutMs - waited);
    if (counter != nullptr) static_cast<std::atomic<std::uint64_t>*>(counter)->fetch_add(1, std::memory_order_relaxed);
    sqlite3_sleep(delay);
    return 1;
}

}  // namespace

struct Connection::StatementCache {
    struct Entry {
        sqlite3_stmt* stmt = nullptr;
        bool in_use = false;
    };
    std::unordered_map<std::string, Entry, TransparentHash, std::equal_to<>> entries;
};

Connection::Connection(const std::filesystem::path& path, std::atomic<std::uint64_t>* busy_waits)
    : cache_(std::make_unique<StatementCache>()), busy_waits_(busy_waits) {
    constexpr int kFlags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, kFlags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw DbError("sqlite: cannot open " + path.string() + ": " + message);
    }
    try {
        // The busy timeout comes first: switching a fresh file to WAL takes a lock another process
        // may hold at that very moment.
        sqlite3_busy_handler(db_, CountingBusyHandler, busy_waits_);
        auto wal = Prepare(kEnableWal);
        if (!wal.Step() || wal.Text(0) != "wal") {
            throw DbError("sqlite: cannot enable WAL journal mode on " + path.string());
        }
        Exec(kSynchronousNormal);
        Exec(kForeignKeysOff);
    } catch (...) {
        for (auto& [sql, entry] : cache_->entries) sqlite3_finalize(entry.stmt);
        sqlite3_close_v2(db_);
        throw;
    }
}

Connection::~Connection() {
    for (auto& [sql, entry] : cache_->entries) sqlite3_finalize(entry.stmt);
    sqlite3_close_v2(db_);
}

Statement Connection::Prepare(std::string_view sql) {
    auto it = cache_->entries.find(sql);
    if (it != cache_->entries.end() && !it->second.in_use) {
        it->second.in_use = true;
        return Statement(db_, it->second.stmt, &it->second.in_use);
    }
    const bool cache = it == cache_->entries.end() && cache_->entries.size() < kMaxCachedStatements;
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
    if (rc != SQLITE_OK) detail::ThrowSqliteError(db_, rc, sql);
    if (stmt == nullptr || !OnlyWhitespaceOrSemicolons(tail, sql.data() + sql.size())) {
        sqlite3_finalize(stmt);
        throw DbError("sqlite: Prepare needs exactly one statement (in: " + detail::SqlHead(sql) + ")");
    }
    if (!cache) return Statement(db_, stmt);
    auto [pos, inserted] = cache_->entries.emplace(std::string(sql), StatementCache::Entry{stmt, true});
    return Statement(db_, stmt, &pos->second.in_use);
}

void Connection::Exec(std::string_view sql) {
    const std::string text(sql);
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
    sqlite3_free(error);
    if (rc != SQLITE_OK) detail::ThrowSqliteError(db_, rc, sql);
}

std::int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int Connection::Changes() const { return sqlite3_changes(db_); }

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Transaction::Transaction(Connection& conn) : conn_(conn) { conn_.Prepare(kBeginImmediate).Run(); }

Transaction::~Transaction() {
    if (done_ || !conn_.InTransaction()) return;  // SQLite may already have rolled back on error
    try {
        conn_.Prepare(kRollback).Run();
    } catch (const DbError&) {
        // Nothing more to do from a destructor; the pool closes a connection left in a transaction.
    }
}

void Transaction::Commit() {
    conn_.Prepare(kCommit).Run();
    done_ = true;
}

ReadTransaction::ReadTransaction(Connection& conn) : conn_(conn) { conn_.Prepare(kBegin).Run(); }

ReadTransaction::~ReadTransaction() {
    if (!conn_.InTransaction()) return;
    try {
        conn_.Prepare(kCommit).Run();
    } catch (const DbError&) {
        try {
            conn_.Prepare(kRollback).Run();
        } catch (const DbError&) {
            // The pool closes a connection left in a transaction.
        }
    }
}

}  // namespace zr::db
