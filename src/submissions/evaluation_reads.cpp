// The participant's reads of a submission's evaluation: status details (queue position, failure,
// counts) and the newest completed scores; the failure descriptions the admin listing shows.
#include "db/repositories.hpp"
#include "db/score_version_repository.hpp"
#include "submissions/internal.hpp"

namespace zr::submissions {
namespace {

constexpr std::string_view kFailedJob = "failed";

std::optional<domain::CurrentJob> AsCurrentJob(const std::optional<db::EvaluationJobRow>& job) {
    if (!job) return std::nullopt;
    domain::CurrentJob current{job->id, job->state, std::nullopt};
    if (job->state == kFailedJob) {
        current.failure_kind = domain::ParseFailureKind(job->failure_kind);
        if (!current.failure_kind) current.failure_kind = domain::DeriveFailureKind(job->exit_code);
    }
    return current;
}

}  // namespace

namespace detail {

std::map<std::string, db::EvaluationJobRow> CurrentFailures(db::Connection& conn) {
    std::map<std::string, db::EvaluationJobRow> failures;
    for (auto& job : db::EvaluationJobRepository(conn).ListCurrentFailed()) {
        std::string id = job.submission_id;
        failures.emplace(std::move(id), std::move(job));
    }
    return failures;
}

FailureInfo DescribeFailure(const std::optional<db::EvaluationJobRow>& job) {
    const auto current = AsCurrentJob(job);
    FailureInfo failure;
    failure.counts_toward_limit = domain::CountsTowardLimit("failed", current);
    if (!current) {
        failure.kind = domain::FailureKind::kPlatform;
        failure.reason =
            "no evaluation job: the upload could not be completed (or it failed before jobs were recorded)";
    } else if (current->state == kFailedJob) {
        failure.kind = current->failure_kind;
        failure.reason = job->reason.empty() ? std::string("no reason given") : job->reason;
    } else {
        failure.reason = "status set by an administrator";
    }
    return failure;
}

FailureInfo FailureOf(db::Connection& conn, const std::string& submission_id,
                      const std::map<std::string, db::EvaluationJobRow>& failures) {
    if (auto it = failures.find(submission_id); it != failures.end()) return DescribeFailure(it->second);
    return DescribeFailure(db::EvaluationJobRepository(conn).FindCurrent(submission_id));
}

}  // namespace detail

StatusDetails SubmissionService::Details(const domain::User& user, std::string_view submission_id) {
    const Located located = Locate(user, std::nullopt, submission_id);
    StatusDetails details;
    details.status = located.submission.status;
    auto conn = db_.Acquire();
    db::ReadTransaction snapshot(*conn);
    db::EvaluationJobRepository jobs(*conn);
    const auto current = jobs.FindCurrent(located.submission.id);
    if (details.status == domain::ToString(domain::SubmissionStatus::kOnQueue) && current) {
        details.queue_position = jobs.QueuePosition(current->id);
    }
    if (details.status == domain::ToString(domain::SubmissionStatus::kFailed)) {
        details.failure = detail::DescribeFailure(current);
    }
    details.evaluations = jobs.CountForSubmission(located.submission.id);
    details.score_versions = static_cast<int>(db::ScoreVersionRepository(*conn).List(located.submission.id).size());
    return details;
}

nlohmann::json SubmissionService::Scores(const domain::User& user, std::string_view submission_id) {
    const Located located = Locate(user, std::nullopt, submission_id);
    const std::string& id = located.submission.id;
    std::vector<domain::Leaderboard> leaderboards;
    std::optional<db::ScoreVersionRow> newest;
    std::optional<std::string> current_job;
    {
        auto conn = db_.Acquire();
        db::ReadTransaction snapshot(*conn);
        leaderboards = db::LeaderboardRepository(*conn).ListByChallenge(located.submission.track_id);
        newest = db::ScoreVersionRepository(*conn).Newest(id);
        if (auto job = db::EvaluationJobRepository(*conn).FindCurrent(id)) current_job = job->id;
    }
    std::optional<domain::NewestScores> shown_newest;
    if (newest) {
        shown_newest = domain::NewestScores{newest->job_id, newest->history_name,
                                            store_.HasScoresInHistory(id, newest->history_name)};
    }
    const bool archived = domain::WhichScoresShown(located.submission.status, shown_newest, current_job) ==
                          domain::ShownScores::kArchived;
    nlohmann::json scores = nlohmann::json::object();
    for (const auto& leaderboard : leaderboards) {
        if (leaderboard.entry_file.empty()) continue;
        auto entry = archived ? store_.ReadJsonFileInHistory(id, newest->history_name, leaderboard.entry_file)
                              : store_.ReadJsonFile(id, leaderboard.entry_file);
        if (entry) scores[leaderboard.label] = std::move(*entry);
    }
    return scores;
}

}  // namespace zr::submissions
