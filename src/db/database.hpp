#pragma once
// The SQLite database file shared by the server, the admin CLI and local workers.
//
// Database opens one file, creates it with every table if absent, sets WAL mode and a busy timeout
// on every connection, and applies pending numbered migrations (resources/migrations/NNNN_*.sql,
// recorded in PRAGMA user_version; a file of the first implementation is version 0 with its tables
// already present, and must open as is).
//
// Thread-safety: Database is thread-safe; a Connection is used by one thread at a time (hold it
// through a ConnectionLease). Errors: every failure throws db::DbError (message names the SQL
// operation, never shown to HTTP clients).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/commit_watch.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace zr::db {

class DbError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A UNIQUE constraint failed; column() names the column (e.g. "username", "email", "label").
class UniqueViolation : public DbError {
public:
    UniqueViolation(std::string column, const std::string& what) : DbError(what), column_(std::move(column)) {}
    const std::string& column() const { return column_; }

private:
    std::string column_;
};

class Statement;

// One open SQLite connection. Not thread-safe.
// Opening sets journal_mode=WAL, a busy handler that waits up to kBusyTimeoutMs (as
// busy_timeout does) and counts each wait in *busy_waits when given, synchronous=NORMAL
// (foreign_keys stays OFF, as the first implementation had it). It does not migrate; Database does.
class Connection {
public:
    static constexpr int kBusyTimeoutMs = 5000;

    // `busy_waits` (optional, must outlive the connection) counts the times a statement waited
    // for another connection's lock.
    explicit Connection(const std::filesystem::path& path, std::atomic<std::uint64_t>* busy_waits = nullptr);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Prepares one statement. Statements are cached per connection by SQL text: when the same text
    // is prepared again and its cached statement is not in use, that one is reused (reset, bindings
    // cleared) instead of compiling again. A Statement must not outlive its Connection.
    Statement Prepare(std::string_view sql);
    // Runs one or more statements without results.
    void Exec(std::string_view sql);
    std::int64_t LastInsertRowId() const;
    int Changes() const;
    // True while a transaction is open on this connection.
    bool InTransaction() const;
    sqlite3* raw() { return db_; }

private:
    struct StatementCache;
    sqlite3* db_ = nullptr;
    std::unique_ptr<StatementCache> cache_;
    std::atomic<std::uint64_t>* busy_waits_ = nullptr;
};

// A prepared statement. Bind indices start at 1; column indices at 0.
// Failures throw DbError (UniqueViolation for a UNIQUE/PRIMARY KEY conflict) naming the SQL.
class Statement {
public:
    // Takes ownership of stmt (finalized on destruction).
    Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;

    Statement& Bind(int index, std::int64_t value);
    Statement& Bind(int index, std::string_view value);
    Statement& Bind(int index, const std::vector<unsigned char>& blob);
    Statement& BindNull(int index);
    // Steps once: true if a row is available, false when done. Throws on error.
    bool Step();
    // Steps until done (for INSERT/UPDATE/DELETE).
    void Run();

    bool IsNull(int column) const;
    std::int64_t Int(int column) const;
    std::string Text(int column) const;
    std::vector<unsigned char> Blob(int column) const;

private:
    friend class Connection;
    // A cached statement: not finalized, but reset and handed back by clearing *in_use.
    Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use) : db_(db), stmt_(stmt), in_use_(in_use) {}
    [[noreturn]] void Fail(int rc) const;

    sqlite3* db_;
    sqlite3_stmt* stmt_;
    bool* in_use_ = nullptr;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit() was called.
class Transaction {
public:
    explicit Transaction(Connection& conn);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void Commit();

private:
    Connection& conn_;
    bool done_ = false;
};

// A read snapshot: BEGIN (deferred) on construction, ends it on destruction. Several SELECTs inside
// one cost less than in autocommit and see the same data. Do not write inside it.
class ReadTransaction {
public:
    explicit ReadTransaction(Connection& conn);
    ~ReadTransaction();
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;

private:
    Connection& conn_;
};

class Database;

// Exclusive use of a pooled connection until destroyed; returns it to the pool (a connection left
// inside a transaction is closed instead). Must not outlive its Database.
class ConnectionLease {
public:
    ConnectionLease(Database& owner, std::unique_ptr<Connection> conn);
    ~ConnectionLease();
    ConnectionLease(ConnectionLease&&) noexcept;
    ConnectionLease& operator=(ConnectionLease&&) = delete;
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

private:
    Database* owner_;
    std::unique_ptr<Connection> conn_;
};

class Database {
public:
    // At most this many idle connections are kept; more are closed when released.
    static constexpr std::size_t kMaxIdleConnections = 16;

    // Opens (creating if needed) the file and migrates it to the latest version, each pending
    // migration in its own BEGIN IMMEDIATE transaction (so processes opening the same fresh file at
    // once do not both fail). Throws DbError, also when the file's version is newer than ours.
    explicit Database(std::filesystem::path path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // The version the embedded migrations lead to.
    static int LatestSchemaVersion();

    // A connection for the caller's exclusive use. Thread-safe; opens a new one if none is free.
    ConnectionLease Acquire();
    // PRAGMA user_version after migration.
    int SchemaVersion();
    // Times a statement of this database's connections waited for a lock held by another
    // connection or process ("database is locked" retries), since it was opened.
    std::uint64_t BusyWaits() const;
    // A stamp of the last commit to the file by any connection or process (see CommitWatch), or
    // nullopt when it cannot be read (caches must then read the database). The first call opens
    // the watch's own connection.
    std::optional<CommitStamp> LastCommit();
    const std::filesystem::path& path() const { return path_; }

private:
    friend class ConnectionLease;
    void Release(std::unique_ptr<Connection> conn);

    struct Pool;
    std::filesystem::path path_;
    std::unique_ptr<Pool> pool_;
};

}  // namespace zr::db
