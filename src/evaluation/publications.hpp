#pragma once
// Internal to zr_evaluation: which challenges' leaderboards must be rebuilt, and which completed
// evaluations wait for that rebuild before their submission is reported "completed"
// (read-your-writes: a participant who sees "completed" finds the entry on every leaderboard).
//
// A burst of completions rebuilds each challenge once (a challenge is due when the update queue is
// drained, or once it has waited kRebuildInterval); a rebuild that failed (a full disk, an
// unwritable path_to) is tried again after a growing delay, its submissions still waiting.
// Thread-safety: thread-safe.
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "db/evaluation_job_repository.hpp"
#include "domain/challenge.hpp"

namespace zr::evaluation {

class Publications {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds kRebuildInterval{1000};
    static constexpr std::chrono::milliseconds kFirstRetry{1000};
    static constexpr std::chrono::milliseconds kLongestRetry{5 * 60 * 1000};

    // A challenge whose leaderboards are due for a rebuild: what waits for it.
    struct Due {
        domain::ChallengeId challenge_id = 0;
        std::map<std::string, db::EvaluationJobRow> awaiting;  // completed jobs, by submission id
        int failures = 0;                                      // rebuilds of it that failed so far
    };

    // The challenge's leaderboards must be rebuilt.
    void MarkDirty(domain::ChallengeId challenge_id, Clock::time_point now = Clock::now());
    // `job` (completed) of a submission of `challenge_id` waits for the rebuild to be published.
    void Await(domain::ChallengeId challenge_id, const db::EvaluationJobRow& job, Clock::time_point now = Clock::now());
    // Takes the challenges due at `now`: all those not waiting for a retry when `drained`,
    // otherwise those dirty for at least kRebuildInterval.
    std::vector<Due> TakeDue(bool drained, Clock::time_point now = Clock::now());
    // Takes every challenge, retries included (a stop, or a caller that waits for the rebuilds).
    std::vector<Due> TakeAll();
    // Puts back a challenge whose rebuild failed, due again after a delay that doubles with each
    // failure (kFirstRetry .. kLongestRetry).
    void Failed(Due due, Clock::time_point now = Clock::now());
    bool empty() const;

private:
    struct Entry {
        Due due;
        Clock::time_point dirty_since;
        Clock::time_point retry_at;  // == dirty_since unless a rebuild failed
    };
    mutable std::mutex mutex_;
    std::map<domain::ChallengeId, Entry> entries_;
};

}  // namespace zr::evaluation
