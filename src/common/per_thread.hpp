#pragma once
// One value per thread that uses an object: the read caches of the hot routes keep their state
// per IO thread, so that no thread ever waits for another on the way of a request (a shared
// cache's mutex, held by a preempted thread, made the others queue behind it: bench/README.md).
//
//   PerThread<Cache> caches_{[] { return std::make_unique<Cache>(); }};
//   Cache& mine = caches_.Get();   // no lock after this thread's first call
//
// The values live as long as the PerThread object (a thread that ends leaves its value behind:
// the server's IO threads live as long as the server). Get() from any thread; each value is only
// ever used by the thread it was made for.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace zr {

namespace per_thread_detail {

// The values this thread used last, by the serial of their PerThread object (serials are never
// reused, so a destroyed object's entry can never be mistaken for a new one's).
struct Memo {
    std::array<std::pair<std::uint64_t, void*>, 4> slots{};
    std::size_t next = 0;
};
inline thread_local Memo memo;
inline std::atomic<std::uint64_t> next_serial{1};

}  // namespace per_thread_detail

template <typename T>
class PerThread {
public:
    explicit PerThread(std::function<std::unique_ptr<T>()> make)
        : make_(std::move(make)), serial_(per_thread_detail::next_serial++) {}
    PerThread(const PerThread&) = delete;
    PerThread& operator=(const PerThread&) = delete;

    // The calling thread's value, made on its first call.
    T& Get() const {
        auto& memo = per_thread_detail::memo;
        for (const auto& [serial, value] : memo.slots) {
            if (serial == serial_) return *static_cast<T*>(value);
        }
        T* value = nullptr;
        {
            std::lock_guard lock(mutex_);
            auto& slot = values_[std::this_thread::get_id()];
            if (!slot) slot = make_();
            value = slot.get();
        }
        memo.slots[memo.next] = {serial_, value};
        memo.next = (memo.next + 1) % memo.slots.size();
        return *value;
    }

private:
    const std::function<std::unique_ptr<T>()> make_;
    const std::uint64_t serial_;
    mutable std::mutex mutex_;
    mutable std::map<std::thread::id, std::unique_ptr<T>> values_;  // guarded by mutex_
};

}  // namespace zr
