// Applying the workers' updates idempotently (see the header's table).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "db/repositories.hpp"
#include "evaluation/internal.hpp"

namespace zr::evaluation {
namespace {

using domain::JobState;
using domain::SubmissionStatus;

// Every change of a job's state goes through the table (domain/submission_status.hpp); the
// callers have ruled out final states, so a refused move is a bug of ours.
void MoveJob(db::EvaluationJobRow& job, JobState to) {
    if (!domain::IsLegalTransition(job.state, to)) {
        throw std::logic_error("job " + job.id + ": no move from " + std::string(domain::ToString(job.state)) + " to " +
                               std::string(domain::ToString(to)));
    }
    job.state = to;
}

// An update about the run the job row records: a running job only hears from the worker and
// attempt that started it (a worker that lost its delivery may still report; that run is gone),
// except for the failure a later delivery reports without starting (attempts exhausted: the
// worker that ran it died, and the one that received it next gives up).
bool FromCurrentRun(const db::EvaluationJobRow& job, const Update& update) {
    if (job.state != JobState::kRunning) return true;
    if (update.type == UpdateType::kFailed && static_cast<int>(update.attempt) > job.attempts) return true;
    return job.worker == update.worker && job.attempts == static_cast<int>(update.attempt);
}

std::string FailureLine(const Update& update, domain::FailureKind kind) {
    std::string line = "evaluation failed: " + (update.reason.empty() ? std::string("no reason given") : update.reason);
    if (update.exit_code) line += " (exit code " + std::to_string(*update.exit_code) + ")";
    if (kind == domain::FailureKind::kPlatform) {
        line += "; a failure of the platform, not of the submission: it does not count toward the submission limits";
    }
    return line;
}

}  // namespace

std::optional<EvaluationService::Impl::Effects> EvaluationService::Impl::ApplyInTransaction(db::Connection& conn,
                                                                                            const Update& update) {
    db::EvaluationJobRepository jobs(conn);
    auto job = jobs.FindCurrent(update.submission_id);
    if (!job || job->id != update.job_id || domain::IsFinal(job->state)) return std::nullopt;
    db::SubmissionRepository submissions(conn);
    auto submission = submissions.Find(update.submission_id);
    if (!submission) return std::nullopt;

    const TimePoint now = clock.Now();
    Effects effects;
    // The job ends; the submission follows (completed only once its scores are published).
    auto finish = [&](JobState state, std::optional<SubmissionStatus> status) {
        MoveJob(*job, state);
        job->finished_at = now;
        job->exit_code = update.exit_code;
        job->reason = update.reason;
        job->attempts = std::max(job->attempts, static_cast<int>(update.attempt));
        if (job->worker.empty()) job->worker = update.worker;
        if (job->host.empty()) job->host = update.host;
        if (status && !submissions.Move(job->submission_id, *status)) {
            spdlog::warn("submission {}: job {} {} but the submission's status was changed meanwhile",
                         job->submission_id, job->id, domain::ToString(state));
        }
    };
    switch (update.type) {
        case UpdateType::kStarted:
            // Each delivery counts one more attempt: a duplicate or an older delivery starting late
            // changes nothing; a later one means the job was handed out again.
            if (job->state == JobState::kRunning && static_cast<int>(update.attempt) <= job->attempts) {
                return std::nullopt;
            }
            MoveJob(*job, JobState::kRunning);
            job->attempts = static_cast<int>(update.attempt);
            job->worker = update.worker;
            job->host = update.host;
            job->started_at = now;
            job->heartbeat_at = now;
            job->script_sha256 = update.script_sha256;
            job->evaluator_version = update.evaluator_version;
            submissions.Move(job->submission_id, SubmissionStatus::kEvaluating);  // already evaluating: no move
            effects.log_line = "evaluation started on " + update.host + " (worker " + update.worker + ", attempt " +
                               std::to_string(update.attempt) + ")";
            break;
        case UpdateType::kHeartbeat:
            if (job->state != JobState::kRunning || !FromCurrentRun(*job, update)) return std::nullopt;
            job->heartbeat_at = now;
            break;
        case UpdateType::kComplete:
            if (!FromCurrentRun(*job, update)) return std::nullopt;
            finish(JobState::kCompleted, std::nullopt);
            RecordScores(conn, *job, now);
            effects.log_line = "evaluation completed";
            effects.publish = true;
            break;
        case UpdateType::kFailed: {
            if (!FromCurrentRun(*job, update)) return std::nullopt;
            const auto kind = update.failure_kind.value_or(domain::DeriveFailureKind(update.exit_code));
            finish(JobState::kFailed, SubmissionStatus::kFailed);
            job->failure_kind = domain::ToString(kind);
            effects.log_line = FailureLine(update, kind);
            effects.mail = true;
            effects.platform_failure = kind == domain::FailureKind::kPlatform;
            break;
        }
        case UpdateType::kPresence:
            return std::nullopt;  // about the worker, not the job (HandleDelivery records it)
        case UpdateType::kCanceled:
            if (!FromCurrentRun(*job, update)) return std::nullopt;
            finish(JobState::kCanceled, SubmissionStatus::kCanceled);
            effects.log_line = "evaluation canceled" + (update.reason.empty() ? "" : ": " + update.reason);
            break;
    }
    jobs.Update(*job);
    effects.submission = *submission;
    effects.job = *job;
    return effects;
}

bool EvaluationService::Apply(const Update& update) { return impl_->ApplyUpdate(update); }

bool EvaluationService::Impl::ApplyUpdate(const Update& update) {
    Impl& s = *this;
    std::optional<Impl::Effects> effects;
    {
        auto conn = s.db.Acquire();
        db::Transaction tx(*conn);
        effects = s.ApplyInTransaction(*conn, update);
        if (!effects) return false;  // nothing was written; the transaction rolls back
        tx.Commit();
    }
    if (!effects->log_line.empty()) {
        try {
            s.store.AppendLog(update.submission_id, s.clock.Now(), effects->log_line);
        } catch (const std::exception& e) {
            spdlog::error("submission {}: cannot write out.log: {}", update.submission_id, e.what());
        }
    }
    s.ReportJobEvent(update.type, effects->job);
    if (effects->publish) s.publications.Await(effects->submission.track_id, effects->job);
    if (effects->mail) s.MailResult(effects->submission, effects->job);
    if (effects->platform_failure) s.PostPlatformFailure(effects->submission, effects->job);
    return true;
}

}  // namespace zr::evaluation
