// EvaluationService: queuing rules, the job message, cancel, listing, start-up recovery (outbox).
#include "evaluation_fixture.hpp"
#include "http_sink.hpp"

namespace zr::evaluation::testing {
namespace {

TEST_F(EvaluationTest, EnqueueRecordsTheJobAndPublishesItInTheSameTransaction) {
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string job_id = service_->Enqueue(id);
    EXPECT_EQ(Status(id), SubmissionStatus::kOnQueue);
    auto row = Job(job_id);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->state, JobState::kQueued);
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
        db::SubmissionRepository(*conn).Create({id, user_, challenge_, clock_.Now(), SubmissionStatus::kUploaded});
    }
    service_->Enqueue(id);
    EXPECT_EQ(JobFromJson(*Take("eval_queue")).archive_md5, "fedcba9876543210fedcba9876543210");
}

TEST_F(EvaluationTest, EnqueueStatusRules) {
    for (const SubmissionStatus status : {SubmissionStatus::kUploaded, SubmissionStatus::kCompleted,
                                          SubmissionStatus::kFailed, SubmissionStatus::kCanceled}) {
        const std::string id = AddSubmission(status);
        EXPECT_NO_THROW(service_->Enqueue(id)) << domain::ToString(status);
        EXPECT_EQ(Status(id), SubmissionStatus::kOnQueue) << domain::ToString(status);
    }
    for (const SubmissionStatus status : {SubmissionStatus::kUploading, SubmissionStatus::kInvalid,
                                          SubmissionStatus::kOnQueue, SubmissionStatus::kEvaluating}) {
        const std::string id = AddSubmission(status);
        ExpectError([&] { service_->Enqueue(id); }, ErrorKind::kConflict, std::string(domain::ToString(status)));
        EXPECT_EQ(Status(id), status);
    }
    EXPECT_EQ(Ready("eval_queue"), 4u);
    EXPECT_EQ(service_->ListJobs({}).size(), 4u);
}

TEST_F(EvaluationTest, EnqueueUnknownSubmissionOrNoEvaluator) {
    ExpectError([&] { service_->Enqueue("nope"); }, ErrorKind::kNotFound, "nope");
    const std::string id = AddSubmission(SubmissionStatus::kUploaded, bare_challenge_);
    ExpectError([&] { service_->Enqueue(id); }, ErrorKind::kInvalidInput, "no evaluator");
    EXPECT_EQ(Status(id), SubmissionStatus::kUploaded);  // nothing written
    EXPECT_TRUE(service_->ListJobs({}).empty());
    EXPECT_EQ(Ready("eval_queue"), 0u);
}

TEST_F(EvaluationTest, ReEnqueueMakesANewCurrentJob) {
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string first = service_->Enqueue(id);
    ExpectError([&] { service_->Enqueue(id); }, ErrorKind::kConflict);
    SetStatus(id, SubmissionStatus::kCompleted);
    const std::string second = service_->Enqueue(id);
    EXPECT_NE(first, second);
    auto jobs = service_->ListJobs({});
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(jobs[0].id, second);  // newest first
    EXPECT_EQ(service_->ListJobs({JobState::kQueued}).size(), 2u);
    EXPECT_TRUE(service_->ListJobs({JobState::kRunning}).empty());
    EXPECT_EQ(service_->ListJobs({JobState::kRunning, JobState::kQueued}).size(), 2u);
}

TEST_F(EvaluationTest, CancelQueuedOrRunningOnly) {
    const std::string id = AddSubmission(SubmissionStatus::kUploaded);
    const std::string job_id = service_->Enqueue(id);
    service_->Cancel(id);
    EXPECT_EQ(Status(id), SubmissionStatus::kCanceled);
    EXPECT_EQ(Job(job_id)->state, JobState::kCanceled);
    EXPECT_TRUE(Job(job_id)->finished_at);
    EXPECT_TRUE(LogContains(id, "evaluation canceled"));
    ExpectError([&] { service_->Cancel(id); }, ErrorKind::kConflict, "canceled");
    ExpectError([&] { service_->Cancel("nope"); }, ErrorKind::kNotFound);

    const std::string running = AddSubmission(SubmissionStatus::kUploaded);
    const std::string running_job = service_->Enqueue(running);
    ASSERT_TRUE(service_->Apply(MakeUpdate(UpdateType::kStarted, running_job, running)));
    service_->Cancel(running);
    EXPECT_EQ(Status(running), SubmissionStatus::kCanceled);
    EXPECT_EQ(Job(running_job)->state, JobState::kCanceled);
}

// The rows a completed upload hands over (its submission, challenge and owner), read here once.
struct UploadedRows {
    domain::Submission submission;
    domain::Challenge challenge;
    std::optional<domain::User> owner;
};

TEST_F(EvaluationTest, OnUploadedQueuesOnlyWithAnEvaluator) {
    const std::string with = AddSubmission(SubmissionStatus::kUploaded);
    const std::string without = AddSubmission(SubmissionStatus::kUploaded, bare_challenge_);
    const auto rows = [&](const std::string& id) {
        auto conn = db_->Acquire();
        const auto submission = *db::SubmissionRepository(*conn).Find(id);
        return UploadedRows{submission, *db::ChallengeRepository(*conn).Find(submission.track_id),
                            db::UserRepository(*conn).FindById(submission.user_id)};
    };
    const UploadedRows with_rows = rows(with);
    const UploadedRows without_rows = rows(without);
    service_->OnUploaded(with_rows.submission, with_rows.challenge, with_rows.owner);
    service_->OnUploaded(without_rows.submission, without_rows.challenge, without_rows.owner);
    domain::Submission unknown = with_rows.submission;
    unknown.id = "unknown";
    service_->OnUploaded(unknown, with_rows.challenge, std::nullopt);  // never throws
    EXPECT_EQ(Status(with), SubmissionStatus::kOnQueue);
    EXPECT_EQ(Status(without), SubmissionStatus::kUploaded);
    EXPECT_TRUE(LogContains(without, "no evaluator"));
    EXPECT_EQ(service_->ListJobs({}).size(), 1u);
}

// The "new submission" notices go out with the queuing (the owner's e-mail, the organisers' post),
// evaluator or not.
TEST_F(EvaluationTest, OnUploadedSendsTheNewSubmissionNotices) {
    test_support::HttpSink sink;
    service_.reset();
    settings_.mattermost_url = sink.base() + "/hooks";
    settings_.mattermost_api_key = "key";
    mattermost_ = std::make_unique<notify::Mattermost>(settings_);
    NewService();
    const std::string with = AddSubmission(SubmissionStatus::kUploaded);
    const std::string without = AddSubmission(SubmissionStatus::kUploaded, bare_challenge_);
    std::optional<domain::User> owner;
    domain::Challenge track;
    domain::Challenge bare;
    domain::Submission with_row;
    domain::Submission without_row;
    {
        auto conn = db_->Acquire();
        owner = db::UserRepository(*conn).FindById(user_);
        track = *db::ChallengeRepository(*conn).Find(challenge_);
        bare = *db::ChallengeRepository(*conn).Find(bare_challenge_);
        with_row = *db::SubmissionRepository(*conn).Find(with);
        without_row = *db::SubmissionRepository(*conn).Find(without);
    }
    ASSERT_TRUE(owner);
    service_->OnUploaded(with_row, track, owner);
    service_->OnUploaded(without_row, bare, owner);
    mail_queue_->Flush();
    mattermost_->Flush();
    const auto mails = mailer_.Sent();
    ASSERT_EQ(mails.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        const std::string& id = i == 0 ? with : without;
        EXPECT_EQ(mails[i].to, "alice@example.org");
        EXPECT_EQ(mails[i].subject, "Zerospeech: new submission");
        EXPECT_NE(mails[i].text_body.find(id), std::string::npos) << mails[i].text_body;
        EXPECT_NE(mails[i].html_body.find(id), std::string::npos);
    }
    const auto posts = sink.requests();
    ASSERT_EQ(posts.size(), 2u);
    EXPECT_NE(posts[0].body.find(with), std::string::npos) << posts[0].body;
    EXPECT_NE(posts[0].body.find("alice"), std::string::npos) << posts[0].body;
    EXPECT_NE(posts[1].body.find(without), std::string::npos) << posts[1].body;
    EXPECT_EQ(Status(with), SubmissionStatus::kOnQueue);
}

TEST_F(EvaluationTest, StartRepublishesUnpublishedJobsAndQueuesForgottenUploads) {
    // A job recorded but never published (a crash between commit and publish), and one whose
    // submission was canceled meanwhile (not published at all).
    const std::string crashed = AddSubmission(SubmissionStatus::kOnQueue);
    const std::string canceled = AddSubmission(SubmissionStatus::kCanceled);
    const std::string forgotten = AddSubmission(SubmissionStatus::kUploaded);
    const std::string no_evaluator = AddSubmission(SubmissionStatus::kUploaded, bare_challenge_);
    {
        auto conn = db_->Acquire();
        db::EvaluationJobRepository jobs(*conn);
        db::EvaluationJobRow row;
        row.id = "job-crashed";
        row.submission_id = crashed;
        row.evaluator_id = evaluator_;
        row.state = JobState::kQueued;
        row.created_at = clock_.Now();
        jobs.Create(row);
        row.id = "job-canceled";
        row.submission_id = canceled;
        row.state = JobState::kCanceled;
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
    EXPECT_EQ(Status(forgotten), SubmissionStatus::kOnQueue);
    EXPECT_EQ(Status(no_evaluator), SubmissionStatus::kUploaded);
}

}  // namespace
}  // namespace zr::evaluation::testing
