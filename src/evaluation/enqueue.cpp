// Queuing, cancelling and listing jobs; the RabbitMQ outbox.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "common/error.hpp"
#include "common/time.hpp"
#include "crypto/crypto.hpp"
#include "db/queue_repository.hpp"
#include "db/repositories.hpp"
#include "evaluation/internal.hpp"
#include "evaluators/evaluators.hpp"

namespace zr::evaluation {
namespace {

using namespace std::chrono_literals;
using domain::JobState;
using domain::SubmissionStatus;

Error UnknownSubmission(std::string_view submission_id) {
    return Error::Message(ErrorKind::kNotFound,
                          "There is no submission with the following id: " + std::string(submission_id));
}

Error CannotMove(const std::string& id, std::string_view what, SubmissionStatus status) {
    return Error::Message(ErrorKind::kConflict, "Submission " + id + " cannot be " + std::string(what) + " in status " +
                                                    std::string(domain::ToString(status)));
}

// The failure of a queued job whose challenge lost its evaluator before the job was published.
Update EvaluatorGone(const db::EvaluationJobRow& row, const std::string& why) {
    Update update;
    update.type = UpdateType::kFailed;
    update.job_id = row.id;
    update.submission_id = row.submission_id;
    update.host = row.host;
    update.reason = "the job could not be published: " + why;
    update.failure_kind = domain::FailureKind::kPlatform;
    return update;
}

}  // namespace

Job EvaluationService::Impl::MakeJob(db::Connection& conn, const domain::Submission& submission,
                                     const domain::Challenge& challenge, const std::string& job_id) {
    std::optional<domain::Evaluator> evaluator;
    if (const auto id = submission.EffectiveEvaluator(challenge)) evaluator = db::EvaluatorRepository(conn).Find(*id);
    if (!evaluator) {
        throw Error::Message(ErrorKind::kInvalidInput,
                             "The challenge " +
                                 (challenge.label.empty() ? std::to_string(submission.track_id) : challenge.label) +
                                 " has no evaluator");
    }
    Job job;
    job.job_id = job_id;
    job.submission_id = submission.id;
    job.evaluator_id = evaluator->id;
    job.evaluator = evaluator->label;
    job.executor = evaluator->executor;
    job.script_path = evaluator->script_path;
    job.base_arguments = evaluators::SplitArguments(evaluator->base_arguments);
    job.host = evaluator->host ? *evaluator->host : settings.hostname;  // null = the service's host
    // The hash the participant declared and the upload checked: no re-hashing here.
    job.archive_md5 = store.ExpectedArchiveMd5(submission.id).value_or("");
    job.time_limit_s = settings.eval_time_limit.count();
    return job;
}

std::string EvaluationService::Enqueue(std::string_view submission_id) {
    return impl_->Queue(std::string(submission_id), std::nullopt);
}

std::string EvaluationService::Impl::Queue(
    const std::string& id, const std::optional<std::pair<domain::Submission, domain::Challenge>>& loaded) {
    Job job;
    const TimePoint now = clock.Now();
    std::optional<std::string> kept;  // scores moved aside, moved back unless the transaction commits
    try {
        auto conn = db.Acquire();
        db::Transaction tx(*conn);
        db::SubmissionRepository submissions(*conn);
        std::optional<std::pair<domain::Submission, domain::Challenge>> rows = loaded;
        if (!rows) {
            auto submission = submissions.Find(id);
            if (!submission) throw UnknownSubmission(id);
            auto challenge = db::ChallengeRepository(*conn).Find(submission->track_id);
            domain::Challenge unknown;
            unknown.id = submission->track_id;
            rows.emplace(std::move(*submission), challenge ? std::move(*challenge) : unknown);
        }
        const auto& [submission, challenge] = *rows;
        if (!domain::IsLegalTransition(submission.status, SubmissionStatus::kOnQueue)) {
            throw CannotMove(id, "queued", submission.status);
        }
        job = MakeJob(*conn, submission, challenge, crypto::Uuid4());
        db::EvaluationJobRow row;
        row.id = job.job_id;
        row.submission_id = id;
        row.evaluator_id = job.evaluator_id;
        row.state = JobState::kQueued;
        row.published = embedded;
        row.created_at = now;
        row.host = job.host.value_or("");
        row.evaluator_label = job.evaluator;
        row.executor = job.executor;
        // Before the job exists anywhere a worker could see it: its evaluator writes into scores/.
        kept = KeepScoresForRerun(*conn, submission, now);
        db::EvaluationJobRepository(*conn).Create(row);
        if (!submissions.Move(id, SubmissionStatus::kOnQueue)) {
            // The status changed since it was read (a concurrent queuing or an administrator).
            const auto current = submissions.Find(id);
            throw CannotMove(id, "queued", current ? current->status : submission.status);
        }
        if (embedded) db::QueueRepository(*conn).Insert(queue::kEvalQueue, ToJson(job).dump(), UnixMillis(now));
        tx.Commit();
    } catch (...) {
        if (kept && !store.RestoreScores(id, *kept)) {
            spdlog::error("submission {}: its scores stay in scores_history/{} after a failed queuing", id, *kept);
        }
        throw;
    }
    if (embedded) queue::NotifyInserted(db, queue::kEvalQueue);
    if (kept) store.TryAppendLog(id, now, "earlier scores kept as a previous version (scores_history/" + *kept + ")");
    store.TryAppendLog(id, now, "queued for evaluation (job " + job.job_id + ", evaluator " + job.evaluator + ")");
    if (!embedded) PublishJob(job);
    return job.job_id;
}

void EvaluationService::Cancel(std::string_view submission_id) {
    Impl& s = *impl_;
    const std::string id(submission_id);
    const TimePoint now = s.clock.Now();
    {
        auto conn = s.db.Acquire();
        db::Transaction tx(*conn);
        db::SubmissionRepository submissions(*conn);
        auto submission = submissions.Find(id);
        if (!submission) throw UnknownSubmission(id);
        if (!domain::IsLegalTransition(submission->status, SubmissionStatus::kCanceled)) {
            throw CannotMove(id, "canceled", submission->status);
        }
        db::EvaluationJobRepository jobs(*conn);
        if (auto job = jobs.FindCurrent(id); job && domain::IsLegalTransition(job->state, JobState::kCanceled)) {
            job->state = JobState::kCanceled;
            job->finished_at = now;
            job->reason = "canceled by an administrator";
            jobs.Update(*job);
        }
        submissions.Move(id, SubmissionStatus::kCanceled);
        tx.Commit();
    }
    s.store.TryAppendLog(id, now, "evaluation canceled");
}

std::vector<JobView> EvaluationService::ListJobs(const std::vector<domain::JobState>& states) {
    auto conn = impl_->db.Acquire();
    return db::EvaluationJobRepository(*conn).List(states);
}

void EvaluationService::OnUploaded(const domain::Submission& submission, const domain::Challenge& challenge,
                                   const std::optional<domain::User>& owner) {
    Impl& s = *impl_;
    s.AnnounceUpload(submission, challenge, owner);
    try {
        switch (DecideAfterUpload(submission, challenge)) {
            case AfterUpload::kStayUploaded:
                s.store.TryAppendLog(submission.id, s.clock.Now(), "the challenge has no evaluator yet: not queued");
                return;
            case AfterUpload::kNoEval:
                s.Park(submission.id, SubmissionStatus::kNoEval, "the challenge has no evaluator: not queued");
                return;
            case AfterUpload::kNoAutoEval:
                s.Park(submission.id, SubmissionStatus::kNoAutoEval,
                       "automatic evaluation is off for this challenge: not queued, an organiser decides");
                return;
            case AfterUpload::kQueue:
                break;
        }
        s.Queue(submission.id, std::make_pair(submission, challenge));
    } catch (const std::exception& e) {
        spdlog::error("submission {}: cannot queue it for evaluation: {}", submission.id, e.what());
    }
}

bool EvaluationService::Impl::Park(const std::string& submission_id, SubmissionStatus to, std::string_view reason) {
    {
        auto conn = db.Acquire();
        if (!db::SubmissionRepository(*conn).Move(submission_id, to)) {
            spdlog::warn("submission {}: not moved to {}: its status changed meanwhile", submission_id,
                         domain::ToString(to));
            return false;
        }
    }
    store.TryAppendLog(submission_id, clock.Now(),
                       "status changed to " + std::string(domain::ToString(to)) + ": " + std::string(reason));
    return true;
}

queue::MessageQueue& EvaluationService::Impl::Publisher() {
    if (!publisher) {
        publisher = queue::Open(settings, &db, settings.hostname + ":" + std::to_string(getpid()) + ":service");
    }
    return *publisher;
}

bool EvaluationService::Impl::PublishJob(const Job& job) {
    try {
        {
            std::lock_guard lock(publisher_mutex);
            Publisher().Publish(queue::kEvalQueue, ToJson(job));
        }
        auto conn = db.Acquire();
        db::EvaluationJobRepository(*conn).SetPublished(job.job_id);
        return true;
    } catch (const std::exception& e) {
        // The row stays unpublished: the outbox pass publishes it later.
        spdlog::error("job {} (submission {}): not published yet: {}", job.job_id, job.submission_id, e.what());
        return false;
    }
}

void EvaluationService::Impl::RepublishUnpublished(std::optional<TimePoint> older_than) {
    std::vector<db::EvaluationJobRow> rows;
    {
        auto conn = db.Acquire();
        rows = db::EvaluationJobRepository(*conn).ListUnpublished();
    }
    for (const auto& row : rows) {
        if (older_than && row.created_at >= *older_than) continue;
        auto conn = db.Acquire();
        db::Transaction tx(*conn);
        auto submission = db::SubmissionRepository(*conn).Find(row.submission_id);
        std::optional<Job> job;
        std::optional<Update> failure;
        if (submission && row.state == JobState::kQueued) {
            try {
                auto challenge = db::ChallengeRepository(*conn).Find(submission->track_id);
                domain::Challenge unknown;
                unknown.id = submission->track_id;
                job = MakeJob(*conn, *submission, challenge ? *challenge : unknown, row.id);
            } catch (const Error& e) {
                spdlog::error("job {}: cannot be published: {}", row.id, e.message());
                failure = EvaluatorGone(row, e.message());
            }
        }
        if (job && embedded)
            db::QueueRepository(*conn).Insert(queue::kEvalQueue, ToJson(*job).dump(), UnixMillis(clock.Now()));
        // A job that cannot run any more (canceled, evaluator gone) is not published at all.
        if (!job || embedded) db::EvaluationJobRepository(*conn).SetPublished(row.id);
        tx.Commit();
        if (job && !embedded) PublishJob(*job);
        if (failure) ApplyUpdate(*failure);  // the platform failed the job: nothing will run it
    }
}

std::vector<std::string> EvaluationService::Impl::ForgottenUploads() {
    std::vector<std::string> forgotten;
    auto conn = db.Acquire();
    db::ReadTransaction read(*conn);
    db::EvaluationJobRepository jobs(*conn);
    db::ChallengeRepository challenges(*conn);
    for (const auto& submission :
         db::SubmissionRepository(*conn).List(std::nullopt, std::nullopt, SubmissionStatus::kUploaded)) {
        // Only what the upload would have queued: a submission that waits for an organiser or an
        // evaluator is left where it is.
        auto challenge = challenges.Find(submission.track_id);
        if (challenge && DecideAfterUpload(submission, *challenge) == AfterUpload::kQueue &&
            !jobs.FindCurrent(submission.id)) {
            forgotten.push_back(submission.id);
        }
    }
    return forgotten;
}

}  // namespace zr::evaluation
