#include <string>

#include "db/repositories.hpp"
#include "db/row_reader.hpp"

namespace zr::db {
namespace {

constexpr std::string_view kSelectSubmissionById =
    "SELECT id, user_id, track_id, submit_date, status, model_id, has_scores, auto_eval, evaluator_id, author_label, "
    "leaderboard_file "
    "FROM challenge_submissions WHERE id = ?1";
constexpr std::string_view kSelectSubmissionsOfUser =
    "SELECT id, user_id, track_id, submit_date, status, model_id, has_scores, auto_eval, evaluator_id, author_label, "
    "leaderboard_file "
    "FROM challenge_submissions "
    "WHERE user_id = ?1 ORDER BY submit_date, id";

constexpr std::string_view kSelectSubmissionsColumns =
    "SELECT id, user_id, track_id, submit_date, status, model_id, has_scores, auto_eval, evaluator_id, author_label, "
    "leaderboard_file "
    "FROM challenge_submissions";
constexpr std::string_view kSubmissionsOrder = " ORDER BY submit_date, id";
constexpr std::string_view kSelectSubmissionsOfModel =
    "SELECT id, user_id, track_id, submit_date, status, model_id, has_scores, auto_eval, evaluator_id, author_label, "
    "leaderboard_file "
    "FROM challenge_submissions "
    "WHERE model_id = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY submit_date, id";
constexpr std::string_view kInsertSubmission =
    "INSERT INTO challenge_submissions (id, user_id, track_id, submit_date, status, model_id, has_scores, "
    "auto_eval, evaluator_id, author_label, leaderboard_file) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr std::string_view kDeleteUploadingSubmission =
    "DELETE FROM challenge_submissions WHERE id = ?1 AND status = 'uploading'";
constexpr std::string_view kUpdateSubmissionStatus = "UPDATE challenge_submissions SET status = ?2 WHERE id = ?1";
// Stored datetimes sort as text; "" is before every one of them. The subquery says whether the
// current job failed because of the platform (a failed job without kind: derived from its exit
// code, as domain::DeriveFailureKind); NULL when there is no job, which is not counted either.
constexpr std::string_view kCountTowardLimit =
    "SELECT COUNT(*) FROM challenge_submissions AS s WHERE s.user_id = ?1 AND s.track_id = ?2 "
    "AND s.submit_date >= ?3 AND s.status NOT IN ('invalid', 'canceled') "
    "AND NOT (s.status = 'failed' AND COALESCE((SELECT CASE WHEN j.state = 'failed' AND j.failure_kind IS NULL "
    "THEN IFNULL(j.exit_code, 0) = 0 ELSE IFNULL(j.failure_kind, '') = 'platform' END "
    "FROM evaluation_jobs AS j WHERE j.submission_id = s.id ORDER BY j.created_at DESC, j.rowid DESC LIMIT 1), 1))";

constexpr std::string_view kSelectLeaderboardById =
    "SELECT id, challenge_id, label, path_to, entry_file, archived, external_entries, static_files, "
    "sorting_key FROM leaderboards WHERE id = ?1";
constexpr std::string_view kSelectAllLeaderboards =
    "SELECT id, challenge_id, label, path_to, entry_file, archived, external_entries, static_files, "
    "sorting_key FROM leaderboards ORDER BY id";
constexpr std::string_view kSelectLeaderboardsOfChallenge =
    "SELECT id, challenge_id, label, path_to, entry_file, archived, external_entries, static_files, "
    "sorting_key FROM leaderboards WHERE challenge_id = ?1 ORDER BY id";

domain::Submission ReadSubmission(const Statement& stmt) {
    domain::Submission submission;
    submission.id = stmt.Text(0);
    submission.user_id = stmt.Int(1);
    submission.track_id = stmt.Int(2);
    submission.submit_date =
        detail::ReadDateTime(stmt, 3, {"challenge_submissions", "submit_date", "id=" + submission.id});
    const std::string status = stmt.Text(4);
    const auto parsed = domain::ParseSubmissionStatus(status);
    if (!parsed) {
        throw DbError("challenge_submissions.status: unknown status '" + status + "' (id=" + submission.id + ")");
    }
    submission.status = *parsed;
    submission.model_id = detail::ReadOptionalText(stmt, 5);
    submission.has_scores = detail::ReadBool(stmt, 6);
    submission.auto_eval = detail::ReadOptionalBool(stmt, 7);
    submission.evaluator_id = detail::ReadOptionalInt(stmt, 8);
    submission.author_label = detail::ReadOptionalText(stmt, 9);
    submission.leaderboard_file = detail::ReadOptionalText(stmt, 10);
    return submission;
}

domain::Leaderboard ReadLeaderboard(const Statement& stmt) {
    domain::Leaderboard leaderboard;
    leaderboard.id = stmt.Int(0);
    leaderboard.challenge_id = stmt.Int(1);
    leaderboard.label = stmt.Text(2);
    leaderboard.path_to = stmt.Text(3);
    leaderboard.entry_file = stmt.Text(4);
    leaderboard.archived = detail::ReadBool(stmt, 5);
    leaderboard.external_entries = stmt.Text(6);
    leaderboard.static_files = detail::ReadBool(stmt, 7);
    leaderboard.sorting_key = stmt.Text(8);
    return leaderboard;
}

std::vector<domain::Leaderboard> ReadLeaderboards(Statement& stmt) {
    std::vector<domain::Leaderboard> leaderboards;
    while (stmt.Step()) leaderboards.push_back(ReadLeaderboard(stmt));
    return leaderboards;
}

}  // namespace

std::optional<domain::Submission> SubmissionRepository::Find(std::string_view id) {
    auto stmt = conn_.Prepare(kSelectSubmissionById);
    stmt.Bind(1, id);
    if (!stmt.Step()) return std::nullopt;
    return ReadSubmission(stmt);
}

std::vector<domain::Submission> SubmissionRepository::ListByUser(domain::UserId user_id) {
    auto stmt = conn_.Prepare(kSelectSubmissionsOfUser);
    stmt.Bind(1, user_id);
    std::vector<domain::Submission> submissions;
    while (stmt.Step()) submissions.push_back(ReadSubmission(stmt));
    return submissions;
}

std::string SubmissionRepository::ListSql(bool by_user, bool by_track, bool by_status) {
    // Only the filters given are in the text (one of eight, each prepared once per connection):
    // "(?1 IS NULL OR user_id = ?1)" would keep SQLite from the indexes on user_id, track_id and
    // status (a full scan and a sort of the table per request).
    std::string sql(kSelectSubmissionsColumns);
    const char* join = " WHERE ";
    for (const auto& [given, condition] : {std::pair{by_user, "user_id = ?1"}, std::pair{by_track, "track_id = ?2"},
                                           std::pair{by_status, "status = ?3"}}) {
        if (!given) continue;
        sql.append(join).append(condition);
        join = " AND ";
    }
    return sql.append(kSubmissionsOrder);
}

std::vector<domain::Submission> SubmissionRepository::List(std::optional<domain::UserId> user_id,
                                                           std::optional<domain::ChallengeId> track_id,
                                                           std::optional<domain::SubmissionStatus> status) {
    auto stmt = conn_.Prepare(ListSql(user_id.has_value(), track_id.has_value(), status.has_value()));
    if (user_id) stmt.Bind(1, std::int64_t{*user_id});
    if (track_id) stmt.Bind(2, std::int64_t{*track_id});
    if (status) stmt.Bind(3, domain::ToString(*status));
    std::vector<domain::Submission> submissions;
    while (stmt.Step()) submissions.push_back(ReadSubmission(stmt));
    return submissions;
}

std::vector<domain::Submission> SubmissionRepository::ListByModel(std::string_view model_id,
                                                                  std::optional<domain::SubmissionStatus> status) {
    auto stmt = conn_.Prepare(kSelectSubmissionsOfModel);
    stmt.Bind(1, model_id);
    if (status) {
        stmt.Bind(2, domain::ToString(*status));
    } else {
        stmt.BindNull(2);
    }
    std::vector<domain::Submission> submissions;
    while (stmt.Step()) submissions.push_back(ReadSubmission(stmt));
    return submissions;
}

void SubmissionRepository::Create(const domain::Submission& submission) {
    auto stmt = conn_.Prepare(kInsertSubmission);
    stmt.Bind(1, submission.id).Bind(2, submission.user_id).Bind(3, submission.track_id);
    detail::BindDateTime(stmt, 4, submission.submit_date);
    stmt.Bind(5, domain::ToString(submission.status));
    detail::BindOptionalText(stmt, 6, submission.model_id);
    detail::BindBool(stmt, 7, submission.has_scores);
    detail::BindOptionalBool(stmt, 8, submission.auto_eval);
    detail::BindOptionalInt(stmt, 9, submission.evaluator_id);
    detail::BindOptionalText(stmt, 10, submission.author_label);
    detail::BindOptionalText(stmt, 11, submission.leaderboard_file);
    stmt.Run();
}

bool SubmissionRepository::DeleteUploading(std::string_view id) {
    auto stmt = conn_.Prepare(kDeleteUploadingSubmission);
    stmt.Bind(1, id);
    stmt.Run();
    return conn_.Changes() > 0;
}

void SubmissionRepository::ForceStatus(std::string_view id, domain::SubmissionStatus status) {
    conn_.Prepare(kUpdateSubmissionStatus).Bind(1, id).Bind(2, domain::ToString(status)).Run();
}

int SubmissionRepository::CountTowardLimit(domain::UserId user_id, domain::ChallengeId track_id,
                                           std::optional<TimePoint> since) {
    auto stmt = conn_.Prepare(kCountTowardLimit);
    stmt.Bind(1, user_id).Bind(2, track_id);
    if (since) {
        detail::BindDateTime(stmt, 3, *since);
    } else {
        stmt.Bind(3, std::string_view(""));
    }
    stmt.Step();
    return static_cast<int>(stmt.Int(0));
}

std::optional<domain::Leaderboard> LeaderboardRepository::Find(domain::LeaderboardId id) {
    auto stmt = conn_.Prepare(kSelectLeaderboardById);
    stmt.Bind(1, id);
    if (!stmt.Step()) return std::nullopt;
    return ReadLeaderboard(stmt);
}

std::vector<domain::Leaderboard> LeaderboardRepository::List() {
    auto stmt = conn_.Prepare(kSelectAllLeaderboards);
    return ReadLeaderboards(stmt);
}

std::vector<domain::Leaderboard> LeaderboardRepository::ListByChallenge(domain::ChallengeId challenge_id) {
    auto stmt = conn_.Prepare(kSelectLeaderboardsOfChallenge);
    stmt.Bind(1, challenge_id);
    return ReadLeaderboards(stmt);
}

}  // namespace zr::db
