#pragma once
// A small map of values read from the database, used only while nothing was committed to the file
// since they were read (see CommitWatch). All entries share one stamp: the first store under a
// newer stamp drops the others, so the map never holds values of an older commit for long.
//
//   const auto stamp = db.LastCommit();          // before reading
//   if (stamp) if (auto hit = cache.Find(key, *stamp)) return *hit;
//   Value value = ReadFromDatabase(key);
//   if (stamp) cache.Store(key, value, *stamp);
//
// Thread-safe. Values are copied out; keep them small or share them.
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "db/commit_watch.hpp"

namespace zr::db {

template <typename Key, typename Value>
class CommitCache {
public:
    explicit CommitCache(std::size_t max_entries) : max_entries_(max_entries) {}

    // The value stored under `key` if `now` is the stamp it was stored under.
    template <typename K>
    std::optional<Value> Find(const K& key, const CommitStamp& now) const {
        std::lock_guard lock(mutex_);
        if (!(now == stamp_)) return std::nullopt;
        const auto it = entries_.find(key);
        if (it == entries_.end()) return std::nullopt;
        return it->second;
    }

    // Stores a value read after `read_after` was taken. Entries of another stamp are dropped; a
    // full map is emptied first (the bound holds against many distinct keys).
    void Store(Key key, Value value, const CommitStamp& read_after) {
        std::lock_guard lock(mutex_);
        if (!(read_after == stamp_) || entries_.size() >= max_entries_) {
            entries_.clear();
            stamp_ = read_after;
        }
        entries_.insert_or_assign(std::move(key), std::move(value));
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return entries_.size();
    }

private:
    const std::size_t max_entries_;
    mutable std::mutex mutex_;
    CommitStamp stamp_;                          // guarded by mutex_
    std::map<Key, Value, std::less<>> entries_;  // guarded by mutex_
};

}  // namespace zr::db
