// What a failed submission's evaluation history says about its failure (the participant's status
// details and the admin listing).
#include "db/repositories.hpp"
#include "submissions/internal.hpp"

namespace zr::submissions::detail {

std::optional<domain::CurrentJob> AsCurrentJob(const std::optional<db::EvaluationJobRow>& job) {
    if (!job) return std::nullopt;
    domain::CurrentJob current{job->id, job->state, std::nullopt};
    if (job->state == domain::JobState::kFailed) {
        current.failure_kind = domain::ParseFailureKind(job->failure_kind);
        if (!current.failure_kind) current.failure_kind = domain::DeriveFailureKind(job->exit_code);
    }
    return current;
}

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
    failure.counts_toward_limit = domain::CountsTowardLimit(domain::SubmissionStatus::kFailed, current);
    if (!current) {
        failure.kind = domain::FailureKind::kPlatform;
        failure.reason =
            "no evaluation job: the upload could not be completed (or it failed before jobs were recorded)";
    } else if (current->state == domain::JobState::kFailed) {
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

}  // namespace zr::submissions::detail
