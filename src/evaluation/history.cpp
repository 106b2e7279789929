// Score versions and re-runs: scores kept aside when a submission is queued again, recorded when
// an evaluation completes, challenge-wide re-runs and the history `zr submissions:scores` prints.
#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "db/repositories.hpp"
#include "evaluation/internal.hpp"

namespace zr::evaluation {
namespace fs = std::filesystem;
namespace {

using domain::SubmissionStatus;

domain::NewestScores NewestOf(const db::ScoreVersionRow& row, const storage::SubmissionStore& store) {
    return {row.job_id, row.history_name, store.HasScoresInHistory(row.submission_id, row.history_name)};
}

// {<leaderboard label>: <entry JSON>} of the boards whose entry file is readable in that version
// (`history_name` nullopt: the submission's own scores/).
nlohmann::json EntriesOf(const storage::SubmissionStore& store, const std::string& submission_id,
                         const std::optional<std::string>& history_name,
                         const std::vector<domain::Leaderboard>& boards) {
    nlohmann::json entries = nlohmann::json::object();
    for (const auto& board : boards) {
        if (board.entry_file.empty()) continue;
        auto entry = history_name ? store.ReadJsonFileInHistory(submission_id, *history_name, board.entry_file)
                                  : store.ReadJsonFile(submission_id, board.entry_file);
        if (entry) entries[board.label] = std::move(*entry);
    }
    return entries;
}

}  // namespace

std::optional<std::string> EvaluationService::Impl::KeepScoresForRerun(db::Connection& conn,
                                                                       const domain::Submission& submission,
                                                                       TimePoint now) {
    const std::string& id = submission.id;
    if (!store.HasScores(id)) return std::nullopt;
    db::ScoreVersionRepository versions(conn);
    auto newest = versions.Newest(id);
    // The newest version's files are scores/ until they are kept aside.
    const bool described = newest && !store.HasScoresInHistory(id, newest->history_name);
    if (!described) {
        if (submission.status != SubmissionStatus::kCompleted) return std::nullopt;  // a run that did not complete
        db::ScoreVersionRow row;
        row.submission_id = id;
        row.created_at = now;
        auto current = db::EvaluationJobRepository(conn).FindCurrent(id);
        if (current && current->state == domain::JobState::kCompleted && !versions.FindByJob(current->id)) {
            row.job_id = current->id;
            row.created_at = current->finished_at.value_or(now);
            row.evaluator_label = current->evaluator_label;
            row.script_sha256 = current->script_sha256;
        }
        newest = versions.Add(row);
    }
    if (!store.KeepScoresAside(id, newest->history_name)) return std::nullopt;
    return newest->history_name;
}

void EvaluationService::Impl::RecordScores(db::Connection& conn, const db::EvaluationJobRow& job, TimePoint now) {
    db::ScoreVersionRepository versions(conn);
    if (versions.FindByJob(job.id)) return;
    db::ScoreVersionRow row;
    row.submission_id = job.submission_id;
    row.job_id = job.id;
    row.created_at = now;
    row.evaluator_label = job.evaluator_label;
    row.script_sha256 = job.script_sha256;
    versions.Add(row);
}

Rerun EvaluationService::EnqueueChallenge(domain::ChallengeId challenge_id, bool dry_run) {
    Rerun rerun;
    std::vector<domain::Submission> completed;
    {
        auto conn = impl_->db.Acquire();
        db::ReadTransaction snapshot(*conn);
        auto challenge = db::ChallengeRepository(*conn).Find(challenge_id);
        if (!challenge) {
            throw Error::Message(ErrorKind::kNotFound,
                                 "There is no challenge with the following id: " + std::to_string(challenge_id));
        }
        rerun.challenge_label = challenge->label;
        if (!challenge->evaluator || !db::EvaluatorRepository(*conn).Find(*challenge->evaluator)) {
            throw Error::Message(ErrorKind::kInvalidInput, "The challenge " + challenge->label + " has no evaluator");
        }
        completed = db::SubmissionRepository(*conn).List(std::nullopt, challenge_id, SubmissionStatus::kCompleted);
    }
    for (const auto& submission : completed) {
        if (dry_run) {
            rerun.queued.emplace_back(submission.id, "");
            continue;
        }
        try {
            rerun.queued.emplace_back(submission.id, Enqueue(submission.id));
        } catch (const Error& e) {
            // Its status changed since the listing (an administrator, a concurrent re-run).
            rerun.skipped.emplace_back(submission.id, e.message());
        }
    }
    spdlog::info("challenge {}: {} completed submission(s) {}queued again, {} skipped", rerun.challenge_label,
                 rerun.queued.size(), dry_run ? "would be " : "", rerun.skipped.size());
    return rerun;
}

ScoreHistory EvaluationService::History(std::string_view submission_id) {
    Impl& s = *impl_;
    const std::string id(submission_id);
    ScoreHistory history;
    std::vector<db::ScoreVersionRow> rows;
    std::vector<domain::Leaderboard> boards;
    {
        auto conn = s.db.Acquire();
        db::ReadTransaction snapshot(*conn);
        auto submission = IsPlainFileName(id) ? db::SubmissionRepository(*conn).Find(id) : std::nullopt;
        if (!submission) {
            throw Error::Message(ErrorKind::kNotFound, "There is no submission with the following id: " + id);
        }
        history.submission = *submission;
        if (auto challenge = db::ChallengeRepository(*conn).Find(submission->track_id)) {
            history.challenge_label = challenge->label;
        }
        boards = db::LeaderboardRepository(*conn).ListByChallenge(submission->track_id);
        db::EvaluationJobRepository jobs(*conn);
        history.current_job = jobs.FindCurrent(id);
        rows = db::ScoreVersionRepository(*conn).List(id);
        for (const auto& row : rows) {
            ScoreVersionView view;
            view.version = row;
            if (row.job_id) view.job = jobs.Find(*row.job_id);
            history.versions.push_back(std::move(view));
        }
    }
    const auto relative = [&](const fs::path& path) { return path.lexically_relative(s.store.Folder(id)).string(); };
    std::optional<domain::CurrentJob> current_job;
    if (history.current_job) {
        current_job = domain::CurrentJob{history.current_job->id, history.current_job->state, std::nullopt};
    }
    std::optional<domain::NewestScores> newest;
    if (!rows.empty()) newest = NewestOf(rows.back(), s.store);
    const auto shown = domain::WhichScoresShown(history.submission.status, newest, current_job);
    bool scores_described = false;
    for (std::size_t i = 0; i < history.versions.size(); ++i) {
        ScoreVersionView& view = history.versions[i];
        const bool is_newest = i + 1 == history.versions.size();
        if (s.store.HasScoresInHistory(id, view.version.history_name)) {
            view.location = relative(s.store.KeptScoresDir(id, view.version.history_name));
            view.entries = EntriesOf(s.store, id, view.version.history_name, boards);
            view.shown = is_newest && shown == domain::ShownScores::kArchived;
        } else if (is_newest) {
            view.location = relative(s.store.ScoresDir(id));
            view.entries = EntriesOf(s.store, id, std::nullopt, boards);
            view.shown = shown == domain::ShownScores::kCurrent;
            scores_described = true;
        } else {
            view.entries = nlohmann::json::object();
        }
    }
    if (!scores_described && history.submission.status == SubmissionStatus::kCompleted && s.store.HasScores(id)) {
        ScoreVersionView current;  // scores no version describes: version 0
        current.version.submission_id = id;
        current.location = relative(s.store.ScoresDir(id));
        current.entries = EntriesOf(s.store, id, std::nullopt, boards);
        current.shown = shown == domain::ShownScores::kCurrent;
        history.versions.push_back(std::move(current));
    }
    return history;
}

}  // namespace zr::evaluation
