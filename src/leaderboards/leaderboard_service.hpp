#pragma once
// Leaderboards (pipeline.md section 5, data.md leaderboards table): registration, building and
// public reading.
//
// Building one leaderboard collects every *.json / *.yaml / *.yml file of its external_entries
// folder (each a JSON object, or a list of objects) and, unless it is archived, the entry_file of
// each submission of its challenge in its newest completed scores (domain::WhichScoresShown: a
// completed submission's scores/, or the version kept under scores_history/ while a re-run is
// queued, running, failed or canceled), skipped when missing or not a JSON object (logged).
// Entries are sorted by sorting_key: one or more comma-separated dotted paths into the entry, each
// ascending or, with a leading '-', descending ("-scores.accuracy,details.time"); numbers compare
// numerically, strings lexically; an entry missing a key sorts after those having it; ties keep
// a stable order (external entries first in file-name order, then submissions by submit date).
// Each entry gets "rank" (1-based position); submission entries are stamped from our records
// (entries.hpp StampIdentity: model_id, submission_id, submitted_by, submission_date,
// publication.author_short). A completed has_scores submission without an evaluator entry (its
// client scores, published by an organiser) contributes input/<leaderboard_file> instead.
// Excluded submissions are never collected.
// The file {"updatedOn": <ISO local time>, "last_modified": <same>, "data": [...]} is written atomically (temporary
// file, fsync, rename, through the store's FileSystem) to path_to; builds of one leaderboard never interleave, also
// across processes (an flock on "<path_to>.lock").
//
// path_to: a relative path is under ZR_LEADERBOARD_DIR; external_entries: a relative path is under
// ZR_ARCHIVE_DIR; entry_file: a relative path inside the submission folder (no "..", not absolute).
// Errors: zr::Error — 404 {"message"} unknown leaderboard/challenge, 400 {"message"} bad file or
// field (naming the item and field), 409 label taken.
// Thread-safety: thread-safe.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"
#include "db/database.hpp"
#include "domain/challenge.hpp"
#include "settings/settings.hpp"
#include "storage/submission_store.hpp"

namespace zr::leaderboards {

struct BuildResult {
    domain::LeaderboardId id = 0;
    std::string label;
    std::filesystem::path path;  // where it was written
    std::size_t entries = 0;
    std::size_t skipped = 0;  // unreadable entry files
};

class LeaderboardService {
public:
    LeaderboardService(db::Database& db, const storage::SubmissionStore& store, const settings::Settings& settings,
                       const Clock& clock);

    // `leaderboards:create -f FILE`: a JSON list of {label, challenge_id, path_to, entry_file,
    // external_entries|null, archived, static_files, sorting_key|null}; every item is checked
    // before any is inserted (400 naming the item and field; 404 unknown challenge; 409 label
    // taken). Returns the new ids.
    std::vector<domain::LeaderboardId> CreateFromJson(const nlohmann::json& items);
    std::vector<domain::Leaderboard> List();
    // The leaderboards of one challenge, ordered by id (none for an unknown challenge).
    std::vector<domain::Leaderboard> ListForChallenge(domain::ChallengeId challenge_id);
    domain::Leaderboard Get(domain::LeaderboardId id);  // 404

    BuildResult Build(domain::LeaderboardId id);  // 404
    std::vector<BuildResult> BuildAll();
    // Every leaderboard of the challenge (none is fine).
    std::vector<BuildResult> BuildForChallenge(domain::ChallengeId challenge_id);

    // GET /leaderboards/{id}/json: the built file, or {"updatedOn": <now>, "last_modified": <now>,
    // "data": []} when not built yet (as the first implementation answered). last_modified (the
    // second generation's name) equals updatedOn; a file built without it gets it. 404 unknown.
    nlohmann::json ReadJson(domain::LeaderboardId id);
    nlohmann::json ReadJson(const domain::Leaderboard& board);
    // The built file, or nothing when not built yet. 404 unknown.
    std::optional<nlohmann::json> ReadBuilt(domain::LeaderboardId id);
    std::optional<nlohmann::json> ReadBuilt(const domain::Leaderboard& board);

    // The second generation names boards by label (api-v2.md section 4.3).
    std::optional<domain::Leaderboard> FindByLabel(std::string_view label);
    domain::Leaderboard GetByLabel(std::string_view label);  // 404
    // An all-digit segment is an id, anything else a label. 404 unknown.
    domain::Leaderboard Resolve(std::string_view id_or_label);
    // The label of a board's challenge (its id as text when the row is gone).
    std::string ChallengeLabel(domain::ChallengeId challenge_id);
    // The built board's entries as CSV (entries.hpp EntriesToCsv: empty text for no entries).
    std::string ReadCsv(const domain::Leaderboard& board);
    // The built board's entry whose submission_id is `submission_id`. 404 {"message"} none.
    nlohmann::json ReadEntry(const domain::Leaderboard& board, std::string_view submission_id);
    // GET /challenges/{id}/leaderboard: {<leaderboard label>: ReadJson(...)} for each of its
    // leaderboards. 404 {"message": "There is no challenge with the following id: N"}.
    nlohmann::json ReadForChallenge(domain::ChallengeId challenge_id);

    // Removes the temporary files a crash left beside the boards' files (start-up); returns how
    // many. Never throws.
    int RemoveLeftovers();

    // Where the built file of `board` lives (path_to resolved as described above).
    std::filesystem::path OutputPath(const domain::Leaderboard& board) const;

private:
    std::mutex& BoardMutex(domain::LeaderboardId id);

    db::Database& db_;
    const storage::SubmissionStore& store_;
    const settings::Settings& settings_;
    const Clock& clock_;
    std::mutex mutexes_guard_;
    std::map<domain::LeaderboardId, std::unique_ptr<std::mutex>> mutexes_;
};

// {"id","challenge_id","label","entry_file","archived","static_files"} (GET /leaderboards/ item).
nlohmann::json PublicJson(const domain::Leaderboard& board);

}  // namespace zr::leaderboards
