// CommitWatch (the WAL-index header as a commit stamp) and CommitCache (values kept while it holds).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

#include "db/commit_cache.hpp"
#include "db/commit_watch.hpp"
#include "db/database.hpp"
#include "temp_database.hpp"

namespace zr::db {
namespace {

using test_support::TempDatabaseTest;
using test_support::TempDir;
namespace fs = std::filesystem;

class CommitWatchTest : public TempDatabaseTest {
protected:
    void Exec(Connection& conn, const std::string& sql) { conn.Prepare(sql).Step(); }
};

TEST_F(CommitWatchTest, StampHoldsAcrossReadsAndChangesWithEveryCommit) {
    Exec(Conn(), "CREATE TABLE t (v INTEGER)");
    const auto before = db_->LastCommit();
    ASSERT_TRUE(before.has_value());
    Exec(Conn(), "SELECT COUNT(*) FROM t");
    {
        ReadTransaction read(Conn());
        Exec(Conn(), "SELECT * FROM t");
    }
    EXPECT_EQ(db_->LastCommit(), before);

    Exec(Conn(), "INSERT INTO t VALUES (1)");
    const auto after_one = db_->LastCommit();
    ASSERT_TRUE(after_one.has_value());
    EXPECT_NE(*after_one, *before);

    Exec(Conn(), "UPDATE t SET v = 2");
    EXPECT_NE(db_->LastCommit(), after_one);
}

TEST_F(CommitWatchTest, SeesCommitsOfAnotherDatabaseOnTheSameFile) {
    // Another Database object has its own connections, like the admin CLI in another process.
    Exec(Conn(), "CREATE TABLE t (v INTEGER)");
    const auto before = db_->LastCommit();
    ASSERT_TRUE(before.has_value());
    Database other(db_->path());
    auto lease = other.Acquire();
    Exec(*lease, "INSERT INTO t VALUES (1)");
    EXPECT_NE(db_->LastCommit(), before);
}

TEST_F(CommitWatchTest, AnotherProcessSharesTheWalIndexSafely) {
    // The watch must not drop this process's SQLite locks on the -shm file: another process that
    // saw none would reinitialise the file, and reading our mappings would then crash (SIGBUS).
    Exec(Conn(), "CREATE TABLE t (v INTEGER)");
    const auto before = db_->LastCommit();
    ASSERT_TRUE(before.has_value());
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // SQLite's "dead man switch": every process using the WAL index holds a read lock on byte
        // 128 of the -shm file (https://www.sqlite.org/walformat.html, 2.3.1).
        fs::path shm = db_->path();
        shm += "-shm";
        const int fd = ::open(shm.c_str(), O_RDWR);
        struct flock probe {};
        probe.l_type = F_WRLCK;
        probe.l_whence = SEEK_SET;
        probe.l_start = 128;
        probe.l_len = 1;
        if (fd < 0 || ::fcntl(fd, F_GETLK, &probe) != 0 || probe.l_type == F_UNLCK) ::_exit(2);
        int code = 1;
        try {
            Database other(db_->path());
            auto lease = other.Acquire();
            lease->Prepare("INSERT INTO t VALUES (7)").Step();
            code = 0;
        } catch (...) {
        }
        ::_exit(code);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_NE(WEXITSTATUS(status), 2) << "this process holds no lock on the WAL index any more";
    ASSERT_EQ(WEXITSTATUS(status), 0);
    EXPECT_NE(db_->LastCommit(), before);
    auto count = Conn().Prepare("SELECT COUNT(*) FROM t");
    ASSERT_TRUE(count.Step());
    EXPECT_EQ(count.Int(0), 1);
}

TEST_F(CommitWatchTest, ARolledBackTransactionIsNotACommit) {
    Exec(Conn(), "CREATE TABLE t (v INTEGER)");
    const auto before = db_->LastCommit();
    {
        Transaction txn(Conn());
        Exec(Conn(), "INSERT INTO t VALUES (1)");
        // destroyed without Commit(): rolled back
    }
    EXPECT_EQ(db_->LastCommit(), before);
}

TEST(CommitWatch, AnUnusableFileTurnsCachingOff) {
    TempDir dir;
    const CommitWatch watch(dir.path() / "missing-folder" / "zerospeech.db");
    EXPECT_FALSE(watch.Current().has_value());
}

CommitStamp Stamp(std::uint32_t n) {
    CommitStamp s;
    s.words[0] = n;
    return s;
}

TEST(CommitCache, AnswersOnlyUnderTheStampItWasStoredWith) {
    CommitCache<std::string, int> cache(8);
    EXPECT_FALSE(cache.Find("a", Stamp(1)).has_value());
    cache.Store("a", 10, Stamp(1));
    EXPECT_EQ(cache.Find("a", Stamp(1)), 10);
    EXPECT_EQ(cache.Find(std::string_view("a"), Stamp(1)), 10);
    EXPECT_FALSE(cache.Find("a", Stamp(2)).has_value());
    EXPECT_FALSE(cache.Find("b", Stamp(1)).has_value());
}

TEST(CommitCache, AStoreUnderANewStampDropsTheOlderEntries) {
    CommitCache<std::string, int> cache(8);
    cache.Store("a", 1, Stamp(1));
    cache.Store("b", 2, Stamp(1));
    EXPECT_EQ(cache.size(), 2u);
    cache.Store("c", 3, Stamp(2));
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_FALSE(cache.Find("a", Stamp(1)).has_value());
    EXPECT_FALSE(cache.Find("a", Stamp(2)).has_value());
    EXPECT_EQ(cache.Find("c", Stamp(2)), 3);
}

TEST(CommitCache, StaysWithinItsBound) {
    CommitCache<int, int> cache(3);
    for (int i = 0; i < 10; ++i) {
        cache.Store(i, i, Stamp(1));
        EXPECT_LE(cache.size(), 3u);
        EXPECT_EQ(cache.Find(i, Stamp(1)), i);
    }
}

}  // namespace
}  // namespace zr::db
