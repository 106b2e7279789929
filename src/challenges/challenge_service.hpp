#pragma once
// Challenges (tracks): listing, lookup, creation and admin edits.
// Errors: zr::Error (404 {"message": "There is no challenge with the following id: N"}, 409 for a
// duplicate label, 400 for a bad field value). Thread-safe.
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"
#include "db/commit_cache.hpp"
#include "db/database.hpp"
#include "domain/challenge.hpp"

namespace zr::challenges {

class ChallengeService {
public:
    ChallengeService(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

    // Open challenges, or all of them with include_inactive; ordered by id. The table is kept in
    // memory and read again after any commit to the database (db::CommitCache).
    std::vector<domain::Challenge> List(bool include_inactive);
    domain::Challenge Get(domain::ChallengeId id);
    // The challenge labelled exactly `label`, from the same in-memory table as List (no database
    // read while nothing was committed); nullopt when there is none.
    std::optional<domain::Challenge> FindByLabel(std::string_view label);
    // FindByLabel, or 404 {"message": "There is no challenge with the following id: <label>"}
    // (the second API generation's benchmark id is the label).
    domain::Challenge GetByLabel(std::string_view label);
    // Validates (non-empty unique label, http(s) url, end >= start) and inserts.
    domain::ChallengeId Create(const domain::NewChallenge& challenge);
    // Parses the first implementation's JSON list [{label, start_date, end_date|null, url, active,
    // evaluator|null}]; 400 naming the item and field on a bad entry.
    std::vector<domain::NewChallenge> ParseChallengeList(const nlohmann::json& list);
    // Sets one field: label, start_date, end_date ("null"/"none" clears), active, url, evaluator
    // ("null" clears), auto_eval (true/false). Dates dd/mm/yyyy or ISO. 400 for an unknown field or
    // bad value.
    domain::Challenge Set(domain::ChallengeId id, std::string_view field, std::string_view value);
    bool IsOpen(const domain::Challenge& challenge) const;

private:
    // The whole table, shared read-only: readers search it without copying it.
    std::shared_ptr<const std::vector<domain::Challenge>> All();

    db::Database& db_;
    const Clock& clock_;
    db::CommitCache<int, std::shared_ptr<const std::vector<domain::Challenge>>> all_{1};  // one entry: the table
};

// {"id","label","start_date","end_date","active","url","evaluator"}
nlohmann::json ToJson(const domain::Challenge& challenge);

}  // namespace zr::challenges
