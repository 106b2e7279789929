// The MessageQueue contract, checked on both back-ends with the same typed tests.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "queue_backends.hpp"

namespace zr::queue {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

template <typename Backend>
class QueueContract : public ::testing::Test {
protected:
    Backend backend_;
};

using Backends = ::testing::Types<EmbeddedBackend, RabbitMqBackend>;
class BackendNames {
public:
    template <typename T>
    static std::string GetName(int) {
        return T::kName;
    }
};
TYPED_TEST_SUITE(QueueContract, Backends, BackendNames);

TYPED_TEST(QueueContract, PublishReceiveAck) {
    auto queue = this->backend_.Open("c1");
    queue->Publish(kEvalQueue, Json{{"type", "job"}, {"version", 1}, {"n", 1}});
    EXPECT_EQ(queue->Ready(kEvalQueue), 1u);
    EXPECT_EQ(queue->Ready(kUpdateQueue), 0u);
    auto delivery = queue->Receive(kEvalQueue, 5s);
    ASSERT_TRUE(delivery);
    EXPECT_EQ(delivery->queue, kEvalQueue);
    EXPECT_EQ(delivery->body, (Json{{"type", "job"}, {"version", 1}, {"n", 1}}));
    EXPECT_EQ(delivery->attempts, 1u);
    EXPECT_EQ(queue->Ready(kEvalQueue), 0u);  // taken, not ready
    EXPECT_TRUE(queue->Ack(*delivery));
    EXPECT_FALSE(queue->Receive(kEvalQueue, 200ms));
    EXPECT_EQ(queue->Ready(kEvalQueue), 0u);
}

TYPED_TEST(QueueContract, NothingLostAcrossAFreshOpenAndOrderKept) {
    {
        auto publisher = this->backend_.Open("publisher");
        for (int i = 0; i < 3; ++i) publisher->Publish(kUpdateQueue, Json{{"type", "t"}, {"i", i}});
    }
    auto consumer = this->backend_.Open("consumer");
    for (int i = 0; i < 3; ++i) {
        auto delivery = consumer->Receive(kUpdateQueue, 5s);
        ASSERT_TRUE(delivery) << i;
        EXPECT_EQ(delivery->body["i"], i);
        EXPECT_TRUE(consumer->Ack(*delivery));
    }
    EXPECT_FALSE(consumer->Receive(kUpdateQueue, 100ms));
}

TYPED_TEST(QueueContract, ASilentConsumerLosesItsMessageWhichIsHandedOutAgain) {
    auto first = this->backend_.Open("first");
    first->Publish(kEvalQueue, Json{{"type", "job"}, {"id", "a"}});
    auto lost = first->Receive(kEvalQueue, 5s);
    ASSERT_TRUE(lost);
    this->backend_.LoseOwnership(*first);
    auto second = this->backend_.Open("second");
    auto again = second->Receive(kEvalQueue, 10s);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->body["id"], "a");
    EXPECT_EQ(again->attempts, 2u);
    EXPECT_FALSE(first->KeepAlive(*lost));
    EXPECT_FALSE(first->Ack(*lost));
    EXPECT_TRUE(second->Ack(*again));
    EXPECT_EQ(second->Ready(kEvalQueue), 0u);
}

TYPED_TEST(QueueContract, KeepAliveKeepsTheMessage) {
    auto holder = this->backend_.Open("holder");
    holder->Publish(kEvalQueue, Json{{"type", "job"}});
    auto delivery = holder->Receive(kEvalQueue, 5s);
    ASSERT_TRUE(delivery);
    const auto until = std::chrono::steady_clock::now() + this->backend_.HoldFor();
    while (std::chrono::steady_clock::now() < until) {
        ASSERT_TRUE(holder->KeepAlive(*delivery));
        std::this_thread::sleep_for(this->backend_.KeepAlivePeriod());
    }
    auto other = this->backend_.Open("other");  // opened late: an idle RabbitMQ connection would be dropped
    ASSERT_TRUE(holder->KeepAlive(*delivery));
    EXPECT_FALSE(other->Receive(kEvalQueue, 500ms));
    EXPECT_TRUE(holder->Ack(*delivery));
    EXPECT_FALSE(other->Receive(kEvalQueue, 200ms));
}

TYPED_TEST(QueueContract, ReleaseHandsTheMessageBackAtOnce) {
    auto queue = this->backend_.Open("c1");
    queue->Publish(kEvalQueue, Json{{"type", "job"}, {"id", "r"}});
    auto first = queue->Receive(kEvalQueue, 5s);
    ASSERT_TRUE(first);
    queue->Release(*first);
    auto second = queue->Receive(kEvalQueue, 5s);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->body["id"], "r");
    EXPECT_EQ(second->attempts, 2u);
    EXPECT_TRUE(queue->Ack(*second));
}

TYPED_TEST(QueueContract, ReadyCountsWaitingMessagesPerQueue) {
    auto queue = this->backend_.Open("c1");
    for (int i = 0; i < 3; ++i) queue->Publish(kEvalQueue, Json{{"type", "job"}, {"i", i}});
    queue->Publish(kUpdateQueue, Json{{"type", "update"}});
    EXPECT_EQ(queue->Ready(kEvalQueue), 3u);
    EXPECT_EQ(queue->Ready(kUpdateQueue), 1u);
    auto delivery = queue->Receive(kEvalQueue, 5s);
    ASSERT_TRUE(delivery);
    EXPECT_EQ(queue->Ready(kEvalQueue), 2u);
    EXPECT_TRUE(queue->Ack(*delivery));
}

TYPED_TEST(QueueContract, ABodyThatIsNotAJsonObjectArrivesAsRaw) {
    auto queue = this->backend_.Open("c1");
    this->backend_.InjectRaw(kEvalQueue, "not json {");
    this->backend_.InjectRaw(kEvalQueue, "[1, 2]");
    this->backend_.InjectRaw(kEvalQueue, std::string("bad \xff utf8"));
    std::vector<Json> bodies;
    for (int i = 0; i < 3; ++i) {
        auto delivery = queue->Receive(kEvalQueue, 5s);
        ASSERT_TRUE(delivery) << i;
        bodies.push_back(delivery->body);
        EXPECT_TRUE(queue->Ack(*delivery));
    }
    EXPECT_EQ(bodies[0], (Json{{"raw", "not json {"}}));
    EXPECT_EQ(bodies[1], (Json{{"raw", "[1, 2]"}}));
    EXPECT_EQ(bodies[2]["raw"], "bad \xef\xbf\xbd utf8");
    EXPECT_NO_THROW(bodies[2].dump());
}

// Two consumers, each holding a message a little while: a message is never held by both at once,
// and each is acknowledged exactly once.
TYPED_TEST(QueueContract, TwoConsumersNeverHoldTheSameMessage) {
    constexpr int kMessages = 40;
    {
        auto publisher = this->backend_.Open("publisher");
        for (int i = 0; i < kMessages; ++i) publisher->Publish(kEvalQueue, Json{{"type", "job"}, {"i", i}});
    }
    std::mutex mutex;
    std::set<int> held;
    std::map<int, int> acked;
    std::atomic<bool> overlap{false};
    auto consume = [&](std::string name) {
        auto queue = this->backend_.Open(name);
        while (auto delivery = queue->Receive(kEvalQueue, 1500ms)) {
            const int i = delivery->body["i"];
            {
                std::lock_guard lock(mutex);
                if (!held.insert(i).second) overlap = true;
            }
            std::this_thread::sleep_for(2ms);
            {
                std::lock_guard lock(mutex);
                held.erase(i);
                if (queue->Ack(*delivery)) ++acked[i];
            }
        }
    };
    std::thread a(consume, "a");
    std::thread b(consume, "b");
    a.join();
    b.join();
    EXPECT_FALSE(overlap);
    EXPECT_EQ(acked.size(), static_cast<std::size_t>(kMessages));
    for (const auto& [i, count] : acked) EXPECT_EQ(count, 1) << i;
}

}  // namespace
}  // namespace zr::queue
