// The RabbitMQ back-end beyond the shared contract: connection loss, broker restarts, errors,
// throughput. Uses the binary's private broker (rabbitmq_broker.hpp).
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "queue_backends.hpp"

namespace zr::queue {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

TEST(RabbitMqQueue, AConsumerClosedWithoutAckLeavesTheMessageToTheNextWithAttempts2) {
    RabbitMqBackend backend;
    auto first = backend.Open("first");
    first->Publish(kEvalQueue, Json{{"type", "job"}, {"id", "x"}});
    ASSERT_TRUE(first->Receive(kEvalQueue, 5s));
    first.reset();  // connection closed, no ack
    auto second = backend.Open("second");
    auto again = second->Receive(kEvalQueue, 5s);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->body["id"], "x");
    EXPECT_EQ(again->attempts, 2u);
    EXPECT_TRUE(second->Ack(*again));
}

TEST(RabbitMqQueue, AnInstanceConsumesOneQueueButPublishesToAny) {
    RabbitMqBackend backend;
    auto queue = backend.Open("c");
    EXPECT_FALSE(queue->Receive(kEvalQueue, 100ms));
    EXPECT_THROW(queue->Receive(kUpdateQueue, 100ms), QueueError);
    queue->Publish(kUpdateQueue, Json{{"type", "update"}});
    queue->Publish(kEvalQueue, Json{{"type", "job"}});
    auto delivery = queue->Receive(kEvalQueue, 5s);  // the consumer is active while it publishes
    ASSERT_TRUE(delivery);
    EXPECT_EQ(delivery->body["type"], "job");
    EXPECT_TRUE(queue->Ack(*delivery));
    EXPECT_EQ(queue->Ready(kUpdateQueue), 1u);
}

TEST(RabbitMqQueue, AnUnreachableBrokerIsAQueueErrorAfterTheGivenPatience) {
    auto settings = testing::RabbitMqBroker::Shared().Settings();
    settings.rpc_port = 1;  // nothing listens there
    const auto start = Clock::now();
    try {
        Open(settings, nullptr, "c", 1500ms);
        FAIL() << "no error";
    } catch (const QueueError& error) {
        EXPECT_NE(std::string(error.what()).find("127.0.0.1:1"), std::string::npos) << error.what();
    }
    EXPECT_GE(Clock::now() - start, 1400ms);
    EXPECT_LT(Clock::now() - start, 5s);
}

TEST(RabbitMqQueue, WrongCredentialsAreAQueueError) {
    auto settings = testing::RabbitMqBroker::Shared().Settings();
    settings.rpc_password = "wrong";
    EXPECT_THROW(Open(settings, nullptr, "c", 1000ms), QueueError);
}

// A persistent message survives a broker restart; publisher and consumer reconnect by
// themselves; a delivery held across the restart can no longer be acknowledged and comes back.
TEST(RabbitMqQueue, BrokerRestartLosesNothingAndClientsReconnect) {
    RabbitMqBackend backend;
    auto& broker = testing::RabbitMqBroker::Shared();
    auto publisher = backend.Open("publisher");
    auto consumer = backend.Open("consumer");
    publisher->Publish(kEvalQueue, Json{{"type", "job"}, {"n", 0}});
    publisher->Publish(kEvalQueue, Json{{"type", "job"}, {"n", 1}});
    auto held = consumer->Receive(kEvalQueue, 5s);
    ASSERT_TRUE(held);
    EXPECT_EQ(held->body["n"], 0);

    broker.Restart();

    EXPECT_FALSE(consumer->Ack(*held));
    publisher->Publish(kEvalQueue, Json{{"type", "job"}, {"n", 2}});  // reconnects first
    std::map<int, unsigned> attempts;
    while (attempts.size() < 3) {
        auto delivery = consumer->Receive(kEvalQueue, 30s);
        ASSERT_TRUE(delivery) << "got " << attempts.size();
        attempts[delivery->body["n"].get<int>()] = delivery->attempts;
        EXPECT_TRUE(consumer->Ack(*delivery));
    }
    EXPECT_GE(attempts[0], 1u);
    std::cout << "[ info     ] attempts after restart: n0=" << attempts[0] << " n1=" << attempts[1]
              << " n2=" << attempts[2] << "\n";
    EXPECT_EQ(attempts[2], 1u);
    EXPECT_FALSE(consumer->Receive(kEvalQueue, 300ms));
}

// The broker drops a connection nobody services (heartbeats of 1 s here); the next Publish
// re-opens it at once.
TEST(RabbitMqQueue, AnIdlePublisherWhoseConnectionWasDroppedPublishesAgain) {
    RabbitMqBackend backend;
    auto publisher = backend.Open("publisher");
    publisher->Publish(kUpdateQueue, Json{{"type", "update"}, {"n", 1}});
    std::this_thread::sleep_for(4500ms);
    const auto start = Clock::now();
    publisher->Publish(kUpdateQueue, Json{{"type", "update"}, {"n", 2}});
    EXPECT_LT(Clock::now() - start, 2s);
    EXPECT_EQ(publisher->Ready(kUpdateQueue), 2u);
}

// Micro benchmark: publish (confirmed) + receive + ack cycles.
TEST(RabbitMqQueue, Throughput) {
    RabbitMqBackend backend;
    constexpr int kCycles = 300;
    auto queue = backend.Open("bench");
    auto publisher = backend.Open("bench-publisher");
    const auto start = Clock::now();
    for (int i = 0; i < kCycles; ++i) {
        publisher->Publish(kEvalQueue, Json{{"type", "job"}, {"i", i}});
        auto delivery = queue->Receive(kEvalQueue, 5s);
        ASSERT_TRUE(delivery);
        ASSERT_TRUE(queue->Ack(*delivery));
    }
    const double rate = kCycles / std::chrono::duration<double>(Clock::now() - start).count();
    std::cout << "[ bench    ] rabbitmq: " << static_cast<int>(rate) << " publish+receive+ack/s (1 thread)\n";
    EXPECT_GT(rate, 20);
}

// ---- A network that stalls without closing (issue 21): no call waits without a deadline ----

TEST(RabbitMqQueue, AnIdleConnectionIsKeptAliveWithoutCalls) {
    RabbitMqBackend backend;
    auto publisher = backend.Open("idle");
    const int connections = backend.proxy().accepted();
    // Four heartbeats of silence from the caller: the keeper thread answers the broker's.
    std::this_thread::sleep_for(4500ms);
    EXPECT_TRUE(publisher->Connected());
    publisher->Publish(kUpdateQueue, Json{{"type", "update"}});
    EXPECT_EQ(backend.proxy().accepted(), connections) << "the idle connection was dropped and opened again";
}

TEST(RabbitMqQueue, AStalledConsumerNoticesWithinAFewHeartbeatsAndTakesWorkAgainAfter) {
    RabbitMqBackend backend;
    auto consumer = backend.Open("stalled");
    consumer->Publish(kEvalQueue, Json{{"type", "job"}, {"id", "s"}});
    auto held = consumer->Receive(kEvalQueue, 5s);
    ASSERT_TRUE(held);
    backend.proxy().Stall();
    // Liveness, not speed: the bound is far above the ~2-3 s the heartbeats take.
    const auto until = Clock::now() + 30s;
    bool alive = true;
    while (alive && Clock::now() < until) {
        alive = consumer->KeepAlive(*held);
        std::this_thread::sleep_for(200ms);
    }
    EXPECT_FALSE(alive) << "KeepAlive still true 30 s into a stall";
    EXPECT_FALSE(consumer->Connected());
    backend.proxy().Resume();
    // The same instance connects again and gets the message the broker took back.
    std::optional<Delivery> again;
    for (int i = 0; i < 30 && !again; ++i) again = consumer->Receive(kEvalQueue, 1s);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->body["id"], "s");
    EXPECT_EQ(again->attempts, 2u);
    EXPECT_TRUE(consumer->Ack(*again));
}

TEST(RabbitMqQueue, InterruptEndsAPublishHeldByAStalledNetwork) {
    RabbitMqBackend backend;
    auto publisher = backend.Open("stuck");
    backend.proxy().Stall();
    std::atomic<bool> done{false};
    std::string error;
    std::thread publishing([&] {
        try {
            publisher->Publish(kUpdateQueue, Json{{"type", "update"}});
        } catch (const QueueError& e) {
            error = e.what();
        }
        done = true;
    });
    std::this_thread::sleep_for(1s);
    publisher->Interrupt();
    const auto until = Clock::now() + 30s;  // one call's deadline is 15 s at most
    while (!done && Clock::now() < until) std::this_thread::sleep_for(50ms);
    const bool returned = done;
    backend.proxy().Resume();  // lets the thread end on the old code too
    publishing.join();
    EXPECT_TRUE(returned) << "Publish still blocked 30 s after Interrupt";
    EXPECT_NE(error.find("unreachable"), std::string::npos) << error;
}

}  // namespace
}  // namespace zr::queue
