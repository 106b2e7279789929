// monitoring::Health: each check passing and failing on its own.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "db/database.hpp"
#include "db/evaluation_job_repository.hpp"
#include "db/monitoring_repository.hpp"
#include "monitoring/health.hpp"
#include "settings/settings.hpp"
#include "temp_database.hpp"

namespace zr::monitoring {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::int64_t UnixMillis(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class HealthTest : public ::testing::Test {
protected:
    void SetUp() override {
        settings_.data_folder = dir_.path();
        settings_.eval_lease = 60s;
        settings_.health_min_free_disk = 1;
        db_ = std::make_unique<db::Database>(dir_.path() / "zerospeech.db");
    }
    HealthReport Check() {
        const Health health(*db_, file_system_, settings_, clock_, [this] { return connected_.load(); });
        return health.Check();
    }
    void QueueJob(TimePoint created) {
        auto conn = db_->Acquire();
        db::EvaluationJobRow job;
        job.id = "job-1";
        job.submission_id = "sub-1";
        job.state = domain::JobState::kQueued;
        job.created_at = created;
        db::EvaluationJobRepository(*conn).Create(job);
    }

    test_support::TempDir dir_;
    PosixFileSystem file_system_;
    settings::Settings settings_;
    Clock clock_;
    std::atomic<bool> connected_{true};
    std::unique_ptr<db::Database> db_;
};

TEST_F(HealthTest, AllOkOnAFreshInstallation) {
    const HealthReport report = Check();
    EXPECT_TRUE(report.ok) << report.body.dump();
    EXPECT_EQ(report.body["status"], "ok");
    EXPECT_EQ(report.body["failing"], nlohmann::json::array());
    EXPECT_EQ(report.body["checks"]["queue"]["backend"], "embedded");
    EXPECT_EQ(report.body["checks"]["workers"]["seen"], 0);
    EXPECT_TRUE(report.body["checks"]["workers"]["oldest_queued_job_seconds"].is_null());
    EXPECT_EQ(report.body["checks"]["database"]["schema_version"], db::Database::LatestSchemaVersion());
}

TEST_F(HealthTest, DiskBelowTheMinimumFails) {
    settings_.health_min_free_disk = std::numeric_limits<std::uint64_t>::max();
    const HealthReport report = Check();
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.body["failing"], nlohmann::json::array({"disk"}));
    EXPECT_GT(report.body["checks"]["disk"]["free_bytes"].get<std::uint64_t>(), 0u);
}

TEST_F(HealthTest, UnreadableDataFolderFailsTheDiskCheckWithoutItsPath) {
    settings_.data_folder = dir_.path() / "gone";
    const HealthReport report = Check();
    EXPECT_EQ(report.body["failing"], nlohmann::json::array({"disk"}));
    EXPECT_EQ(report.body.dump().find(dir_.path().string()), std::string::npos);
}

TEST_F(HealthTest, RabbitMqDisconnectedFailsTheQueue) {
    settings_.queue_backend = "rabbitmq";
    EXPECT_TRUE(Check().ok);
    connected_ = false;
    const HealthReport report = Check();
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.body["failing"], nlohmann::json::array({"queue"}));
    EXPECT_EQ(report.body["checks"]["queue"]["backend"], "rabbitmq");
    connected_ = true;
    EXPECT_TRUE(Check().ok);
}

TEST_F(HealthTest, AJobWaitingLongerThanALeaseWithNoWorkerFails) {
    QueueJob(clock_.Now() - 10s);
    EXPECT_TRUE(Check().ok) << "a job waiting less than a lease is normal";
    {
        auto conn = db_->Acquire();
        conn->Exec("UPDATE evaluation_jobs SET created_at = '2020-01-01 00:00:00.000000'");
    }
    HealthReport report = Check();
    EXPECT_EQ(report.body["failing"], nlohmann::json::array({"workers"}));
    EXPECT_GT(report.body["checks"]["workers"]["oldest_queued_job_seconds"].get<double>(), 60.0);
    // A worker heard from long ago does not count; one heard from within the lease does.
    {
        auto conn = db_->Acquire();
        db::MonitoringRepository workers(*conn);
        workers.WorkerSeen("old:1:w0", "old", UnixMillis(clock_.Now() - 2h), "");
    }
    EXPECT_FALSE(Check().ok);
    {
        auto conn = db_->Acquire();
        db::MonitoringRepository(*conn).WorkerSeen("gpu1:1:w0", "gpu1", UnixMillis(clock_.Now()), "");
    }
    report = Check();
    EXPECT_TRUE(report.ok) << report.body.dump();
    EXPECT_EQ(report.body["checks"]["workers"]["seen"], 1);
}

TEST_F(HealthTest, DatabaseFromANewerProgramFails) {
    {
        auto conn = db_->Acquire();
        conn->Exec("PRAGMA user_version = 999");
    }
    const HealthReport report = Check();
    EXPECT_FALSE(report.ok);
    // The embedded queue lives in the database: it fails with it.
    EXPECT_EQ(report.body["failing"], nlohmann::json::array({"database", "queue"}));
}

}  // namespace
}  // namespace zr::monitoring
