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
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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
class Connection {
public:
    explicit Connection(const std::filesystem::path& path);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    Statement Prepare(std::string_view sql);
    // Runs one or more statements without results.
    void Exec(std::string_view sql);
    std::int64_t LastInsertRowId() const;
    int Changes() const;
    sqlite3* raw() { return db_; }

private:
    sqlite3* db_ = nullptr;
};

// A prepared statement. Bind indices start at 1; column indices at 0.
class Statement {
public:
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
    sqlite3* db_;
    sqlite3_stmt* stmt_;
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

class Database;

// Exclusive use of a pooled connection until destroyed; returns it to the pool.
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
    // Opens (creating if needed) the file and migrates it to the latest version. Throws DbError.
    explicit Database(std::filesystem::path path);
    ~Database();

    // A connection for the caller's exclusive use. Thread-safe; opens a new one if none is free.
    ConnectionLease Acquire();
    // PRAGMA user_version after migration.
    int SchemaVersion();
    const std::filesystem::path& path() const { return path_; }

private:
    friend class ConnectionLease;
    void Release(std::unique_ptr<Connection> conn);

    struct Pool;
    std::filesystem::path path_;
    std::unique_ptr<Pool> pool_;
};

}  // namespace zr::db
