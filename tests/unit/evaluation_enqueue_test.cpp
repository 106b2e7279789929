// EvaluationService: queuing rules, the job message, cancel, listing, start-up recovery (outbox).
#include "evaluation_fixture.hpp"

namespace zr::evaluation::testing {
namespace {

TEST_F(EvaluationTest, EnqueueRecordsTheJobAndPublishesItInTheSameTransaction) {
    const std::string id = AddSubmission("uploaded");
    const std::string job_id = service_->Enqueue(id);
    EXPECT_EQ(Status(id), "on_queue");
    auto row = Job(job_id);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->state, "queued");
    EXPECT_EQ(row->submission_id, id);
    EXPECT_EQ(row->evaluator_id, evaluator_);
    EXPECT_TRUE(row->published);
    EXPECT_EQ(row->attempts, 0);
    EXPECT_TRUE(LogContains(id, "queued for evaluation (job " + job_id + ", evaluator abx)"));

    auto message = Take("eval_queue");
    ASSERT_TRUE(message);
    const evaluation::Job job = JobFromJson(*message);
    EXPECT_EQ(job.job_id, job_id);
    EXPECT_EQ(job.submission_id, id);
    EXPECT_EQ(job.evaluator_id, evaluator_);
    EXPECT_EQ(job.evaluator, "abx");
    EXPECT_EQ(job.executor, "bash");
    EXPECT_EQ(job.script_path, "/srv/bin/eval.sh");
    EXPECT_EQ(job.base_arguments, (std::vector<std::string>{"-x", "--flag"}));
    EXPECT_EQ(job.host, std::optional<std::string>("testhost"));  // a --local evaluator: the service's host
    EXPECT_EQ(job.archive_md5, "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(job.time_limit_s, 77);
    EXPECT_FALSE(Take("eval_queue"));
}

TEST_F(EvaluationTest, MultipartArchiveMd5ComesFromTheManifest) {
    const std::string id = "multi";
    storage::NewSubmissionFolder folder;
    folder.submission_id = id;
    folder.created = clock_.Now();
    folder.multipart = true;
    folder.index = {{"a.part", 3, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}};
    store_->CreateStaging(folder);
    store_->Publish(id);
    auto manifest = *store_->ReadManifest(id);
    manifest.merge_hash = "fedcba9876543210fedcba9876543210";
    store_->WriteManifest(id, manifest);
    {
        auto conn = db_->Acquire();
        db::SubmissionRepository(*conn).Create({id, user_, challenge_, clock_.Now(), "uploaded"});
    }
    service_->Enqueue(id);
    EXPECT_EQ(JobFromJson(*Take("eval_queue")).archive_md5, "fedcba9876543210fedcba9876543210");
}

TEST_F(EvaluationTest, EnqueueStatusRules) {
    for (const char* status : {"uploaded", "completed", "failed", "canceled"}) {
        const std::string id = AddSubmission(status);
        EXPECT_NO_THROW(service_->Enqueue(id)) << status;
        EXPECT_EQ(Status(id), "on_queue") << status;
    }
    for (const char* status : {"uploading", "invalid", "on_queue", "evaluating"}) {
        const std::string id = AddSubmission(status);
        ExpectError([&] { service_->Enqueue(id); }, ErrorKind::kConflict, status);
        EXPECT_EQ(Status(id), status);
    }
    EXPECT_EQ(Ready("eval_queue"), 4u);
    EXPECT_EQ(service_->ListJobs({}).size(), 4u);
}

TEST_F(EvaluationTest, EnqueueUnknownSubmissionOrNoEvaluator) {
    ExpectError([&] { service_->Enqueue("nope"); }, ErrorKind::kNotFound, "nope");
    const std::string id = AddSubmission("uploaded", bare_challenge_);
    ExpectError([&] { service_->Enqueue(id); }, ErrorKind::kInvalidInput, "no evaluator");
    EXPECT_EQ(Status(id), "uploaded");  // nothing written
    EXPECT_TRUE(service_->ListJobs({}).empty());
    EXPECT_EQ(Ready("eval_queue"), 0u);
}

TEST_F(EvaluationTest, ReEnqueueMakesANewCurrentJob) {
    const std::string id = AddSubmission("uploaded");
    const std::string first = service_->Enqueue(id);
    ExpectError([&] { service_->Enqueue(id); }, ErrorKind::kConflict);
    SetStatus(id, "completed");
    const std::string second = service_->Enqueue(id);
    EXPECT_NE(first, second);
    auto jobs = service_->ListJobs({});
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(jobs[0].id, second);  // newest first
    EXPECT_EQ(service_->ListJobs({"queued"}).size(), 2u);
    EXPECT_TRUE(service_->ListJobs({"running"}).empty());
}

TEST_F(EvaluationTest, CancelQueuedOrRunningOnly) {
    const std::string id = AddSubmission("uploaded");
    const std::string job_id = service_->Enqueue(id);
    service_->Cancel(id);
    EXPECT_EQ(Status(id), "canceled");
    EXPECT_EQ(Job(job_id)->state, "canceled");
    EXPECT_TRUE(Job(job_id)->finished_at);
    EXPECT_TRUE(LogContains(id, "evaluation canceled"));
    ExpectError([&] { service_->Cancel(id); }, ErrorKind::kConflict, "canceled");
    ExpectError([&] { service_->Cancel("nope"); }, ErrorKind::kNotFound);

    const std::string running = AddSubmission("uploaded");
    const std::string running_job = service_->Enqueue(running);
    ASSERT_TRUE(service_->Apply(MakeUpdate(UpdateType::kStarted, running_job, running)));
    service_->Cancel(running);
    EXPECT_EQ(Status(running), "canceled");
    EXPECT_EQ(Job(running_job)->state, "canceled");
}

TEST_F(EvaluationTest, OnUploadedQueuesOnlyWithAnEvaluator) {
    const std::string with = AddSubmission("uploaded");
    const std::string without = AddSubmission("uploaded", bare_challenge_);
    service_->OnUploaded(with);
    service_->OnUploaded(without);
    service_->OnUploaded("unknown");  // never throws
    EXPECT_EQ(Status(with), "on_queue");
    EXPECT_EQ(Status(without), "uploaded");
    EXPECT_TRUE(LogContains(without, "no evaluator"));
}

TEST_F(EvaluationTest, StartRepublishesUnpublishedJobsAndQueuesForgottenUploads) {
    // A job recorded but never published (a crash between commit and publish), and one whose
    // submission was canceled meanwhile (not published at all).
    const std::string crashed = AddSubmission("on_queue");
    const std::string canceled = AddSubmission("canceled");
    const std::string forgotten = AddSubmission("uploaded");
    const std::string no_evaluator = AddSubmission("uploaded", bare_challenge_);
    {
        auto conn = db_->Acquire();
        db::EvaluationJobRepository jobs(*conn);
        db::EvaluationJobRow row;
        row.id = "job-crashed";
        row.submission_id = crashed;
        row.evaluator_id = evaluator_;
        row.state = "queued";
        row.created_at = clock_.Now();
        jobs.Create(row);
        row.id = "job-canceled";
        row.submission_id = canceled;
        row.state = "canceled";
        jobs.Create(row);
    }
    service_->Start();
    service_->Start();  // idempotent
    service_->Stop();
    EXPECT_TRUE(Job("job-crashed")->published);
    EXPECT_TRUE(Job("job-canceled")->published);
    std::vector<std::string> queued;
    while (auto message = Take("eval_queue")) queued.push_back(JobFromJson(*message).submission_id);
    std::sort(queued.begin(), queued.end());
    std::vector<std::string> expected{crashed, forgotten};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(queued, expected);
    EXPECT_EQ(Status(forgotten), "on_queue");
    EXPECT_EQ(Status(no_evaluator), "uploaded");
}

}  // namespace
}  // namespace zr::evaluation::testing
