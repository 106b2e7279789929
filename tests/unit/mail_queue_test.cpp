#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mail/mailer.hpp"

namespace {

using namespace std::chrono_literals;
using zr::mail::MailError;
using zr::mail::MailQueue;
using zr::mail::Message;

// Records what it is asked to send; fails the first `failures` attempts, sleeps `delay` per call.
class FakeMailer : public zr::mail::Mailer {
public:
    explicit FakeMailer(int failures = 0, std::chrono::milliseconds delay = 0ms) : failures_(failures), delay_(delay) {}

    void Send(const Message& message) override {
        std::this_thread::sleep_for(delay_);
        std::lock_guard lock(mutex_);
        ++attempts_;
        if (failures_ < 0 || attempts_ <= failures_) throw MailError("connection refused");
        sent_.push_back(message.subject);
    }
    std::vector<std::string> Sent() {
        std::lock_guard lock(mutex_);
        return sent_;
    }
    int Attempts() {
        std::lock_guard lock(mutex_);
        return attempts_;
    }

private:
    std::mutex mutex_;
    int failures_;  // -1: always fail
    std::chrono::milliseconds delay_;
    int attempts_ = 0;
    std::vector<std::string> sent_;
};

Message Mail(const std::string& subject) { return {"bob@example.org", subject, "text", ""}; }

TEST(MailQueue, SendsInOrderAndFlushWaits) {
    FakeMailer mailer(0, 20ms);
    MailQueue queue(mailer);
    for (const char* subject : {"a", "b", "c"}) queue.Enqueue(Mail(subject));
    queue.Flush();
    EXPECT_EQ(mailer.Sent(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(MailQueue, EnqueueDoesNotWaitForTheNetwork) {
    FakeMailer mailer(0, 300ms);
    MailQueue queue(mailer);
    const auto start = std::chrono::steady_clock::now();
    queue.Enqueue(Mail("slow"));
    queue.Enqueue(Mail("slower"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
    queue.Flush();
    EXPECT_EQ(mailer.Sent().size(), 2u);
}

TEST(MailQueue, RetriesThenSucceeds) {
    FakeMailer mailer(2);
    MailQueue queue(mailer, {10ms, 30ms});
    const auto start = std::chrono::steady_clock::now();
    queue.Enqueue(Mail("third time lucky"));
    queue.Flush();
    EXPECT_GE(std::chrono::steady_clock::now() - start, 40ms);
    EXPECT_EQ(mailer.Attempts(), 3);
    EXPECT_EQ(mailer.Sent(), std::vector<std::string>{"third time lucky"});
}

TEST(MailQueue, GivesUpAfterThreeAttemptsAndGoesOn) {
    FakeMailer mailer(3);  // the first message fails three times, the next one works
    MailQueue queue(mailer, {5ms, 5ms});
    queue.Enqueue(Mail("lost"));
    queue.Enqueue(Mail("delivered"));
    queue.Flush();
    EXPECT_EQ(mailer.Attempts(), 4);
    EXPECT_EQ(mailer.Sent(), std::vector<std::string>{"delivered"});
    // Counted for /metrics: each failed attempt, the message given up, the one delivered.
    const zr::DeliveryCounts counts = queue.counts();
    EXPECT_EQ(counts.failed_attempts, 3u);
    EXPECT_EQ(counts.dropped, 1u);
    EXPECT_EQ(counts.sent, 1u);
}

TEST(MailQueue, DefaultRetriesAreOneThenFiveSeconds) {
    EXPECT_EQ(MailQueue::DefaultRetryDelays(), (std::vector<std::chrono::milliseconds>{1000ms, 5000ms}));
}

TEST(MailQueue, DestructorDrainsTheQueue) {
    FakeMailer mailer(0, 10ms);
    {
        MailQueue queue(mailer);
        for (int i = 0; i < 5; ++i) queue.Enqueue(Mail(std::to_string(i)));
    }
    EXPECT_EQ(mailer.Sent().size(), 5u);
}

TEST(MailQueue, DestructorWaitIsBounded) {
    FakeMailer mailer(-1);
    const auto start = std::chrono::steady_clock::now();
    {
        MailQueue queue(mailer, {10s, 10s}, 200ms);
        queue.Enqueue(Mail("never"));
        queue.Enqueue(Mail("dropped"));
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GE(elapsed, 200ms);
    EXPECT_LT(elapsed, 3s);
    EXPECT_EQ(mailer.Attempts(), 1);
    EXPECT_TRUE(mailer.Sent().empty());
}

TEST(MailQueue, ConcurrentProducers) {
    FakeMailer mailer;
    MailQueue queue(mailer);
    std::vector<std::thread> producers;
    for (int t = 0; t < 4; ++t) {
        producers.emplace_back([&queue, t] {
            for (int i = 0; i < 25; ++i) queue.Enqueue(Mail(std::to_string(t * 100 + i)));
        });
    }
    for (auto& producer : producers) producer.join();
    queue.Flush();
    EXPECT_EQ(mailer.Sent().size(), 100u);
}

}  // namespace
