#pragma once
// One repository per aggregate. All SQL of the service lives in src/db/*.cpp.
//
// Each repository works on a Connection the caller holds (so several calls can share one
// Transaction). Lookups return std::nullopt for "not found"; failures throw db::DbError;
// inserting a duplicate unique value throws db::UniqueViolation naming the column.
// Stored formats: dates "YYYY-MM-DD", datetimes "YYYY-MM-DD HH:MM:SS.ffffff", booleans 0/1.
// A malformed stored date/datetime throws DbError naming table.column and the row. Setters and
// updates of an unknown id change nothing (callers look the row up first).
// Statements are prepared once per connection (Connection's cache), so repositories are cheap to
// construct per call.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/database.hpp"
#include "domain/challenge.hpp"
#include "domain/user.hpp"

namespace zr::db {

class UserRepository {
public:
    explicit UserRepository(Connection& conn) : conn_(conn) {}
    std::optional<domain::User> FindById(domain::UserId id);
    std::optional<domain::User> FindByUsername(std::string_view username);
    // Exact match.
    std::optional<domain::User> FindByEmail(std::string_view email);
    // Matches the username exactly, or else the e-mail case-insensitively (ASCII; an exact e-mail
    // match wins over a case-folded one, then the lowest id).
    std::optional<domain::User> FindByLogin(std::string_view username_or_email);
    std::vector<domain::User> List();
    // Inserts a user with id = max(id)+1 (the first implementation's tables have no AUTOINCREMENT).
    domain::UserId Create(const domain::NewUser& user);
    void SetVerified(domain::UserId id, std::string_view verified);
    void SetActive(domain::UserId id, bool active);
    void SetPassword(domain::UserId id, const std::vector<unsigned char>& hashed,
                     const std::vector<unsigned char>& salt);
    void SetAllVerified();
    void SetAllActive(bool active);

private:
    Connection& conn_;
};

class SessionRepository {
public:
    explicit SessionRepository(Connection& conn) : conn_(conn) {}
    void Create(const domain::Session& session);
    // The session and its user in one query; nullopt if the token is unknown (expiry not checked).
    // A NULL expiration_date (possible in legacy rows) reads as the epoch, i.e. expired.
    std::optional<std::pair<domain::Session, domain::User>> FindWithUser(std::string_view token);
    void Delete(std::string_view token);
    // Returns the number of sessions removed.
    int DeleteForUser(domain::UserId id);
    int DeleteAll();
    // Removes sessions with expiration_date <= now (or NULL); returns how many.
    int DeleteExpired(TimePoint now);
    // Users with at least one unexpired session (expiration_date > now), with the latest expiration,
    // ordered by user id.
    std::vector<std::pair<domain::User, TimePoint>> ListLogged(TimePoint now);

private:
    Connection& conn_;
};

class PasswordResetRepository {
public:
    explicit PasswordResetRepository(Connection& conn) : conn_(conn) {}
    void Create(const domain::PasswordReset& reset);
    // NULL expiration_date reads as the epoch (expired).
    std::optional<domain::PasswordReset> Find(std::string_view token);
    void Delete(std::string_view token);
    int DeleteForUser(domain::UserId id);

private:
    Connection& conn_;
};

class ChallengeRepository {
public:
    explicit ChallengeRepository(Connection& conn) : conn_(conn) {}
    std::optional<domain::Challenge> Find(domain::ChallengeId id);
    std::optional<domain::Challenge> FindByLabel(std::string_view label);
    // All challenges ordered by id.
    std::vector<domain::Challenge> List();
    domain::ChallengeId Create(const domain::NewChallenge& challenge);
    // Writes every column of the row with challenge.id. A label taken by another challenge throws
    // UniqueViolation("label").
    void Update(const domain::Challenge& challenge);

private:
    Connection& conn_;
};

class EvaluatorRepository {
public:
    explicit EvaluatorRepository(Connection& conn) : conn_(conn) {}
    std::optional<domain::Evaluator> Find(domain::EvaluatorId id);
    std::optional<domain::Evaluator> FindByLabel(std::string_view label);
    std::vector<domain::Evaluator> List();
    // Inserts (id = max(id)+1) or, when the label exists, updates host/executor/script_path/
    // base_arguments of that row. Returns the row's id.
    domain::EvaluatorId Upsert(const domain::Evaluator& evaluator);

private:
    Connection& conn_;
};

class SubmissionRepository {
public:
    explicit SubmissionRepository(Connection& conn) : conn_(conn) {}
    std::optional<domain::Submission> Find(std::string_view id);
    // Ordered by submit_date.
    std::vector<domain::Submission> ListByUser(domain::UserId user_id);
    // Every submission matching the set filters (all when none is set), ordered by submit_date, id.
    // A filter on the user, the track or the status reads through that column's index.
    std::vector<domain::Submission> List(std::optional<domain::UserId> user_id,
                                         std::optional<domain::ChallengeId> track_id,
                                         std::optional<domain::SubmissionStatus> status);
    // The query List runs for the filters given (?1 user, ?2 track, ?3 status), for plan checks.
    static std::string ListSql(bool by_user, bool by_track, bool by_status);
    // The submissions made with model `model_id` (with `status` only, when set), ordered by
    // submit_date, id.
    std::vector<domain::Submission> ListByModel(std::string_view model_id,
                                                std::optional<domain::SubmissionStatus> status);
    // Inserts the row. A taken id throws UniqueViolation("id").
    void Create(const domain::Submission& submission);
    // Moves the submission to `to` when the transition table (domain/submission_status.hpp)
    // allows it from its current status, in one conditional UPDATE; returns whether it did.
    bool Move(std::string_view id, domain::SubmissionStatus to);
    // Deletes the row if it is still uploading (a participant withdrawing an unfinished upload);
    // returns whether it did.
    bool DeleteUploading(std::string_view id);
    // Sets the status whatever it was: an administrator's forced change, the one way around the
    // table.
    void ForceStatus(std::string_view id, domain::SubmissionStatus status);
    // Submissions of user_id to track_id created at or after `since` (any time when nullopt) that
    // count toward the submission limits: domain::CountsTowardLimit in SQL (not invalid nor
    // canceled, nor failed without a job or with a current job that failed with kind platform).
    int CountTowardLimit(domain::UserId user_id, domain::ChallengeId track_id, std::optional<TimePoint> since);

private:
    Connection& conn_;
};

// Models of the second API generation (api-v2.md section 2.3).
class ModelRepository {
public:
    explicit ModelRepository(Connection& conn) : conn_(conn) {}
    std::optional<domain::Model> Find(std::string_view id);
    // Ordered by created_at, id.
    std::vector<domain::Model> ListByUser(domain::UserId user_id);
    std::vector<domain::Model> List();
    // Ids that start with `prefix` (case-sensitive; `prefix` is letters and digits).
    std::vector<std::string> IdsStartingWith(std::string_view prefix);
    // Inserts the row. A taken id throws UniqueViolation("id").
    void Create(const domain::Model& model);

private:
    Connection& conn_;
};

class LeaderboardRepository {
public:
    explicit LeaderboardRepository(Connection& conn) : conn_(conn) {}
    std::optional<domain::Leaderboard> Find(domain::LeaderboardId id);
    std::vector<domain::Leaderboard> List();
    std::vector<domain::Leaderboard> ListByChallenge(domain::ChallengeId challenge_id);
    // Inserts with id = max(id)+1; a taken label throws UniqueViolation("label").
    domain::LeaderboardId Create(const domain::Leaderboard& board);

private:
    Connection& conn_;
};

// Login throttling state (table login_throttle, schema version 8): one row per throttled key.
struct ThrottleRow {
    std::string key;
    int failures = 0;         // failed logins counted in the current window
    TimePoint window_start;   // start of the current window
    int blocks = 0;           // blocks so far (each doubles the next)
    TimePoint blocked_until;  // end of the current block (the epoch when never blocked)
    TimePoint expires;        // when the row means nothing any more
};

class LoginThrottleRepository {
public:
    explicit LoginThrottleRepository(Connection& conn) : conn_(conn) {}
    std::optional<ThrottleRow> Find(std::string_view key);
    // Inserts or replaces the row of row.key.
    void Put(const ThrottleRow& row);
    void Delete(std::string_view key);
    // Removes the rows whose `expires` has passed; returns how many.
    int DeleteExpired(TimePoint now);
    // Rows, and rows blocked at `now`.
    std::int64_t Count();
    std::int64_t CountBlocked(TimePoint now);

private:
    Connection& conn_;
};

}  // namespace zr::db
