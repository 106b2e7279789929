// The embedded back-end beyond the shared contract: waking, polling, the repository, throughput.
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "queue_backends.hpp"

namespace zr::queue {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

TEST(EmbeddedQueue, AWaitingConsumerWakesAtOnceOnAPublishInTheSameProcess) {
    EmbeddedBackend backend;
    auto consumer = backend.Open("consumer");
    auto publisher = backend.Open("publisher");
    Clock::time_point published;
    std::thread later([&] {
        std::this_thread::sleep_for(700ms);  // the consumer's polling has backed off to 200 ms by now
        published = Clock::now();
        publisher->Publish(kEvalQueue, Json{{"type", "job"}});
    });
    auto delivery = consumer->Receive(kEvalQueue, 5s);
    const auto received = Clock::now();
    later.join();
    ASSERT_TRUE(delivery);
    EXPECT_LT(received - published, 100ms);
    EXPECT_TRUE(consumer->Ack(*delivery));
}

TEST(EmbeddedQueue, AMessageFromAnotherProcessIsSeenByPolling) {
    EmbeddedBackend backend;
    auto consumer = backend.Open("consumer");
    std::thread other([&] {
        std::this_thread::sleep_for(500ms);
        backend.InjectRaw(kUpdateQueue, R"({"type": "evaluation_started"})");  // no in-process signal
    });
    const auto start = Clock::now();
    auto delivery = consumer->Receive(kUpdateQueue, 5s);
    other.join();
    ASSERT_TRUE(delivery);
    EXPECT_EQ(delivery->body["type"], "evaluation_started");
    EXPECT_LT(Clock::now() - start, 500ms + 400ms);  // polls at most every 200 ms
}

TEST(EmbeddedQueue, ReceiveTimesOutAndAnotherQueueDoesNotWakeIt) {
    EmbeddedBackend backend;
    auto queue = backend.Open("c");
    queue->Publish(kUpdateQueue, Json{{"type", "update"}});
    const auto start = Clock::now();
    EXPECT_FALSE(queue->Receive(kEvalQueue, 300ms));
    EXPECT_GE(Clock::now() - start, 300ms);
    EXPECT_LT(Clock::now() - start, 1s);
}

TEST(EmbeddedQueue, AcknowledgedRowIsGoneAndAReleasedOneCountsItsDeliveries) {
    EmbeddedBackend backend;
    auto queue = backend.Open("c");
    queue->Publish(kEvalQueue, Json{{"type", "job"}});
    auto delivery = queue->Receive(kEvalQueue, 1s);
    ASSERT_TRUE(delivery);
    {
        auto conn = backend.database().Acquire();
        auto stmt = conn->Prepare("SELECT deliveries, lease_owner, lease_until FROM queue_messages");
        ASSERT_TRUE(stmt.Step());
        EXPECT_EQ(stmt.Int(0), 1);
        EXPECT_EQ(stmt.Text(1), delivery->lease);
        EXPECT_FALSE(stmt.IsNull(2));
    }
    EXPECT_EQ(delivery->lease.rfind("c/", 0), 0u) << delivery->lease;
    EXPECT_TRUE(queue->Ack(*delivery));
    EXPECT_FALSE(queue->Ack(*delivery));  // already gone
    auto conn = backend.database().Acquire();
    auto stmt = conn->Prepare("SELECT COUNT(*) FROM queue_messages");
    ASSERT_TRUE(stmt.Step());
    EXPECT_EQ(stmt.Int(0), 0);
}

TEST(EmbeddedQueue, AnExpiredMessageComesBeforeYoungerNeverLeasedOnes) {
    EmbeddedBackend backend;
    auto first = backend.Open("first");
    first->Publish(kEvalQueue, Json{{"id", "a"}});
    first->Publish(kEvalQueue, Json{{"id", "b"}});
    ASSERT_TRUE(first->Receive(kEvalQueue, 1s));
    backend.LoseOwnership(*first);
    auto second = backend.Open("second");
    auto a = second->Receive(kEvalQueue, 1s);
    auto b = second->Receive(kEvalQueue, 1s);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->body["id"], "a");
    EXPECT_EQ(a->attempts, 2u);
    EXPECT_EQ(b->body["id"], "b");
    EXPECT_EQ(b->attempts, 1u);
}

TEST(EmbeddedQueue, AForgedLeaseOwnsNothing) {
    EmbeddedBackend backend;
    auto queue = backend.Open("c");
    queue->Publish(kEvalQueue, Json{{"type", "job"}});
    auto delivery = queue->Receive(kEvalQueue, 1s);
    ASSERT_TRUE(delivery);
    Delivery forged = *delivery;
    forged.lease = "c/0000";
    EXPECT_FALSE(queue->Ack(forged));
    EXPECT_FALSE(queue->KeepAlive(forged));
    queue->Release(forged);
    EXPECT_EQ(queue->Ready(kEvalQueue), 0u);  // still leased to the real owner
    EXPECT_TRUE(queue->Ack(*delivery));
}

TEST(EmbeddedQueue, OpenRefusesAnUnknownBackEndAndAMissingDatabase) {
    settings::Settings settings;
    settings.queue_backend = "kafka";
    EXPECT_THROW(Open(settings, nullptr, "c"), QueueError);
    settings.queue_backend = "embedded";
    EXPECT_THROW(Open(settings, nullptr, "c"), QueueError);
}

// Micro benchmark: publish + receive + ack cycles, one thread and two consumer threads.
TEST(EmbeddedQueue, Throughput) {
    EmbeddedBackend backend;
    constexpr int kCycles = 2000;
    auto queue = backend.Open("bench");
    const auto start = Clock::now();
    for (int i = 0; i < kCycles; ++i) {
        queue->Publish(kEvalQueue, Json{{"type", "job"}, {"i", i}});
        auto delivery = queue->Receive(kEvalQueue, 1s);
        ASSERT_TRUE(delivery);
        ASSERT_TRUE(queue->Ack(*delivery));
    }
    const double single = kCycles / Seconds(Clock::now() - start);

    for (int i = 0; i < kCycles; ++i) queue->Publish(kEvalQueue, Json{{"type", "job"}, {"i", i}});
    std::atomic<int> done{0};
    auto consume = [&](std::string name) {
        auto mine = backend.Open(name);
        while (auto delivery = mine->Receive(kEvalQueue, 200ms)) {
            if (mine->Ack(*delivery)) ++done;
        }
    };
    const auto start2 = Clock::now();
    std::thread a(consume, "a");
    std::thread b(consume, "b");
    a.join();
    b.join();
    const double two = kCycles / (Seconds(Clock::now() - start2) - 0.2);  // minus the final timeout
    EXPECT_EQ(done, kCycles);
    std::cout << "[ bench    ] embedded: " << static_cast<int>(single) << " publish+receive+ack/s (1 thread), "
              << static_cast<int>(two) << " receive+ack/s (2 consumers)\n";
    RecordProperty("cycles_per_s", static_cast<int>(single));
    EXPECT_GT(single, 600);  // an evaluation is ~3 publishes + 4 receive/acks: 200 evaluations/s needs ~600/s
}

}  // namespace
}  // namespace zr::queue
