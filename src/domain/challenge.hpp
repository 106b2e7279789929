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
    // Whether a completed upload is queued for evaluation by itself (schema version 7; existing
    // challenges: true). Off: the submission waits in no_auto_eval for an organiser.
    bool auto_eval = true;

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
    bool auto_eval = true;
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
    // Schema version 7 (the second API generation); seed-era rows: none / false.
    std::optional<std::string> model_id;
    bool has_scores = false;                  // the archive carries scores computed by the client
    std::optional<bool> auto_eval;            // none: the challenge's
    std::optional<EvaluatorId> evaluator_id;  // none: the challenge's
    std::optional<std::string> author_label;
    std::optional<std::string> leaderboard_file;  // the client's entry, relative to input/

    // The submission's own values where set, else its challenge's.
    bool EffectiveAutoEval(const Challenge& challenge) const { return auto_eval.value_or(challenge.auto_eval); }
    std::optional<EvaluatorId> EffectiveEvaluator(const Challenge& challenge) const {
        return evaluator_id ? evaluator_id : challenge.evaluator;
    }
};

// A participant's system (api-v2.md section 2.3): id = up to 3 ASCII letters of the author's name
// + 2-digit year + letter counter ("Be26a"); never used as a path.
struct Model {
    std::string id;
    UserId user_id = 0;
    std::optional<TimePoint> created_at;
    std::string description;
    std::optional<std::string> gpu_budget;
    std::string train_set;
    std::string authors;
    std::string institution;
    std::optional<std::string> team;
    std::optional<std::string> paper_url;
    std::optional<std::string> code_url;
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
