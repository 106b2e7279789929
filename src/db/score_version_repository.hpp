#pragma once
// submission_scores (migration 0005): one row per score version of a submission, i.e. per
// completed evaluation whose scores are kept (see domain/submission_history.hpp for what is
// shown). SQL lives in score_version_repository.cpp. Same conventions as repositories.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"
#include "db/database.hpp"
#include "domain/challenge.hpp"
#include "domain/submission_history.hpp"

namespace zr::db {

struct ScoreVersionRow {
    std::int64_t id = 0;
    std::string submission_id;
    int version = 0;                    // 1, 2, ... per submission
    std::optional<std::string> job_id;  // the evaluation that made them; nullopt: unrecorded scores
    TimePoint created_at;
    std::string evaluator_label;  // "" when unknown
    std::string script_sha256;    // "" when unknown
    std::string history_name;     // its folder name under the submission's scores_history/
};

// What a leaderboard entry says about who submitted what, from our records.
struct EntryIdentity {
    TimePoint submit_date;
    std::optional<std::string> username;  // none: the owner's row is gone
    std::optional<std::string> model_id;
    std::optional<std::string> author_label;
};

// A submission of a challenge that may have scores on its leaderboards, with what
// domain::WhichScoresShown needs, and what its entry is stamped with.
struct BoardCandidate {
    std::string submission_id;
    domain::SubmissionStatus status = domain::SubmissionStatus::kCompleted;
    std::optional<ScoreVersionRow> newest;      // its newest score version (id and version unset)
    std::optional<domain::CurrentJob> current;  // its latest evaluation job (id and state)
    EntryIdentity identity;
    bool has_scores = false;                      // the client computed scores (api-v2.md section 4.6)
    std::optional<std::string> leaderboard_file;  // the client's entry, relative to input/
};

class ScoreVersionRepository {
public:
    explicit ScoreVersionRepository(Connection& conn) : conn_(conn) {}

    // Inserts the submission's next version (its largest + 1, from 1); returns the row with id and
    // version set. An empty history_name becomes the job id, or "v<version>" without job. Call
    // inside a Transaction. A job already recorded throws UniqueViolation("job_id").
    ScoreVersionRow Add(ScoreVersionRow row);
    std::optional<ScoreVersionRow> Newest(std::string_view submission_id);
    std::optional<ScoreVersionRow> FindByJob(std::string_view job_id);
    // Oldest first.
    std::vector<ScoreVersionRow> List(std::string_view submission_id);
    // The challenge's submissions in status completed, on_queue, evaluating, failed or canceled
    // (never excluded, no_eval, no_auto_eval), by submit_date then id, with their owner's username
    // and v2 columns (one query).
    std::vector<BoardCandidate> ListBoardCandidates(domain::ChallengeId challenge_id);

private:
    Connection& conn_;
};

}  // namespace zr::db
