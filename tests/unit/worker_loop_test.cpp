// Worker with an in-memory queue and link: the order of its reports, acknowledgements and what it
// refuses to run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crypto/crypto.hpp"
#include "worker/worker.hpp"

namespace zr::worker {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// Everything the fakes see, in order: "publish:evaluation_started", "ack", "release", ...
class Events {
public:
    void Add(std::string event) {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(event));
    }
    std::vector<std::string> All() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    bool Contains(const std::string& event) const {
        auto all = All();
        return std::find(all.begin(), all.end(), event) != all.end();
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> events_;
};

class FakeQueue : public queue::MessageQueue {
public:
    explicit FakeQueue(Events& events) : events_(events) {}

    void Publish(std::string_view queue_name, const nlohmann::json& message) override {
        std::lock_guard lock(mutex_);
        if (queue_name == queue::kEvalQueue) {  // a job handed on to another host's workers
            forwarded.push_back(message);
            events_.Add("forward:" + message.at("job_id").get<std::string>());
            return;
        }
        EXPECT_EQ(queue_name, queue::kUpdateQueue);
        published.push_back(message);
        events_.Add("publish:" + message.at("type").get<std::string>());
    }
    std::optional<queue::Delivery> Receive(std::string_view queue_name, std::chrono::milliseconds) override {
        std::lock_guard lock(mutex_);
        EXPECT_EQ(queue_name, queue::kEvalQueue);
        if (waiting.empty()) return std::nullopt;
        auto delivery = waiting.front();
        waiting.pop_front();
        return delivery;
    }
    bool Ack(const queue::Delivery& delivery) override {
        events_.Add("ack:" + std::to_string(delivery.tag));
        return true;
    }
    void Release(const queue::Delivery& delivery) override { events_.Add("release:" + std::to_string(delivery.tag)); }
    bool KeepAlive(const queue::Delivery&) override {
        events_.Add("keepalive");
        return keep_alive && alive_calls-- > 0;
    }
    std::size_t Ready(std::string_view) override { return waiting.size(); }

    std::vector<nlohmann::json> Published() {
        std::lock_guard lock(mutex_);
        return published;
    }

    std::mutex mutex_;
    std::deque<queue::Delivery> waiting;
    std::vector<nlohmann::json> published;
    std::vector<nlohmann::json> forwarded;  // jobs published again on eval_queue
    std::atomic<bool> keep_alive{true};
    std::atomic<int> alive_calls{1 << 30};  // KeepAlive answers true this many times, then false

private:
    Events& events_;
};

class FakeLink : public WorkerLink {
public:
    FakeLink(Events& events, fs::path folder) : events_(events), folder_(std::move(folder)) {}

    JobStatus JobState(const std::string&) override {
        ++state_calls;
        if (cancel_after_calls > 0 && state_calls > cancel_after_calls) return {"canceled", std::nullopt};
        std::lock_guard lock(mutex_);
        return {state, quiet_seconds};
    }
    fs::path Checkout(const evaluation::Job&) override {
        events_.Add("checkout");
        fs::create_directories(folder_ / "scores");
        return folder_;
    }
    void AppendLog(const evaluation::Job&, std::string_view text) override {
        std::lock_guard lock(mutex_);
        log.append(text);
    }
    void Flush(const evaluation::Job&) override { events_.Add("flush"); }
    void ReturnScores(const evaluation::Job&, const fs::path& folder) override {
        EXPECT_EQ(folder, folder_);
        events_.Add("return_scores");
    }
    void Cleanup(const evaluation::Job&) override { events_.Add("cleanup"); }

    std::string Log() {
        std::lock_guard lock(mutex_);
        return log;
    }

    std::mutex mutex_;
    std::string state = "queued";
    std::optional<double> quiet_seconds;
    std::atomic<int> state_calls{0};
    int cancel_after_calls = 0;  // JobState says "canceled" after this many calls (0 = never)
    std::string log;

private:
    Events& events_;
    fs::path folder_;
};

class WorkerTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("zr-worker-loop-" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_ / "bin");
        fs::create_directories(root_ / "submission" / "input");
        fs::create_directories(root_ / "outside");
        config_.name = "test:1:0";
        config_.hostname = "test";
        config_.bin_dir = root_ / "bin";
        config_.max_attempts = 3;
        config_.heartbeat = 100ms;
        Build();
    }
    // (Re)creates the worker with config_ and fresh fakes.
    void Build() {
        worker_.reset();
        auto queue = std::make_unique<FakeQueue>(events_);
        auto link = std::make_unique<FakeLink>(events_, root_ / "submission");
        queue_ = queue.get();
        link_ = link.get();
        worker_ = std::make_unique<Worker>(config_, std::move(queue), std::move(link));
    }
    void TearDown() override {
        worker_.reset();
        fs::remove_all(root_);
    }

    // A bash evaluator script in the bin folder (or elsewhere).
    fs::path Script(const std::string& body, const fs::path& dir = {}) {
        const fs::path path = (dir.empty() ? root_ / "bin" : dir) / "eval.sh";
        std::ofstream(path) << body << "\n";
        return path;
    }

    void Queue(const fs::path& script, unsigned attempts = 1, const std::string& executor = "bash",
               std::int64_t time_limit_s = 0) {
        evaluation::Job job;
        job.job_id = "job-1";
        job.submission_id = "sub-1";
        job.evaluator_id = 1;
        job.evaluator = "test-eval";
        job.executor = executor;
        job.script_path = script.string();
        job.archive_md5 = "0123";
        job.time_limit_s = time_limit_s;
        queue::Delivery delivery;
        delivery.queue = std::string(queue::kEvalQueue);
        delivery.tag = 7;
        delivery.body = evaluation::ToJson(job);
        delivery.attempts = attempts;
        queue_->waiting.push_back(delivery);
    }

    std::vector<std::string> UpdateTypes() {
        std::vector<std::string> types;
        for (const auto& update : queue_->Published()) types.push_back(update.at("type").get<std::string>());
        return types;
    }
    evaluation::Update LastUpdate() {
        auto published = queue_->Published();
        EXPECT_FALSE(published.empty());
        return evaluation::UpdateFromJson(published.back());
    }
    // Events other than heartbeats and keep-alives.
    std::vector<std::string> MainEvents() {
        std::vector<std::string> main;
        for (auto& event : events_.All()) {
            if (event != "keepalive" && event != "publish:evaluation_heartbeat") main.push_back(event);
        }
        return main;
    }
    bool Ran() { return fs::exists(root_ / "submission" / "ran"); }

    fs::path root_;
    WorkerConfig config_;
    Events events_;
    FakeQueue* queue_ = nullptr;
    FakeLink* link_ = nullptr;
    std::unique_ptr<Worker> worker_;
};

using Strings = std::vector<std::string>;

TEST_F(WorkerTest, HappyPathReportsInOrderAndAcksLast) {
    Queue(Script("echo hello; sleep 0.5; echo 0.9 > \"$1/scores/score.txt\"; printf 'no newline'"));
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_FALSE(worker_->RunOnce(0ms));

    auto types = UpdateTypes();
    ASSERT_GE(types.size(), 3u);
    EXPECT_EQ(types.front(), "evaluation_started");
    EXPECT_EQ(types[1], "evaluation_heartbeat");
    EXPECT_EQ(types.back(), "evaluation_complete");
    EXPECT_EQ(MainEvents(), (Strings{"publish:evaluation_started", "checkout", "flush", "return_scores", "cleanup",
                                     "publish:evaluation_complete", "ack:7"}));
    EXPECT_EQ(events_.All().back(), "ack:7");

    auto update = LastUpdate();
    EXPECT_EQ(update.job_id, "job-1");
    EXPECT_EQ(update.submission_id, "sub-1");
    EXPECT_EQ(update.host, "test");
    EXPECT_EQ(update.worker, "test:1:0");
    EXPECT_EQ(update.attempt, 1u);
    EXPECT_EQ(update.exit_code, 0);
    EXPECT_EQ(link_->Log(), "hello\nno newline");
    EXPECT_TRUE(fs::exists(root_ / "submission" / "scores" / "score.txt"));
    EXPECT_EQ(update.failure_kind, std::nullopt);
    // The started update names the script that ran: its sha256, computed before running it.
    const auto started = evaluation::UpdateFromJson(queue_->Published().front());
    EXPECT_EQ(started.script_sha256.size(), 64u);
    EXPECT_EQ(started.script_sha256, crypto::Sha256OfFile((root_ / "bin" / "eval.sh").string()));
}

TEST_F(WorkerTest, NonZeroExitFails) {
    Queue(Script("echo oops; exit 1"));
    ASSERT_TRUE(worker_->RunOnce(0ms));
    auto update = LastUpdate();
    EXPECT_EQ(update.type, evaluation::UpdateType::kFailed);
    EXPECT_EQ(update.exit_code, 1);
    EXPECT_EQ(update.reason, "exit status 1");
    EXPECT_EQ(update.failure_kind, domain::FailureKind::kEvaluator);
    EXPECT_FALSE(events_.Contains("return_scores"));
    EXPECT_EQ(events_.All().back(), "ack:7");
}

TEST_F(WorkerTest, TimeLimitFails) {
    Queue(Script("touch \"$1/ran\"; sleep 30"), 1, "bash", 1);
    const auto start = SteadyClock::now();
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_LT(SteadyClock::now() - start, 10s);
    auto update = LastUpdate();
    EXPECT_EQ(update.type, evaluation::UpdateType::kFailed);
    EXPECT_NE(update.reason.find("time limit"), std::string::npos) << update.reason;
    EXPECT_EQ(update.exit_code, std::nullopt);
    EXPECT_EQ(update.failure_kind, domain::FailureKind::kPlatform);  // the host's limit, not the evaluator
    EXPECT_TRUE(Ran());
    EXPECT_EQ(events_.All().back(), "ack:7");
}

TEST_F(WorkerTest, CanceledJobStateKillsTheRun) {
    link_->cancel_after_calls = 1;  // the first call is the check before running
    Queue(Script("sleep 30"));
    const auto start = SteadyClock::now();
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_LT(SteadyClock::now() - start, 8s);
    auto update = LastUpdate();
    EXPECT_EQ(update.type, evaluation::UpdateType::kCanceled);
    EXPECT_EQ(events_.All().back(), "ack:7");
}

TEST_F(WorkerTest, TooManyAttemptsFailsWithoutRunning) {
    Queue(Script("touch \"$1/ran\""), 4);
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_EQ(MainEvents(), (Strings{"publish:evaluation_failed", "ack:7"}));
    auto update = LastUpdate();
    EXPECT_EQ(update.reason, "the job lost its worker 3 times");
    EXPECT_EQ(update.failure_kind, domain::FailureKind::kPlatform);
    EXPECT_EQ(update.attempt, 4u);
    EXPECT_FALSE(Ran());
}

TEST_F(WorkerTest, JobsOfAnotherHostAreHandedOnWithoutRunning) {
    Queue(Script("touch \"$1/ran\""), 3);
    queue_->waiting.back().body["host"] = "gpu7";
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_EQ(MainEvents(), (Strings{"forward:job-1", "ack:7"}));
    ASSERT_EQ(queue_->forwarded.size(), 1u);
    EXPECT_EQ(queue_->forwarded[0]["host"], "gpu7");
    EXPECT_TRUE(queue_->Published().empty());
    EXPECT_FALSE(Ran());

    Queue(Script("touch \"$1/ran\""));
    queue_->waiting.back().body["host"] = "test";  // this worker's host
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_EQ(LastUpdate().type, evaluation::UpdateType::kComplete);
    EXPECT_TRUE(Ran());
}

TEST_F(WorkerTest, LastAllowedAttemptRuns) {
    Queue(Script("touch \"$1/ran\""), 3);
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_EQ(LastUpdate().type, evaluation::UpdateType::kComplete);
    EXPECT_TRUE(Ran());
}

TEST_F(WorkerTest, ADeliveryLostDuringTheCheckoutRunsNothingAndLeavesNoCopy) {
    queue_->keep_alive = false;
    Queue(Script("touch \"$1/ran\""));
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_FALSE(Ran());
    EXPECT_EQ(UpdateTypes(), (Strings{"evaluation_started"}));
    const auto events = events_.All();
    EXPECT_EQ(std::count(events.begin(), events.end(), "cleanup"), 1);
    for (const auto& event : events) {
        EXPECT_EQ(event.rfind("ack", 0), std::string::npos);
        EXPECT_EQ(event.rfind("release", 0), std::string::npos);
    }
}

TEST_F(WorkerTest, EveryEndOfAJobRemovesItsCopyOnce) {
    // Done, evaluator failure, refused script, canceled: one cleanup each.
    Queue(Script("exit 0"));
    ASSERT_TRUE(worker_->RunOnce(0ms));
    Queue(Script("exit 3"));
    ASSERT_TRUE(worker_->RunOnce(0ms));
    Queue(Script("exit 0", root_));  // outside the bin folder: refused
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_EQ(LastUpdate().type, evaluation::UpdateType::kFailed);
    const auto events = events_.All();
    EXPECT_EQ(std::count(events.begin(), events.end(), "cleanup"), 3) << ::testing::PrintToString(events);
}

TEST_F(WorkerTest, ARedeliveredJobWhoseRunWasJustHeardFromWaitsForItsResult) {
    link_->state = "running";
    link_->quiet_seconds = 0.5;
    std::thread finisher([&] {
        std::this_thread::sleep_for(700ms);
        std::lock_guard lock(link_->mutex_);
        link_->state = "completed";  // the earlier run's result is applied meanwhile
    });
    Queue(Script("touch \"$1/ran\""));
    ASSERT_TRUE(worker_->RunOnce(0ms));
    finisher.join();
    EXPECT_FALSE(Ran());
    EXPECT_TRUE(queue_->Published().empty());
    EXPECT_EQ(MainEvents(), (Strings{"ack:7"}));
}

TEST_F(WorkerTest, ARedeliveredJobWhoseRunWentQuietRunsAgain) {
    link_->state = "running";
    link_->quiet_seconds = 3600;  // long gone (a worker killed, a host vanished)
    Queue(Script("touch \"$1/ran\""));
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_TRUE(Ran());
}

TEST_F(WorkerTest, FinishedOrUnknownJobsAreAckedWithoutRunning) {
    for (const std::string state : {"completed", "failed", "canceled", ""}) {
        link_->state = state;
        Queue(Script("touch \"$1/ran\""));
        ASSERT_TRUE(worker_->RunOnce(0ms));
    }
    EXPECT_EQ(MainEvents(), (Strings{"ack:7", "ack:7", "ack:7", "ack:7"}));
    EXPECT_TRUE(queue_->Published().empty());
    EXPECT_FALSE(Ran());
}

TEST_F(WorkerTest, LostDeliveryKillsTheRunSilently) {
    queue_->alive_calls = 1;  // the check after the checkout passes; the run's first heartbeat fails
    Queue(Script("touch \"$1/ran\"; sleep 30"));
    const auto start = SteadyClock::now();
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_LT(SteadyClock::now() - start, 8s);
    EXPECT_TRUE(Ran());
    EXPECT_EQ(UpdateTypes(), (Strings{"evaluation_started"}));
    for (const auto& event : events_.All()) {
        EXPECT_EQ(event.rfind("ack", 0), std::string::npos);
        EXPECT_EQ(event.rfind("release", 0), std::string::npos);
    }
}

TEST_F(WorkerTest, ScriptOutsideTheBinFolderIsRefused) {
    Queue(Script("touch \"$1/ran\"", root_ / "outside"));
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_EQ(UpdateTypes(), (Strings{"evaluation_started", "evaluation_failed"}));
    EXPECT_NE(LastUpdate().reason.find("outside the bin folder"), std::string::npos) << LastUpdate().reason;
    EXPECT_EQ(LastUpdate().failure_kind, domain::FailureKind::kPlatform);
    EXPECT_NE(link_->Log().find("evaluation refused: script"), std::string::npos) << link_->Log();
    EXPECT_FALSE(events_.Contains("checkout"));
    EXPECT_EQ(events_.All().back(), "ack:7");
    EXPECT_FALSE(Ran());
}

TEST_F(WorkerTest, UnknownExecutorIsRefused) {
    Queue(Script("touch \"$1/ran\""), 1, "perl");
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_EQ(UpdateTypes(), (Strings{"evaluation_started", "evaluation_failed"}));
    EXPECT_NE(LastUpdate().reason.find("unknown executor 'perl'"), std::string::npos);
    EXPECT_EQ(events_.All().back(), "ack:7");
    EXPECT_FALSE(Ran());
}

TEST_F(WorkerTest, MessagesThatAreNotJobsAreAcked) {
    queue::Delivery delivery;
    delivery.tag = 9;
    delivery.body = {{"raw", "hello"}};
    queue_->waiting.push_back(delivery);
    ASSERT_TRUE(worker_->RunOnce(0ms));
    EXPECT_EQ(events_.All(), (Strings{"ack:9"}));
}

TEST_F(WorkerTest, StopLetsTheRunningJobFinish) {
    Queue(Script("sleep 0.5; touch \"$1/ran\""));
    std::thread runner([this] { worker_->Run(); });
    while (!events_.Contains("checkout")) std::this_thread::sleep_for(10ms);
    worker_->Stop();
    runner.join();
    EXPECT_TRUE(Ran());
    EXPECT_EQ(LastUpdate().type, evaluation::UpdateType::kComplete);
    EXPECT_EQ(events_.All().back(), "ack:7");
}

TEST_F(WorkerTest, StopWithCancelReleasesTheJob) {
    Queue(Script("sleep 30"));
    std::thread runner([this] { worker_->Run(); });
    while (!events_.Contains("checkout")) std::this_thread::sleep_for(10ms);
    const auto start = SteadyClock::now();
    worker_->Stop(true);
    runner.join();
    EXPECT_LT(SteadyClock::now() - start, 8s);
    // Run() announced the worker before taking the job.
    EXPECT_EQ(UpdateTypes(), (Strings{"worker_presence", "evaluation_started"}));
    EXPECT_EQ(events_.All().back(), "release:7");
}

TEST_F(WorkerTest, IdleWorkerAnnouncesItselfEveryPresenceInterval) {
    config_.presence = 50ms;
    Build();
    std::thread runner([this] { worker_->Run(); });
    while (queue_->Published().size() < 3) std::this_thread::sleep_for(10ms);
    worker_->Stop();
    runner.join();
    const auto published = queue_->Published();
    for (const auto& message : published) {
        const auto update = evaluation::UpdateFromJson(message);
        EXPECT_EQ(update.type, evaluation::UpdateType::kPresence);
        EXPECT_EQ(update.worker, "test:1:0");
        EXPECT_EQ(update.host, "test");
        EXPECT_EQ(update.job_id, "");
    }
}

TEST_F(WorkerTest, PresenceIntervalIsAtMostAThirdOfTheLease) {
    settings::Settings settings;
    settings.eval_lease = std::chrono::seconds(30);
    EXPECT_EQ(ConfigFromSettings(settings, "w", 0).presence, 10000ms);
    settings.eval_lease = std::chrono::seconds(3600);
    EXPECT_EQ(ConfigFromSettings(settings, "w", 0).presence, 60000ms);
}

TEST(BinFolderTest, LooksUpTheHost) {
    settings::Settings settings;
    settings.remote_bin = {{"gpu1", "/srv/bin"}};
    EXPECT_EQ(BinFolderOf(settings, "gpu1"), fs::path("/srv/bin"));
    EXPECT_EQ(BinFolderOf(settings, "gpu2"), fs::path());
}

}  // namespace
}  // namespace zr::worker
