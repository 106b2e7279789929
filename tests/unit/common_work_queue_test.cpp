// WorkQueue: items run one at a time in due order; PostUnique refuses an item queued or running;
// Flush waits for delayed items; Stop drains for a bounded time, then aborts and hands back what
// did not run; a failing item does not stop the queue.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/work_queue.hpp"

namespace zr {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A work function that records the items it ran and can hold the queue's thread on one item.
class Recorder {
public:
    void Run(const std::string& item) {
        std::unique_lock lock(mutex_);
        if (item == held_) {
            running_held_ = true;
            cv_.notify_all();
            cv_.wait(lock, [this] { return released_; });
        }
        ran_.push_back(item);
    }
    void Hold(std::string item) {
        std::lock_guard lock(mutex_);
        held_ = std::move(item);
    }
    // Waits until the held item is running.
    bool WaitHeld() {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, 5s, [this] { return running_held_; });
    }
    void Release() {
        std::lock_guard lock(mutex_);
        released_ = true;
        cv_.notify_all();
    }
    std::vector<std::string> ran() {
        std::lock_guard lock(mutex_);
        return ran_;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::string held_;
    bool running_held_ = false;
    bool released_ = false;
    std::vector<std::string> ran_;
};

TEST(WorkQueueTest, RunsItemsInTheOrderTheyBecomeDue) {
    Recorder recorder;
    WorkQueue<std::string> queue("test", [&](const std::string& item) { recorder.Run(item); });
    recorder.Hold("first");
    ASSERT_TRUE(queue.Post("first"));
    ASSERT_TRUE(recorder.WaitHeld());  // the others are queued while it runs
    ASSERT_TRUE(queue.Post("late", 300ms));
    ASSERT_TRUE(queue.Post("middle", 150ms));
    ASSERT_TRUE(queue.Post("now-1"));
    ASSERT_TRUE(queue.Post("now-2"));
    EXPECT_EQ(queue.pending(), 4u);
    recorder.Release();
    queue.Flush();
    EXPECT_EQ(recorder.ran(), (std::vector<std::string>{"first", "now-1", "now-2", "middle", "late"}));
    EXPECT_EQ(queue.pending(), 0u);
}

TEST(WorkQueueTest, PostUniqueRefusesAnItemQueuedOrRunning) {
    Recorder recorder;
    WorkQueue<std::string> queue("test", [&](const std::string& item) { recorder.Run(item); });
    recorder.Hold("a");
    ASSERT_TRUE(queue.PostUnique("a"));
    ASSERT_TRUE(recorder.WaitHeld());
    EXPECT_FALSE(queue.PostUnique("a"));  // running
    EXPECT_TRUE(queue.PostUnique("b", 50ms));
    EXPECT_FALSE(queue.PostUnique("b"));  // queued (delayed)
    EXPECT_TRUE(queue.PostUnique("c"));
    EXPECT_TRUE(queue.Post("c"));  // Post does not look
    recorder.Release();
    queue.Flush();
    EXPECT_EQ(recorder.ran(), (std::vector<std::string>{"a", "c", "c", "b"}));
    EXPECT_TRUE(queue.PostUnique("a"));  // done: may be queued again
    queue.Flush();
    EXPECT_EQ(recorder.ran().back(), "a");
}

TEST(WorkQueueTest, FlushWaitsForDelayedItems) {
    Recorder recorder;
    WorkQueue<std::string> queue("test", [&](const std::string& item) { recorder.Run(item); });
    queue.Flush();  // nothing queued, no thread yet: returns at once
    const auto start = Clock::now();
    ASSERT_TRUE(queue.Post("delayed", 200ms));
    queue.Flush();
    EXPECT_GE(Clock::now() - start, 200ms);
    EXPECT_EQ(recorder.ran(), (std::vector<std::string>{"delayed"}));
}

TEST(WorkQueueTest, StopDrainsWhatIsDueWithinTheDrainTime) {
    Recorder recorder;
    WorkQueue<std::string> queue("test", [&](const std::string& item) { recorder.Run(item); });
    ASSERT_TRUE(queue.Post("soon", 50ms));
    ASSERT_TRUE(queue.Post("now"));
    EXPECT_TRUE(queue.Stop(2s).empty());
    EXPECT_EQ(recorder.ran(), (std::vector<std::string>{"now", "soon"}));
    EXPECT_FALSE(queue.aborting());
    EXPECT_FALSE(queue.Post("after"));  // stopped: nothing is queued
    EXPECT_FALSE(queue.PostUnique("after"));
    EXPECT_TRUE(queue.Stop(1s).empty());  // later calls return nothing
    queue.Flush();                        // returns: the queue stopped
}

TEST(WorkQueueTest, StopReturnsTheItemsNotRunAndAbortsAfterTheDrainTime) {
    WorkQueue<std::string>* self = nullptr;
    std::mutex mutex;
    std::vector<std::string> ran;
    bool pause_completed = true;
    std::condition_variable started_cv;
    bool started = false;
    WorkQueue<std::string> queue("test", [&](const std::string& item) {
        if (item == "slow") {
            {
                std::lock_guard lock(mutex);
                started = true;
            }
            started_cv.notify_all();
            const bool completed = self->Pause(10s);  // a retry wait: ends when the queue aborts
            std::lock_guard lock(mutex);
            pause_completed = completed;
        }
        std::lock_guard lock(mutex);
        ran.push_back(item);
    });
    self = &queue;
    ASSERT_TRUE(queue.Post("slow"));
    ASSERT_TRUE(queue.Post("next"));
    ASSERT_TRUE(queue.Post("much-later", 10s));
    {
        std::unique_lock lock(mutex);
        ASSERT_TRUE(started_cv.wait_for(lock, 5s, [&] { return started; }));
    }
    EXPECT_FALSE(queue.aborting());
    const auto start = Clock::now();
    const std::vector<std::string> left = queue.Stop(200ms);
    const auto took = Clock::now() - start;
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 5s);  // not the 10 s pause
    EXPECT_TRUE(queue.aborting());
    EXPECT_EQ(left, (std::vector<std::string>{"next", "much-later"}));
    std::lock_guard lock(mutex);
    EXPECT_FALSE(pause_completed);
    EXPECT_EQ(ran, (std::vector<std::string>{"slow"}));  // the item running finished
}

TEST(WorkQueueTest, AFailingItemIsDroppedAndTheNextRuns) {
    Recorder recorder;
    WorkQueue<std::string> queue("test", [&](const std::string& item) {
        if (item == "throws") throw std::runtime_error("boom");
        if (item == "throws-other") throw 42;
        recorder.Run(item);
    });
    ASSERT_TRUE(queue.Post("throws"));
    ASSERT_TRUE(queue.Post("throws-other"));
    ASSERT_TRUE(queue.Post("fine"));
    queue.Flush();
    EXPECT_EQ(recorder.ran(), (std::vector<std::string>{"fine"}));
    EXPECT_EQ(queue.pending(), 0u);
}

TEST(WorkQueueTest, DestructorDropsWhatIsQueued) {
    Recorder recorder;
    {
        WorkQueue<std::string> queue("test", [&](const std::string& item) { recorder.Run(item); });
        ASSERT_TRUE(queue.Post("far", 10s));
    }  // returns without waiting 10 s
    EXPECT_TRUE(recorder.ran().empty());
}

}  // namespace
}  // namespace zr
