// Queuing, cancelling and listing jobs; the RabbitMQ outbox.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>

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

// A submission may be (re-)queued from these statuses only.
constexpr std::array<std::string_view, 4> kQueueableStatuses = {"uploaded", "completed", "failed", "canceled"};
constexpr std::array<std::string_view, 2> kCancelableStatuses = {"on_queue", "evaluating"};

Error UnknownSubmission(std::string_view submission_id) {
    return Error::Message(ErrorKind::kNotFound,
                          "There is no submission with the following id: " + std::string(submission_id));
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

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool IsFinalJobState(std::string_view state) { return state == kCompleted || state == kFailed || state == kCanceled; }

Job EvaluationService::Impl::MakeJob(db::Connection& conn, const domain::Submission& submission,
                                     const std::string& job_id) {
    auto challenge = db::ChallengeRepository(conn).Find(submission.track_id);
    std::optional<domain::Evaluator> evaluator;
    if (challenge && challenge->evaluator) evaluator = db::EvaluatorRepository(conn).Find(*challenge->evaluator);
    if (!evaluator) {
        throw Error::Message(ErrorKind::kInvalidInput,
                             "The challenge " + (challenge ? challenge->label : std::to_string(submission.track_id)) +
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
    // Single-part uploads keep the client's md5 in archive.hash, multipart ones the merged
    // archive's in the manifest: both were checked at upload, so no re-hashing here.
    if (auto hash = store.ReadArchiveHash(submission.id)) {
        job.archive_md5 = *hash;
    } else if (auto manifest = store.ReadManifest(submission.id)) {
        job.archive_md5 = manifest->merge_hash;
    }
    job.time_limit_s = settings.eval_time_limit.count();
    return job;
}

std::string EvaluationService::Enqueue(std::string_view submission_id) {
    Impl& s = *impl_;
    const std::string id(submission_id);
    Job job;
    const TimePoint now = s.clock.Now();
    std::optional<std::string> kept;  // scores moved aside, moved back unless the transaction commits
    try {
        auto conn = s.db.Acquire();
        db::Transaction tx(*conn);
        auto submission = db::SubmissionRepository(*conn).Find(id);
        if (!submission) throw UnknownSubmission(id);
        if (!Contains(kQueueableStatuses, submission->status)) {
            throw Error::Message(ErrorKind::kConflict,
                                 "Submission " + id + " cannot be queued in status " + submission->status);
        }
        job = s.MakeJob(*conn, *submission, crypto::Uuid4());
        db::EvaluationJobRow row;
        row.id = job.job_id;
        row.submission_id = id;
        row.evaluator_id = job.evaluator_id;
        row.state = kQueued;
        row.published = s.embedded;
        row.created_at = now;
        row.host = job.host.value_or("");
        row.evaluator_label = job.evaluator;
        row.executor = job.executor;
        // Before the job exists anywhere a worker could see it: its evaluator writes into scores/.
        kept = s.KeepScoresForRerun(*conn, *submission, now);
        db::EvaluationJobRepository(*conn).Create(row);
        db::SubmissionRepository(*conn).SetStatus(id, "on_queue");
        if (s.embedded) db::QueueRepository(*conn).Insert(queue::kEvalQueue, ToJson(job).dump(), UnixMillis(now));
        tx.Commit();
    } catch (...) {
        if (kept && !s.store.RestoreScores(id, *kept)) {
            spdlog::error("submission {}: its scores stay in scores_history/{} after a failed queuing", id, *kept);
        }
        throw;
    }
    if (s.embedded) queue::NotifyInserted(s.db, queue::kEvalQueue);
    if (kept) s.store.AppendLog(id, now, "earlier scores kept as a previous version (scores_history/" + *kept + ")");
    s.store.AppendLog(id, now, "queued for evaluation (job " + job.job_id + ", evaluator " + job.evaluator + ")");
    if (!s.embedded) s.PublishJob(job);
    return job.job_id;
}

void EvaluationService::Cancel(std::string_view submission_id) {
    Impl& s = *impl_;
    const std::string id(submission_id);
    const TimePoint now = s.clock.Now();
    {
        auto conn = s.db.Acquire();
        db::Transaction tx(*conn);
        auto submission = db::SubmissionRepository(*conn).Find(id);
        if (!submission) throw UnknownSubmission(id);
        if (!Contains(kCancelableStatuses, submission->status)) {
            throw Error::Message(ErrorKind::kConflict,
                                 "Submission " + id + " cannot be canceled in status " + submission->status);
        }
        db::EvaluationJobRepository jobs(*conn);
        if (auto job = jobs.FindCurrent(id); job && !IsFinalJobState(job->state)) {
            job->state = kCanceled;
            job->finished_at = now;
            job->reason = "canceled by an administrator";
            jobs.Update(*job);
        }
        db::SubmissionRepository(*conn).SetStatus(id, "canceled");
        tx.Commit();
    }
    s.store.AppendLog(id, now, "evaluation canceled");
}

std::vector<JobView> EvaluationService::ListJobs(const std::vector<std::string>& states) {
    auto conn = impl_->db.Acquire();
    return db::EvaluationJobRepository(*conn).List(states);
}

void EvaluationService::OnUploaded(const std::string& submission_id) {
    Impl& s = *impl_;
    s.PostNewSubmission(submission_id);
    try {
        bool has_evaluator = false;
        {
            auto conn = s.db.Acquire();
            auto submission = db::SubmissionRepository(*conn).Find(submission_id);
            if (!submission) return;
            auto challenge = db::ChallengeRepository(*conn).Find(submission->track_id);
            has_evaluator = challenge && challenge->evaluator;
        }
        if (has_evaluator) {
            Enqueue(submission_id);
        } else {
            s.store.AppendLog(submission_id, s.clock.Now(), "the challenge has no evaluator yet: not queued");
        }
    } catch (const std::exception& e) {
        spdlog::error("submission {}: cannot queue it for evaluation: {}", submission_id, e.what());
    }
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
        if (submission && row.state == kQueued) {
            try {
                job = MakeJob(*conn, *submission, row.id);
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
    for (const auto& submission : db::SubmissionRepository(*conn).List(std::nullopt, std::nullopt, "uploaded")) {
        auto challenge = challenges.Find(submission.track_id);
        if (challenge && challenge->evaluator && !jobs.FindCurrent(submission.id)) forgotten.push_back(submission.id);
    }
    return forgotten;
}

}  // namespace zr::evaluation
