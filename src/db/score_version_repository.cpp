#include "db/score_version_repository.hpp"

#include "db/row_reader.hpp"

namespace zr::db {
namespace {

#define ZR_SCORE_COLUMNS "id, submission_id, version, job_id, created_at, evaluator_label, script_sha256, history_name"

constexpr std::string_view kNextVersion =
    "SELECT COALESCE(MAX(version), 0) + 1 FROM submission_scores WHERE submission_id = ?1";
constexpr std::string_view kInsertVersion =
    "INSERT INTO submission_scores (submission_id, version, job_id, created_at, evaluator_label, script_sha256, "
    "history_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kSelectNewest = "SELECT " ZR_SCORE_COLUMNS
                                           " FROM submission_scores WHERE submission_id = ?1 "
                                           "ORDER BY version DESC LIMIT 1";
constexpr std::string_view kSelectByJob = "SELECT " ZR_SCORE_COLUMNS " FROM submission_scores WHERE job_id = ?1";
constexpr std::string_view kSelectOfSubmission =
    "SELECT " ZR_SCORE_COLUMNS " FROM submission_scores WHERE submission_id = ?1 ORDER BY version";
// Per submission: its newest version (the unique (submission_id, version) index) and its latest
// job (ix_evaluation_jobs_submission_id).
constexpr std::string_view kSelectBoardCandidates =
    "SELECT s.id, s.status, v.job_id, v.created_at, v.evaluator_label, v.script_sha256, v.history_name, "
    "(SELECT j.id || ' ' || j.state FROM evaluation_jobs AS j WHERE j.submission_id = s.id "
    "ORDER BY j.created_at DESC, j.rowid DESC LIMIT 1), "
    "s.submit_date, u.username, s.model_id, s.author_label, s.has_scores, s.leaderboard_file "
    "FROM challenge_submissions AS s LEFT JOIN submission_scores AS v ON v.submission_id = s.id "
    "AND v.version = (SELECT MAX(w.version) FROM submission_scores AS w WHERE w.submission_id = s.id) "
    "LEFT JOIN users_credentials AS u ON u.id = s.user_id "
    "WHERE s.track_id = ?1 AND s.status IN ('completed', 'on_queue', 'evaluating', 'failed', 'canceled') "
    "ORDER BY s.submit_date, s.id";

#undef ZR_SCORE_COLUMNS

ScoreVersionRow ReadVersion(const Statement& stmt) {
    ScoreVersionRow row;
    row.id = stmt.Int(0);
    row.submission_id = stmt.Text(1);
    row.version = static_cast<int>(stmt.Int(2));
    row.job_id = detail::ReadOptionalText(stmt, 3);
    row.created_at = detail::ReadDateTime(stmt, 4, {"submission_scores", "created_at", "id=" + std::to_string(row.id)});
    row.evaluator_label = detail::ReadOptionalText(stmt, 5).value_or("");
    row.script_sha256 = detail::ReadOptionalText(stmt, 6).value_or("");
    row.history_name = stmt.Text(7);
    return row;
}

void BindText(Statement& stmt, int index, std::string_view text) {
    if (text.empty()) {
        stmt.BindNull(index);
    } else {
        stmt.Bind(index, text);
    }
}

}  // namespace

ScoreVersionRow ScoreVersionRepository::Add(ScoreVersionRow row) {
    {
        auto next = conn_.Prepare(kNextVersion);
        next.Bind(1, row.submission_id);
        next.Step();
        row.version = static_cast<int>(next.Int(0));
    }
    if (row.history_name.empty()) row.history_name = row.job_id ? *row.job_id : "v" + std::to_string(row.version);
    auto stmt = conn_.Prepare(kInsertVersion);
    stmt.Bind(1, row.submission_id).Bind(2, std::int64_t{row.version});
    BindText(stmt, 3, row.job_id.value_or(""));
    detail::BindDateTime(stmt, 4, row.created_at);
    BindText(stmt, 5, row.evaluator_label);
    BindText(stmt, 6, row.script_sha256);
    stmt.Bind(7, row.history_name);
    stmt.Run();
    row.id = conn_.LastInsertRowId();
    return row;
}

std::optional<ScoreVersionRow> ScoreVersionRepository::Newest(std::string_view submission_id) {
    auto stmt = conn_.Prepare(kSelectNewest);
    stmt.Bind(1, submission_id);
    if (!stmt.Step()) return std::nullopt;
    return ReadVersion(stmt);
}

std::optional<ScoreVersionRow> ScoreVersionRepository::FindByJob(std::string_view job_id) {
    auto stmt = conn_.Prepare(kSelectByJob);
    stmt.Bind(1, job_id);
    if (!stmt.Step()) return std::nullopt;
    return ReadVersion(stmt);
}

std::vector<ScoreVersionRow> ScoreVersionRepository::List(std::string_view submission_id) {
    auto stmt = conn_.Prepare(kSelectOfSubmission);
    stmt.Bind(1, submission_id);
    std::vector<ScoreVersionRow> rows;
    while (stmt.Step()) rows.push_back(ReadVersion(stmt));
    return rows;
}

std::vector<BoardCandidate> ScoreVersionRepository::ListBoardCandidates(domain::ChallengeId challenge_id) {
    auto stmt = conn_.Prepare(kSelectBoardCandidates);
    stmt.Bind(1, challenge_id);
    std::vector<BoardCandidate> candidates;
    while (stmt.Step()) {
        BoardCandidate candidate;
        candidate.submission_id = stmt.Text(0);
        const std::string status = stmt.Text(1);
        const auto parsed = domain::ParseSubmissionStatus(status);
        if (!parsed) throw DbError("challenge_submissions.status: unknown status '" + status + "'");
        candidate.status = *parsed;
        if (auto history_name = detail::ReadOptionalText(stmt, 6)) {
            ScoreVersionRow newest;
            newest.submission_id = candidate.submission_id;
            newest.job_id = detail::ReadOptionalText(stmt, 2);
            newest.created_at = detail::ReadDateTime(
                stmt, 3, {"submission_scores", "created_at", "submission=" + candidate.submission_id});
            newest.evaluator_label = detail::ReadOptionalText(stmt, 4).value_or("");
            newest.script_sha256 = detail::ReadOptionalText(stmt, 5).value_or("");
            newest.history_name = std::move(*history_name);
            candidate.newest = std::move(newest);
        }
        // "<job id> <state>": job ids are uuids, without spaces.
        if (const auto job = detail::ReadOptionalText(stmt, 7)) {
            const auto space = job->find(' ');
            const auto state = domain::ParseJobState(job->substr(space == std::string::npos ? job->size() : space + 1));
            if (space == std::string::npos || !state) throw DbError("evaluation_jobs.state: unknown state in " + *job);
            candidate.current = domain::CurrentJob{job->substr(0, space), *state, std::nullopt};
        }
        candidate.identity.submit_date =
            detail::ReadDateTime(stmt, 8, {"challenge_submissions", "submit_date", "id=" + candidate.submission_id});
        candidate.identity.username = detail::ReadOptionalText(stmt, 9);
        candidate.identity.model_id = detail::ReadOptionalText(stmt, 10);
        candidate.identity.author_label = detail::ReadOptionalText(stmt, 11);
        candidate.has_scores = detail::ReadBool(stmt, 12);
        candidate.leaderboard_file = detail::ReadOptionalText(stmt, 13);
        candidates.push_back(std::move(candidate));
    }
    return candidates;
}

}  // namespace zr::db
