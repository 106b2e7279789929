// LocalLink: job states from evaluation_jobs, the submission folder, out.log written line by line.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>

#include "db/evaluation_job_repository.hpp"
#include "worker/link.hpp"

namespace zr::worker {
namespace {

namespace fs = std::filesystem;

class FixedClock : public Clock {
public:
    TimePoint Now() const override { return *ParseDateTime("2024-05-06 07:08:09"); }
};

class LocalLinkTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_worker_link_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        db_ = std::make_unique<db::Database>(dir_ / "zerospeech.db");
        store_ = std::make_unique<storage::SubmissionStore>(file_system_, dir_ / "submissions");
        link_ = MakeLocalLink(*db_, *store_, clock_);
        job_.job_id = "job-1";
        job_.submission_id = "sub-1";
        fs::create_directories(store_->InputDir("sub-1"));
    }
    void TearDown() override {
        link_.reset();
        db_.reset();
        fs::remove_all(dir_);
    }

    fs::path dir_;
    PosixFileSystem file_system_;
    FixedClock clock_;
    std::unique_ptr<db::Database> db_;
    std::unique_ptr<storage::SubmissionStore> store_;
    std::unique_ptr<WorkerLink> link_;
    evaluation::Job job_;
};

TEST_F(LocalLinkTest, JobStateComesFromTheJobsTable) {
    EXPECT_EQ(link_->JobState("job-1").state, "");
    db::EvaluationJobRow row;
    row.id = "job-1";
    row.submission_id = "sub-1";
    row.state = domain::JobState::kRunning;
    row.created_at = clock_.Now();
    {
        auto conn = db_->Acquire();
        db::EvaluationJobRepository(*conn).Create(row);
    }
    EXPECT_EQ(link_->JobState("job-1").state, "running");
}

TEST_F(LocalLinkTest, CheckoutIsTheSubmissionFolderWithScores) {
    const fs::path folder = link_->Checkout(job_);
    EXPECT_EQ(folder, store_->Folder("sub-1"));
    EXPECT_TRUE(fs::is_directory(store_->ScoresDir("sub-1")));
    link_->ReturnScores(job_, folder);
    link_->Cleanup(job_);
    EXPECT_TRUE(fs::is_directory(store_->InputDir("sub-1")));  // nothing removed locally

    evaluation::Job missing = job_;
    missing.submission_id = "sub-2";
    EXPECT_THROW(link_->Checkout(missing), std::runtime_error);
}

TEST_F(LocalLinkTest, OutputBecomesWholeLogLines) {
    link_->AppendLog(job_, "first\nsec");
    EXPECT_EQ(store_->ReadLog("sub-1"), (std::vector<std::string>{"[2024-05-06 07:08:09] first"}));
    link_->AppendLog(job_, "ond\r\n\nthi");
    link_->AppendLog(job_, "rd");
    EXPECT_EQ(store_->ReadLog("sub-1").size(), 3u);
    link_->Flush(job_);
    link_->Flush(job_);
    EXPECT_EQ(store_->ReadLog("sub-1"),
              (std::vector<std::string>{"[2024-05-06 07:08:09] first", "[2024-05-06 07:08:09] second",
                                        "[2024-05-06 07:08:09] ", "[2024-05-06 07:08:09] third"}));
}

TEST_F(LocalLinkTest, VeryLongLinesAreWrittenInPieces) {
    link_->AppendLog(job_, std::string(200 * 1024, 'x'));
    EXPECT_EQ(store_->ReadLog("sub-1").size(), 3u);  // 3 full pieces of 64 KiB, 8 KiB pending
    link_->Flush(job_);
    EXPECT_EQ(store_->ReadLog("sub-1").size(), 4u);
}

}  // namespace
}  // namespace zr::worker
