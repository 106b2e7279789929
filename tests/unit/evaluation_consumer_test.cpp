// EvaluationService's update_queue consumer: updates applied from the queue, bad messages dropped,
// leaderboards rebuilt once the burst is drained.
#include "evaluation_fixture.hpp"

namespace zr::evaluation::testing {
namespace {

void WriteEntry(const fs::path& scores, double score) {
    std::ofstream(scores / "entry.json") << nlohmann::json{{"score", score}}.dump();
}

TEST_F(EvaluationTest, ConsumerAppliesQueuedUpdatesAndRebuildsLeaderboards) {
    AddBoard("-score");
    const std::string low = AddSubmission(SubmissionStatus::kUploaded);
    const std::string high = AddSubmission(SubmissionStatus::kUploaded);
    WriteEntry(store_->ScoresDir(low), 0.25);
    WriteEntry(store_->ScoresDir(high), 0.75);
    const std::string low_job = service_->Enqueue(low);
    const std::string high_job = service_->Enqueue(high);
    service_->Start();
    for (const auto& [id, job] : {std::pair{low, low_job}, std::pair{high, high_job}}) {
        PublishUpdate(MakeUpdate(UpdateType::kStarted, job, id));
        PublishUpdate(MakeUpdate(UpdateType::kComplete, job, id));
        PublishUpdate(MakeUpdate(UpdateType::kComplete, job, id));  // a duplicate
    }
    {
        auto conn = db_->Acquire();
        db::QueueRepository(*conn).Insert("update_queue", "not json at all", NowMs());
    }
    service_->WaitIdle();
    EXPECT_EQ(Status(low), SubmissionStatus::kCompleted);
    EXPECT_EQ(Status(high), SubmissionStatus::kCompleted);
    EXPECT_EQ(Ready("update_queue"), 0u);

    const auto board = leaderboards_->ReadJson(leaderboards_->List().at(0).id);
    ASSERT_EQ(board["data"].size(), 2u) << board.dump();
    EXPECT_EQ(board["data"][0]["submission_id"], high);
    EXPECT_EQ(board["data"][1]["submission_id"], low);
    service_->Stop();
    mail_queue_->Flush();
    EXPECT_EQ(mailer_.Sent().size(), 2u);
}

TEST_F(EvaluationTest, ConsumerRecordsWorkersAndReportsJobEvents) {
    std::vector<unsigned> started;
    std::vector<std::pair<std::string, bool>> finished;  // state, had a duration
    service_->SetJobEvents({[&started](unsigned attempt) { started.push_back(attempt); },
                            [&finished](std::string_view state, std::optional<double> seconds) {
                                finished.emplace_back(std::string(state), seconds.has_value());
                            }});
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string job = service_->Enqueue(id);
    service_->Start();
    Update presence;
    presence.type = UpdateType::kPresence;
    presence.host = "idlehost";
    presence.worker = "idlehost:9:w0";
    PublishUpdate(presence);
    PublishUpdate(MakeUpdate(UpdateType::kStarted, job, id, 1, "evalhost:1:w0"));
    service_->WaitIdle();
    EXPECT_TRUE(service_->QueueConnected());
    auto workers = service_->ListWorkers();
    ASSERT_EQ(workers.size(), 2u);
    for (const auto& worker : workers) {
        if (worker.name == "evalhost:1:w0") {
            EXPECT_EQ(worker.host, "evalhost");
            EXPECT_EQ(worker.job_id, job);  // busy with it
        } else {
            EXPECT_EQ(worker.name, "idlehost:9:w0");
            EXPECT_EQ(worker.host, "idlehost");
            EXPECT_EQ(worker.job_id, "");
        }
    }
    PublishUpdate(MakeUpdate(UpdateType::kComplete, job, id, 1, "evalhost:1:w0"));
    PublishUpdate(MakeUpdate(UpdateType::kComplete, job, id, 1, "evalhost:1:w0"));  // a duplicate: no event
    service_->WaitIdle();
    EXPECT_EQ(Status(id), SubmissionStatus::kCompleted);
    EXPECT_EQ(Ready("update_queue"), 0u);
    EXPECT_EQ(started, std::vector<unsigned>{1});
    EXPECT_EQ(finished, (std::vector<std::pair<std::string, bool>>{{"completed", true}}));
    for (const auto& worker : service_->ListWorkers()) EXPECT_EQ(worker.job_id, "") << worker.name;
    service_->Stop();
}

TEST_F(EvaluationTest, StopLeavesUnconsumedUpdatesQueued) {
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string job = service_->Enqueue(id);
    service_->Start();
    service_->Stop();
    PublishUpdate(MakeUpdate(UpdateType::kStarted, job, id));
    EXPECT_EQ(Ready("update_queue"), 1u);
    EXPECT_EQ(Status(id), SubmissionStatus::kOnQueue);
    service_->Start();  // restartable
    service_->WaitIdle();
    EXPECT_EQ(Status(id), SubmissionStatus::kEvaluating);
}

TEST_F(EvaluationTest, WaitIdleWithoutConsumerRunsPendingRebuilds) {
    AddBoard();
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    WriteEntry(store_->ScoresDir(id), 1);
    const std::string job = service_->Enqueue(id);
    ASSERT_TRUE(service_->Apply(MakeUpdate(UpdateType::kComplete, job, id)));
    const auto board_id = leaderboards_->List().at(0).id;
    EXPECT_TRUE(leaderboards_->ReadJson(board_id)["data"].empty());  // coalesced: not yet
    service_->WaitIdle();
    EXPECT_EQ(leaderboards_->ReadJson(board_id)["data"].size(), 1u);
}

}  // namespace
}  // namespace zr::evaluation::testing
