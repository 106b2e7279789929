#pragma once
// Challenges (tracks), evaluators, submissions and leaderboards as stored in the database.
#include <cstdint>
#include <optional>
#include <string>

#include "common/time.hpp"
#include "domain/submission_status.hpp"
#include "domain/user.hpp"

namespace zr::domain {

using ChallengeId = std::int64_t;
using EvaluatorId = std::int64_t;
using LeaderboardId = std::int64_t;

struct Challenge {
    ChallengeId id = 0;
    std::string label;
    Date start_date;
    std::optional<Date> end_date;  // none = open-ended
    bool active = false;
    std::string url;
    std::optional<EvaluatorId> evaluator;

    // Open when active and start_date <= today and (no end_date or today <= end_date).
    bool IsOpen(Date today) const { return active && start_date <= today && (!end_date || today <= *end_date); }
};

struct NewChallenge {
    std::string label;
    Date start_date;
    std::optional<Date> end_date;
    bool active = false;
    std::string url;
    std::optional<EvaluatorId> evaluator;
};

struct Evaluator {
    EvaluatorId id = 0;
    std::string label;
    std::optional<std::string> host;  // none = this host
    std::string executor;             // python, bash, sbatch, docker
    std::string script_path;
    std::string base_arguments;  // ';'-separated
};

struct Submission {
    std::string id;  // YYYYMM-DDHH-MMSS-<uuid4>
    UserId user_id = 0;
    ChallengeId track_id = 0;
    TimePoint submit_date;
    SubmissionStatus status = SubmissionStatus::kUploading;
};

struct Leaderboard {
    LeaderboardId id = 0;
    ChallengeId challenge_id = 0;
    std::string label;
    std::string path_to;
    std::string entry_file;
    bool archived = false;
    std::string external_entries;
    bool static_files = false;
    std::string sorting_key;
};

}  // namespace zr::domain
