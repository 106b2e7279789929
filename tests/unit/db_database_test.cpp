// Database, connections, migrations, transactions and the connection pool.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "db/database.hpp"
#include "db/repositories.hpp"
#include "db/sqlite_error.hpp"
#include "temp_database.hpp"

namespace zr::db {
namespace {

namespace fs = std::filesystem;

// The first implementation's data folder: $ZR_LEGACY_FIXTURE_DIR, else ../shared next to the repo.
using test_support::LegacyDb;
const std::vector<std::string> kLegacyTables = {"users_credentials", "password_reset_users", "logged_users",
                                                "evaluators",        "challenges",           "challenge_submissions"};

using test_support::TempDir;

// A writable copy of the legacy fixture (the shared fixture itself is never opened for writing).
fs::path CopyLegacy(const TempDir& dir) {
    const fs::path copy = dir.path() / "zerospeech.db";
    fs::copy_file(LegacyDb(), copy);
    fs::permissions(copy, fs::perms::owner_read | fs::perms::owner_write);
    return copy;
}

std::string SchemaOf(Connection& conn, const std::string& table) {
    auto stmt = conn.Prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1");
    stmt.Bind(1, table);
    return stmt.Step() ? stmt.Text(0) : std::string("<missing>");
}

std::int64_t CountRows(Connection& conn, const std::string& table) {
    auto stmt = conn.Prepare("SELECT COUNT(*) FROM " + table);
    EXPECT_TRUE(stmt.Step());
    return stmt.Int(0);
}

bool IndexExists(Connection& conn, std::string_view name) {
    auto stmt = conn.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1");
    stmt.Bind(1, name);
    return stmt.Step();
}

domain::NewUser MakeUser(const std::string& name) {
    return {name,
            name + "@example.org",
            true,
            "code-" + name,
            std::vector<unsigned char>(32, 1),
            std::vector<unsigned char>(32, 2)};
}

TEST(DbDatabase, FreshFileHasEveryTableAtLatestVersion) {
    TempDir dir;
    Database db(dir.path() / "zerospeech.db");
    EXPECT_EQ(db.SchemaVersion(), Database::LatestSchemaVersion());
    EXPECT_EQ(Database::LatestSchemaVersion(), 8);
    auto conn = db.Acquire();
    for (const auto& table : kLegacyTables) EXPECT_EQ(CountRows(*conn, table), 0) << table;
    EXPECT_EQ(CountRows(*conn, "leaderboards"), 0);
    EXPECT_TRUE(IndexExists(*conn, "ix_logged_users_user_id"));
    EXPECT_TRUE(IndexExists(*conn, "ix_challenge_submissions_user_id"));
    EXPECT_EQ(CountRows(*conn, "workers"), 0);
    EXPECT_TRUE(IndexExists(*conn, "ix_workers_last_seen"));
    EXPECT_EQ(CountRows(*conn, "models"), 0);
    EXPECT_TRUE(IndexExists(*conn, "ix_models_user_id"));
    EXPECT_TRUE(IndexExists(*conn, "ix_challenge_submissions_model_id"));
    EXPECT_EQ(CountRows(*conn, "login_throttle"), 0);
    EXPECT_TRUE(IndexExists(*conn, "ix_login_throttle_expires"));
}

TEST(DbDatabase, FreshSchemaTextEqualsLegacySchemaText) {
    TempDir fresh_dir, legacy_dir;
    Database fresh(fresh_dir.path() / "zerospeech.db");
    Database legacy(CopyLegacy(legacy_dir));
    auto fresh_conn = fresh.Acquire();
    auto legacy_conn = legacy.Acquire();
    for (const auto& table : kLegacyTables) {
        EXPECT_EQ(SchemaOf(*fresh_conn, table), SchemaOf(*legacy_conn, table)) << table;
    }
    EXPECT_EQ(SchemaOf(*fresh_conn, "users_credentials"),
              "CREATE TABLE users_credentials (\n\tid INTEGER NOT NULL, \n\tusername VARCHAR, \n\temail "
              "VARCHAR, \n\tactive BOOLEAN, \n\tverified VARCHAR, \n\thashed_pswd BLOB, \n\tsalt BLOB, "
              "created_at DATETIME, \n\tPRIMARY KEY (id), \n\tUNIQUE (username), \n\tUNIQUE (email)\n)");
}

TEST(DbDatabase, EveryConnectionUsesWalBusyTimeoutAndNormalSync) {
    TempDir dir;
    Database db(dir.path() / "zerospeech.db");
    auto first = db.Acquire();
    auto second = db.Acquire();  // the pool has to open a new one
    for (Connection* conn : {&*first, &*second}) {
        auto mode = conn->Prepare("PRAGMA journal_mode");
        ASSERT_TRUE(mode.Step());
        EXPECT_EQ(mode.Text(0), "wal");
        // No busy_timeout pragma: a counting busy handler waits as long instead (its waiting is
        // tested in db_monitoring_test.cpp, WaitsForAnotherConnectionsLockAreCounted).
        auto timeout = conn->Prepare("PRAGMA busy_timeout");
        ASSERT_TRUE(timeout.Step());
        EXPECT_EQ(timeout.Int(0), 0);
        auto sync = conn->Prepare("PRAGMA synchronous");
        ASSERT_TRUE(sync.Step());
        EXPECT_EQ(sync.Int(0), 1);  // NORMAL
        auto fk = conn->Prepare("PRAGMA foreign_keys");
        ASSERT_TRUE(fk.Step());
        EXPECT_EQ(fk.Int(0), 0);
    }
}

TEST(DbDatabase, ReopeningIsANoOp) {
    TempDir dir;
    const fs::path file = dir.path() / "zerospeech.db";
    std::string schema_before;
    {
        Database db(file);
        auto conn = db.Acquire();
        UserRepository(*conn).Create(MakeUser("dora"));
        schema_before = SchemaOf(*conn, "leaderboards");
    }
    Database db(file);
    EXPECT_EQ(db.SchemaVersion(), Database::LatestSchemaVersion());
    auto conn = db.Acquire();
    EXPECT_EQ(SchemaOf(*conn, "leaderboards"), schema_before);
    EXPECT_TRUE(UserRepository(*conn).FindByUsername("dora").has_value());
}

TEST(DbDatabase, LegacyFileIsMigratedInPlace) {
    TempDir dir;
    const fs::path file = CopyLegacy(dir);
    {
        Connection raw(file);
        auto version = raw.Prepare("PRAGMA user_version");
        ASSERT_TRUE(version.Step());
        ASSERT_EQ(version.Int(0), 0);
    }
    Database db(file);
    EXPECT_EQ(db.SchemaVersion(), Database::LatestSchemaVersion());
    auto conn = db.Acquire();
    EXPECT_EQ(CountRows(*conn, "users_credentials"), 3);
    EXPECT_EQ(CountRows(*conn, "challenges"), 3);
    EXPECT_EQ(CountRows(*conn, "logged_users"), 1);
    EXPECT_EQ(CountRows(*conn, "challenge_submissions"), 1);
    EXPECT_EQ(CountRows(*conn, "leaderboards"), 0);
    EXPECT_TRUE(IndexExists(*conn, "ix_users_credentials_email_nocase"));
}

// Schema version 7 (the second API generation) on a first-generation file: every existing row
// reads as before, with the new values' defaults.
TEST(DbDatabase, LegacyRowsReadWithTheSecondGenerationsDefaults) {
    TempDir dir;
    Database db(CopyLegacy(dir));
    auto conn = db.Acquire();
    for (const auto& challenge : ChallengeRepository(*conn).List()) EXPECT_TRUE(challenge.auto_eval) << challenge.label;
    for (const auto& user : UserRepository(*conn).List()) EXPECT_FALSE(user.created_at) << user.username;
    const auto submissions = SubmissionRepository(*conn).List(std::nullopt, std::nullopt, std::nullopt);
    ASSERT_EQ(submissions.size(), 1u);
    const auto& submission = submissions[0];
    EXPECT_FALSE(submission.model_id || submission.auto_eval || submission.evaluator_id || submission.author_label ||
                 submission.leaderboard_file);
    EXPECT_FALSE(submission.has_scores);
    EXPECT_TRUE(ModelRepository(*conn).List().empty());
}

TEST(DbDatabase, NewerFileIsRefused) {
    TempDir dir;
    const fs::path file = dir.path() / "zerospeech.db";
    { Database db(file); }
    {
        Connection raw(file);
        raw.Exec("PRAGMA user_version = 99");
    }
    try {
        Database db(file);
        FAIL() << "a file at version 99 opened";
    } catch (const DbError& e) {
        EXPECT_NE(std::string(e.what()).find("99"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
    }
}

TEST(DbDatabase, MissingFolderThrowsDbError) {
    TempDir dir;
    EXPECT_THROW(Database(dir.path() / "no" / "such" / "zerospeech.db"), DbError);
}

TEST(DbDatabase, ConcurrentOpeningOfAFreshFileSucceedsEverywhere) {
    TempDir dir;
    const fs::path file = dir.path() / "zerospeech.db";
    constexpr int kThreads = 6;
    std::atomic<int> ready{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&] {
            ++ready;
            while (ready.load() < kThreads) std::this_thread::yield();
            try {
                Database db(file);
                if (db.SchemaVersion() != Database::LatestSchemaVersion()) ++failures;
            } catch (const DbError& e) {
                ADD_FAILURE() << e.what();
                ++failures;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
}

TEST(DbDatabase, TwoDatabasesWriteFromTwoThreads) {
    TempDir dir;
    const fs::path file = dir.path() / "zerospeech.db";
    Database first(file);
    Database second(file);
    constexpr int kUsersPerThread = 40;
    auto writer = [&](Database& db, const std::string& prefix) {
        try {
            for (int i = 0; i < kUsersPerThread; ++i) {
                auto conn = db.Acquire();
                Transaction transaction(*conn);
                const auto id = UserRepository(*conn).Create(MakeUser(prefix + std::to_string(i)));
                SessionRepository(*conn).Create({prefix + "-token-" + std::to_string(i), id,
                                                 std::chrono::system_clock::now() + std::chrono::hours(1)});
                transaction.Commit();
                // Reads through the other Database between writes.
                auto read = db.Acquire();
                EXPECT_TRUE(UserRepository(*read).FindById(id).has_value());
            }
        } catch (const DbError& e) {
            ADD_FAILURE() << prefix << ": " << e.what();
        }
    };
    std::thread a([&] { writer(first, "a"); });
    std::thread b([&] { writer(second, "b"); });
    a.join();
    b.join();
    auto conn = first.Acquire();
    EXPECT_EQ(CountRows(*conn, "users_credentials"), 2 * kUsersPerThread);
    EXPECT_EQ(CountRows(*conn, "logged_users"), 2 * kUsersPerThread);
    auto max_id = conn->Prepare("SELECT MAX(id) FROM users_credentials");
    ASSERT_TRUE(max_id.Step());
    EXPECT_EQ(max_id.Int(0), 2 * kUsersPerThread);
}

TEST(DbDatabase, TransactionRollsBackOnException) {
    TempDir dir;
    Database db(dir.path() / "zerospeech.db");
    auto conn = db.Acquire();
    try {
        Transaction transaction(*conn);
        UserRepository(*conn).Create(MakeUser("eve"));
        throw std::runtime_error("abandon");
    } catch (const std::runtime_error&) {
    }
    EXPECT_FALSE(conn->InTransaction());
    EXPECT_FALSE(UserRepository(*conn).FindByUsername("eve").has_value());
    {
        Transaction transaction(*conn);
        UserRepository(*conn).Create(MakeUser("eve"));
        transaction.Commit();
    }
    EXPECT_TRUE(UserRepository(*conn).FindByUsername("eve").has_value());
}

TEST(DbDatabase, ReadTransactionEndsOnDestruction) {
    TempDir dir;
    Database db(dir.path() / "zerospeech.db");
    auto conn = db.Acquire();
    {
        ReadTransaction read(*conn);
        EXPECT_TRUE(conn->InTransaction());
        EXPECT_FALSE(UserRepository(*conn).FindById(1).has_value());
    }
    EXPECT_FALSE(conn->InTransaction());
}

TEST(DbDatabase, PoolReusesConnectionsAndDropsOnesLeftInATransaction) {
    TempDir dir;
    Database db(dir.path() / "zerospeech.db");
    Connection* first = nullptr;
    {
        auto lease = db.Acquire();
        first = &*lease;
    }
    {
        auto lease = db.Acquire();
        EXPECT_EQ(&*lease, first);
        lease->Exec("BEGIN IMMEDIATE");
    }
    auto lease = db.Acquire();
    EXPECT_FALSE(lease->InTransaction());
    // The abandoned write transaction was closed with its connection, so writing works.
    Transaction transaction(*lease);
    UserRepository(*lease).Create(MakeUser("fay"));
    transaction.Commit();

    std::vector<ConnectionLease> many;
    for (int i = 0; i < 20; ++i) many.push_back(db.Acquire());
    many.clear();  // beyond kMaxIdleConnections, connections are closed
}

TEST(DbStatement, CachedStatementsAreIndependentAndStartClean) {
    TempDir dir;
    Database db(dir.path() / "zerospeech.db");
    auto conn = db.Acquire();
    UserRepository users(*conn);
    users.Create(MakeUser("gus"));
    users.Create(MakeUser("hal"));
    constexpr std::string_view kSql = "SELECT username FROM users_credentials WHERE id >= ?1 ORDER BY id";
    {
        auto outer = conn->Prepare(kSql);
        outer.Bind(1, std::int64_t{1});
        ASSERT_TRUE(outer.Step());
        EXPECT_EQ(outer.Text(0), "gus");
        auto inner = conn->Prepare(kSql);  // same text while the first is in use
        inner.Bind(1, std::int64_t{2});
        ASSERT_TRUE(inner.Step());
        EXPECT_EQ(inner.Text(0), "hal");
        ASSERT_TRUE(outer.Step());
        EXPECT_EQ(outer.Text(0), "hal");
        EXPECT_FALSE(outer.Step());
    }
    auto again = conn->Prepare(kSql);  // bindings were cleared: NULL matches nothing
    EXPECT_FALSE(again.Step());
}

TEST(DbStatement, ErrorsNameTheSqlAndSqliteMessage) {
    TempDir dir;
    Database db(dir.path() / "zerospeech.db");
    auto conn = db.Acquire();
    try {
        conn->Prepare("SELEC username FROM users_credentials");
        FAIL();
    } catch (const DbError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("syntax error"), std::string::npos) << what;
        EXPECT_NE(what.find("SELEC username"), std::string::npos) << what;
    }
    EXPECT_THROW(conn->Prepare("SELECT 1; SELECT 2"), DbError);
    EXPECT_THROW(conn->Exec("INSERT INTO no_such_table VALUES (1)"), DbError);
}

TEST(DbStatement, BindsEmptyTextAndBlobAsValuesNotNull) {
    TempDir dir;
    Database db(dir.path() / "zerospeech.db");
    auto conn = db.Acquire();
    auto stmt = conn->Prepare("SELECT ?1 IS NULL, ?2 IS NULL, length(?2), typeof(?2)");
    stmt.Bind(1, std::string_view{}).Bind(2, std::vector<unsigned char>{});
    ASSERT_TRUE(stmt.Step());
    EXPECT_EQ(stmt.Int(0), 0);
    EXPECT_EQ(stmt.Int(1), 0);
    EXPECT_EQ(stmt.Int(2), 0);
    EXPECT_EQ(stmt.Text(3), "blob");
}

TEST(DbErrors, UniqueColumnIsParsedFromTheMessage) {
    EXPECT_EQ(detail::UniqueColumn("UNIQUE constraint failed: users_credentials.email"), "email");
    EXPECT_EQ(detail::UniqueColumn("UNIQUE constraint failed: logged_users.token, logged_users.user_id"), "token");
    EXPECT_EQ(detail::UniqueColumn("NOT NULL constraint failed: x.y"), "");
    EXPECT_EQ(detail::SqlHead("  SELECT a,\n\tb FROM t WHERE x = 1 AND y = 2"), "SELECT a, b FROM t WHERE x = ...");
}

}  // namespace
}  // namespace zr::db
