#include "evaluation/publications.hpp"

#include <algorithm>

namespace zr::evaluation {

void Publications::MarkDirty(domain::ChallengeId challenge_id, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto [it, added] = entries_.try_emplace(challenge_id);
    if (added) {
        it->second.due.challenge_id = challenge_id;
        it->second.dirty_since = now;
        it->second.retry_at = now;
    }
}

void Publications::Await(domain::ChallengeId challenge_id, const db::EvaluationJobRow& job, Clock::time_point now) {
    MarkDirty(challenge_id, now);
    std::lock_guard lock(mutex_);
    entries_.at(challenge_id).due.awaiting.insert_or_assign(job.submission_id, job);
}

std::vector<Publications::Due> Publications::TakeDue(bool drained, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    std::vector<Due> due;
    for (auto it = entries_.begin(); it != entries_.end();) {
        const Entry& entry = it->second;
        const bool retry_waits = entry.due.failures > 0 && now < entry.retry_at;
        const bool ready = drained || now - entry.dirty_since >= kRebuildInterval;
        if (!retry_waits && ready) {
            due.push_back(std::move(it->second.due));
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
    return due;
}

std::vector<Publications::Due> Publications::TakeAll() {
    std::lock_guard lock(mutex_);
    std::vector<Due> due;
    for (auto& [id, entry] : entries_) due.push_back(std::move(entry.due));
    entries_.clear();
    return due;
}

void Publications::Failed(Due due, Clock::time_point now) {
    ++due.failures;
    auto delay = kFirstRetry;
    for (int i = 1; i < due.failures && delay < kLongestRetry; ++i) delay *= 2;
    delay = std::min(delay, kLongestRetry);
    std::lock_guard lock(mutex_);
    auto [it, added] = entries_.try_emplace(due.challenge_id);
    Entry& entry = it->second;
    if (added) entry.dirty_since = now;
    // Completions that arrived meanwhile join the ones that waited.
    for (auto& [id, job] : entry.due.awaiting) due.awaiting.insert_or_assign(id, job);
    entry.due = std::move(due);
    entry.retry_at = now + delay;
}

bool Publications::empty() const {
    std::lock_guard lock(mutex_);
    return entries_.empty();
}

}  // namespace zr::evaluation
