#pragma once
// One background thread fed by a queue of items: the pattern behind submission completion, e-mail
// and Mattermost (each was a mutex, a condition variable, a deque and a thread of its own).
//
// Items run one at a time on the queue's thread, in the order they become due (posting order for
// equal due times). `work` gets each item; an exception it throws is logged (with the queue's
// name) and the item dropped: retrying is the work's decision (post the item again with a delay).
// The thread starts with the first Post.
// Thread-safety: every member may be called from any thread, except Stop (once, not from `work`).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace zr {

template <class Item>
class WorkQueue {
public:
    using Clock = std::chrono::steady_clock;

    WorkQueue(std::string name, std::function<void(const Item&)> work)
        : name_(std::move(name)), work_(std::move(work)) {}
    // Stop(0): the item running finishes, the others are dropped.
    ~WorkQueue() { Stop(std::chrono::milliseconds(0)); }
    WorkQueue(const WorkQueue&) = delete;
    WorkQueue& operator=(const WorkQueue&) = delete;

    // Queues `item`, due after `delay`. False (nothing queued) once Stop was called.
    bool Post(Item item, std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
        return Add<false>(std::move(item), delay);
    }
    // As Post, but false (nothing queued) when an equal item is queued or running.
    bool PostUnique(Item item, std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
        return Add<true>(std::move(item), delay);
    }

    // Blocks until nothing is queued (delayed items included) or running, or the queue stopped.
    void Flush() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return (entries_.empty() && running_ == nullptr) || done_; });
    }

    // Stops taking items and lets the queue run for at most `drain` (delayed items run when due
    // within it); then sets aborting(), lets the item running finish and joins. Returns the
    // items that did not run, for the caller to log or keep. Later calls return nothing.
    std::vector<Item> Stop(std::chrono::milliseconds drain) {
        std::unique_lock lock(mutex_);
        if (stopping_) return {};
        stopping_ = true;
        cv_.notify_all();
        const bool drained = cv_.wait_for(lock, drain, [this] { return entries_.empty() && running_ == nullptr; });
        if (!drained) aborting_ = true;
        cv_.notify_all();
        lock.unlock();
        if (thread_.joinable()) thread_.join();
        lock.lock();
        std::vector<Item> left;
        for (auto& entry : entries_) left.push_back(std::move(entry.item));
        entries_.clear();
        done_ = true;
        cv_.notify_all();
        return left;
    }

    // Set once Stop's drain time is over: long work (a network call, a retry wait) should end early.
    const std::atomic<bool>& aborting() const { return aborting_; }
    // For `work`: waits `delay` unless the queue starts aborting; false when it did.
    bool Pause(std::chrono::milliseconds delay) {
        std::unique_lock lock(mutex_);
        return !cv_.wait_for(lock, delay, [this] { return aborting_.load(); });
    }
    // Items queued (not counting the one running).
    std::size_t pending() const {
        std::lock_guard lock(mutex_);
        return entries_.size();
    }

private:
    struct Entry {
        Clock::time_point due;
        std::uint64_t sequence;
        Item item;
    };

    template <bool kUnique>
    bool Add(Item item, std::chrono::milliseconds delay) {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        if constexpr (kUnique) {
            const bool queued =
                std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.item == item; });
            if (queued || (running_ != nullptr && *running_ == item)) return false;
        }
        Entry entry{Clock::now() + delay, next_sequence_++, std::move(item)};
        const auto at = std::upper_bound(entries_.begin(), entries_.end(), entry, [](const Entry& a, const Entry& b) {
            return a.due < b.due || (a.due == b.due && a.sequence < b.sequence);
        });
        entries_.insert(at, std::move(entry));
        if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
        cv_.notify_all();
        return true;
    }

    void Loop() {
        std::unique_lock lock(mutex_);
        while (!aborting_) {
            if (entries_.empty()) {
                if (stopping_) break;
                cv_.wait(lock);
                continue;
            }
            const Clock::time_point due = entries_.front().due;
            if (due > Clock::now()) {
                cv_.wait_until(lock, due);
                continue;
            }
            Item item = std::move(entries_.front().item);
            entries_.pop_front();
            running_ = &item;
            lock.unlock();
            Run(item);
            lock.lock();
            running_ = nullptr;
            cv_.notify_all();
        }
    }

    void Run(const Item& item) noexcept {
        try {
            work_(item);
        } catch (const std::exception& e) {
            spdlog::error("{}: {}", name_, e.what());
        } catch (...) {
            spdlog::error("{}: unknown error", name_);
        }
    }

    const std::string name_;
    const std::function<void(const Item&)> work_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Entry> entries_;      // by due time, then sequence
    const Item* running_ = nullptr;  // the item `work` has, while it runs
    std::uint64_t next_sequence_ = 0;
    bool stopping_ = false;
    bool done_ = false;  // Stop returned
    std::atomic<bool> aborting_{false};
    std::thread thread_;
};

}  // namespace zr
