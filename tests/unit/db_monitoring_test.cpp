// MonitoringRepository: the counts /health and /metrics read, the workers table, and the
// database's busy-wait counter.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <string>
#include <thread>

#include "db/database.hpp"
#include "db/evaluation_job_repository.hpp"
#include "db/monitoring_repository.hpp"
#include "temp_database.hpp"

namespace zr::db {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class MonitoringRepositoryTest : public test_support::TempDatabaseTest {
protected:
    void AddJob(const std::string& id, domain::JobState state, TimePoint created) {
        auto conn = db_->Acquire();
        EvaluationJobRow job;
        job.id = id;
        job.submission_id = "s-" + id;
        job.state = state;
        job.created_at = created;
        EvaluationJobRepository(*conn).Create(job);
    }
    void AddSubmission(const std::string& id, const std::string& status) {
        auto conn = db_->Acquire();
        conn->Exec("INSERT INTO challenge_submissions (id, user_id, track_id, submit_date, status) VALUES ('" + id +
                   "', 1, 1, '2026-01-01 00:00:00.000000', '" + status + "')");
    }
};

TEST_F(MonitoringRepositoryTest, CountsByStatusAndState) {
    AddSubmission("a", "completed");
    AddSubmission("b", "completed");
    AddSubmission("c", "on_queue");
    const TimePoint now = std::chrono::system_clock::now();
    AddJob("j1", domain::JobState::kQueued, now - 90s);
    AddJob("j2", domain::JobState::kQueued, now - 30s);
    AddJob("j3", domain::JobState::kRunning, now - 300s);
    auto conn = db_->Acquire();
    MonitoringRepository repository(*conn);
    EXPECT_EQ(repository.CountSubmissionsByStatus(), (CountByKey{{"completed", 2}, {"on_queue", 1}}));
    EXPECT_EQ(repository.CountJobsByState(), (CountByKey{{"queued", 2}, {"running", 1}}));
    const auto oldest = repository.OldestQueuedJob();
    ASSERT_TRUE(oldest);
    EXPECT_NEAR(std::chrono::duration<double>(now - *oldest).count(), 90, 1);
    EXPECT_EQ(repository.SchemaVersion(), Database::LatestSchemaVersion());
    EXPECT_TRUE(repository.CountQueueMessages().empty());
}

TEST_F(MonitoringRepositoryTest, NoQueuedJobMeansNoOldest) {
    AddJob("j1", domain::JobState::kCompleted, std::chrono::system_clock::now());
    auto conn = db_->Acquire();
    EXPECT_FALSE(MonitoringRepository(*conn).OldestQueuedJob());
}

TEST_F(MonitoringRepositoryTest, WorkersAreUpsertedAndNeverGoBackInTime) {
    auto conn = db_->Acquire();
    MonitoringRepository workers(*conn);
    workers.WorkerSeen("gpu1:10:w0", "gpu1", 1000, "job-a");
    workers.WorkerSeen("gpu1:10:w0", "gpu1", 5000, "");       // finished: idle again
    workers.WorkerSeen("gpu1:10:w0", "gpu1", 4000, "job-b");  // a late heartbeat
    workers.WorkerSeen("gpu1:11:w0", "gpu1", 3000, "");
    workers.WorkerSeen("cpu2:20:w0", "cpu2", 2000, "job-c");
    const auto rows = workers.ListWorkers();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].name, "gpu1:10:w0");
    EXPECT_EQ(rows[0].first_seen_ms, 1000);
    EXPECT_EQ(rows[0].last_seen_ms, 5000);
    EXPECT_EQ(rows[2].name, "cpu2:20:w0");
    EXPECT_EQ(rows[2].job_id, "job-c");
    EXPECT_EQ(workers.CountWorkersSeenSince(2500), 2);
    EXPECT_EQ(workers.CountWorkersSeenSince(0), 3);
    EXPECT_EQ(workers.LastSeenByHost(),
              (std::vector<std::pair<std::string, std::int64_t>>{{"cpu2", 2000}, {"gpu1", 5000}}));
    EXPECT_EQ(workers.ForgetWorkersBefore(3000), 1);
    EXPECT_EQ(workers.ListWorkers().size(), 2u);
}

TEST_F(MonitoringRepositoryTest, WaitsForAnotherConnectionsLockAreCounted) {
    EXPECT_EQ(db_->BusyWaits(), 0u);
    auto holder = db_->Acquire();
    holder->Exec("BEGIN IMMEDIATE");
    // The second writer waits (busy handler) until the first commits, then succeeds.
    auto waiter = std::async(std::launch::async, [this] {
        auto conn = db_->Acquire();
        Transaction tx(*conn);
        tx.Commit();
    });
    while (db_->BusyWaits() == 0 && waiter.wait_for(1ms) != std::future_status::ready) {
    }
    holder->Exec("COMMIT");
    waiter.get();
    EXPECT_GE(db_->BusyWaits(), 1u);
}

}  // namespace
}  // namespace zr::db
