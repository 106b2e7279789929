// EvaluationService on the RabbitMQ back-end (a private broker): jobs are published after the
// commit and marked published; a job whose publish failed stays in the outbox and Start()
// publishes it.
#include "evaluation_fixture.hpp"
#include "rabbitmq_broker.hpp"

namespace zr::evaluation::testing {
namespace {

using namespace std::chrono_literals;

class RabbitMqEvaluationTest : public EvaluationTest {
protected:
    void UseBroker() {
        auto& broker = zr::testing::RabbitMqBroker::Shared();
        const auto remote = broker.Settings();
        settings_.queue_backend = remote.queue_backend;
        settings_.rpc_host = remote.rpc_host;
        settings_.rpc_port = remote.rpc_port;
        settings_.rpc_username = remote.rpc_username;
        settings_.rpc_password = remote.rpc_password;
        settings_.rpc_vhost = remote.rpc_vhost;
        NewService();
        // Declares the queues, then empties them for this test.
        queue::Open(settings_, nullptr, "test-setup");
        broker.Purge({"eval_queue", "update_queue"});
    }

    // The next job on the broker's eval_queue (acknowledged).
    std::optional<evaluation::Job> ReceiveJob() {
        auto consumer = queue::Open(settings_, nullptr, "test-consumer");
        auto delivery = consumer->Receive(queue::kEvalQueue, 5s);
        if (!delivery) return std::nullopt;
        consumer->Ack(*delivery);
        return JobFromJson(delivery->body);
    }
};

TEST_F(RabbitMqEvaluationTest, EnqueuePublishesAfterTheCommitAndMarksTheRow) {
    UseBroker();
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string job_id = service_->Enqueue(id);
    EXPECT_TRUE(Job(job_id)->published);
    EXPECT_EQ(Status(id), SubmissionStatus::kOnQueue);
    EXPECT_EQ(Ready("eval_queue"), 0u);  // nothing in the embedded table
    auto job = ReceiveJob();
    ASSERT_TRUE(job);
    EXPECT_EQ(job->job_id, job_id);
    EXPECT_EQ(job->submission_id, id);
}

TEST_F(RabbitMqEvaluationTest, UnreachableBrokerLeavesTheJobInTheOutboxUntilStart) {
    settings_.queue_backend = "rabbitmq";
    settings_.rpc_host = "127.0.0.1";
    settings_.rpc_port = 1;  // nothing listens there
    NewService();
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string job_id = service_->Enqueue(id);  // recorded; the publish failure is logged
    EXPECT_FALSE(Job(job_id)->published);
    EXPECT_EQ(Status(id), SubmissionStatus::kOnQueue);

    UseBroker();
    service_->Start();
    EXPECT_TRUE(Job(job_id)->published);
    service_->Stop();
    auto job = ReceiveJob();
    ASSERT_TRUE(job);
    EXPECT_EQ(job->job_id, job_id);
    EXPECT_FALSE(ReceiveJob());  // published once
}

TEST_F(RabbitMqEvaluationTest, UpdatesAreConsumedFromTheBroker) {
    UseBroker();
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string job_id = service_->Enqueue(id);
    service_->Start();
    auto producer = queue::Open(settings_, nullptr, "test-worker");
    producer->Publish(queue::kUpdateQueue, ToJson(MakeUpdate(UpdateType::kStarted, job_id, id)));
    producer->Publish(queue::kUpdateQueue, ToJson(MakeUpdate(UpdateType::kComplete, job_id, id)));
    producer->Publish(queue::kUpdateQueue, ToJson(MakeUpdate(UpdateType::kComplete, job_id, id)));
    service_->WaitIdle();
    EXPECT_EQ(Status(id), SubmissionStatus::kCompleted);
    EXPECT_EQ(producer->Ready(queue::kUpdateQueue), 0u);
    service_->Stop();
}

}  // namespace
}  // namespace zr::evaluation::testing
