#pragma once
// Test helper (header only) for evaluation_* tests: an EvaluationService over a temporary data
// folder (embedded queue), a user, a challenge with an evaluator, submissions in a given status, a
// recording mailer, and helpers reading the job rows and the queues.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/file_system.hpp"
#include "db/evaluation_job_repository.hpp"
#include "db/queue_repository.hpp"
#include "db/repositories.hpp"
#include "domain/submission_status.hpp"
#include "domain_printers.hpp"
#include "evaluation/evaluation_service.hpp"
#include "leaderboards/leaderboard_service.hpp"
#include "mail/mailer.hpp"
#include "notify/mattermost.hpp"
#include "recording_mailer.hpp"
#include "storage/submission_store.hpp"
#include "templates/templates.hpp"

namespace zr::evaluation::testing {

namespace fs = std::filesystem;

using domain::JobState;
using domain::SubmissionStatus;
using zr::testing::RecordingMailer;

inline std::int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class EvaluationTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_eval_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        settings_.data_folder = dir_;
        settings_.hostname = "testhost";
        settings_.submission_dir = dir_ / "submissions";
        settings_.leaderboard_dir = dir_ / "leaderboards";
        settings_.archive_dir = dir_ / "archive";
        settings_.eval_time_limit = std::chrono::seconds(77);
        for (const auto& d : {settings_.submission_dir, settings_.leaderboard_dir, settings_.archive_dir}) {
            fs::create_directories(d);
        }
        db_ = std::make_unique<db::Database>(dir_ / "zerospeech.db");
        store_ = std::make_unique<storage::SubmissionStore>(file_system_, settings_.submission_dir);
        mail_queue_ = std::make_unique<mail::MailQueue>(mailer_, std::vector<std::chrono::milliseconds>{},
                                                        std::chrono::milliseconds(2000));
        mattermost_ = std::make_unique<notify::Mattermost>(settings_);
        leaderboards_ = std::make_unique<leaderboards::LeaderboardService>(*db_, *store_, settings_, clock_);
        NewService();
        auto conn = db_->Acquire();
        user_ =
            db::UserRepository(*conn).Create({"alice", "alice@example.org", true, "True",
                                              std::vector<unsigned char>(32, 1), std::vector<unsigned char>(32, 2)});
        evaluator_ =
            db::EvaluatorRepository(*conn).Upsert({0, "abx", std::nullopt, "bash", "/srv/bin/eval.sh", "-x;--flag"});
        const Date today = LocalDate(clock_.Now());
        challenge_ = db::ChallengeRepository(*conn).Create({"track", today, std::nullopt, true, "", evaluator_});
        bare_challenge_ = db::ChallengeRepository(*conn).Create({"bare", today, std::nullopt, true, "", std::nullopt});
    }

    void TearDown() override {
        service_.reset();
        leaderboards_.reset();
        mattermost_.reset();
        mail_queue_.reset();
        store_.reset();
        db_.reset();
        fs::remove_all(dir_);
    }

    // A new service instance over the same files and settings_ (as after a restart).
    void NewService() {
        service_.reset();
        service_ = std::make_unique<EvaluationService>(*db_, *store_, settings_, *leaderboards_,
                                                       Notifiers{*mail_queue_, *mattermost_, templates_}, clock_);
    }

    // A leaderboard "board" of the challenge, built from each submission's scores/entry.json into
    // board.json (sorted by `sorting_key` when given).
    void AddBoard(const nlohmann::json& sorting_key = nullptr) {
        leaderboards_->CreateFromJson(nlohmann::json::array({{{"label", "board"},
                                                              {"challenge_id", challenge_},
                                                              {"path_to", "board.json"},
                                                              {"entry_file", "scores/entry.json"},
                                                              {"external_entries", nullptr},
                                                              {"archived", false},
                                                              {"static_files", false},
                                                              {"sorting_key", sorting_key}}}));
    }

    // A submission folder (single-part, archive.hash) and its row.
    std::string AddSubmission(SubmissionStatus status, std::optional<domain::ChallengeId> challenge = std::nullopt,
                              TimePoint when = std::chrono::system_clock::now()) {
        const std::string id = "sub-" + std::to_string(++submissions_);
        storage::NewSubmissionFolder folder;
        folder.submission_id = id;
        folder.username = "alice";
        folder.track_label = "track";
        folder.created = when;
        folder.archive_hash = "0123456789abcdef0123456789abcdef";
        store_->CreateStaging(folder);
        store_->Publish(id);
        auto conn = db_->Acquire();
        db::SubmissionRepository(*conn).Create({id, user_, challenge.value_or(challenge_), when, status});
        return id;
    }

    SubmissionStatus Status(const std::string& id) {
        auto conn = db_->Acquire();
        return db::SubmissionRepository(*conn).Find(id)->status;
    }
    // As an administrator's forced change.
    void SetStatus(const std::string& id, SubmissionStatus status) {
        auto conn = db_->Acquire();
        db::SubmissionRepository(*conn).ForceStatus(id, status);
    }
    std::optional<db::EvaluationJobRow> Job(const std::string& job_id) {
        auto conn = db_->Acquire();
        return db::EvaluationJobRepository(*conn).Find(job_id);
    }
    std::size_t Ready(std::string_view queue) {
        auto conn = db_->Acquire();
        return db::QueueRepository(*conn).CountReady(queue, NowMs());
    }
    // Takes the next message of `queue` for good.
    std::optional<nlohmann::json> Take(std::string_view queue) {
        auto conn = db_->Acquire();
        db::QueueRepository messages(*conn);
        auto row = messages.Claim(queue, "test", NowMs(), 60000);
        if (!row) return std::nullopt;
        messages.Delete(row->id, "test");
        return nlohmann::json::parse(row->body);
    }
    void PublishUpdate(const Update& update) {
        auto conn = db_->Acquire();
        db::QueueRepository(*conn).Insert("update_queue", ToJson(update).dump(), NowMs());
    }
    bool LogContains(const std::string& id, const std::string& text) {
        for (const auto& line : store_->ReadLog(id)) {
            if (line.find(text) != std::string::npos) return true;
        }
        return false;
    }

    static Update MakeUpdate(UpdateType type, const std::string& job_id, const std::string& submission_id,
                             unsigned attempt = 1, std::string worker = "w1") {
        Update update;
        update.type = type;
        update.job_id = job_id;
        update.submission_id = submission_id;
        update.host = "evalhost";
        update.worker = std::move(worker);
        update.attempt = attempt;
        if (type == UpdateType::kComplete) update.exit_code = 0;
        if (type == UpdateType::kFailed) {
            update.exit_code = 1;
            update.reason = "exit status 1";
        }
        return update;
    }

    static void ExpectError(const std::function<void()>& call, ErrorKind kind, const std::string& text = "") {
        try {
            call();
            ADD_FAILURE() << "no error";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), kind) << e.message();
            EXPECT_NE(e.message().find(text), std::string::npos) << e.message();
        }
    }

    fs::path dir_;
    PosixFileSystem file_system_;
    settings::Settings settings_;
    Clock clock_;
    RecordingMailer mailer_;
    templates::Engine templates_;
    std::unique_ptr<db::Database> db_;
    std::unique_ptr<storage::SubmissionStore> store_;
    std::unique_ptr<mail::MailQueue> mail_queue_;
    std::unique_ptr<notify::Mattermost> mattermost_;
    std::unique_ptr<leaderboards::LeaderboardService> leaderboards_;
    std::unique_ptr<EvaluationService> service_;
    domain::UserId user_ = 0;
    domain::EvaluatorId evaluator_ = 0;
    domain::ChallengeId challenge_ = 0;
    domain::ChallengeId bare_challenge_ = 0;
    int submissions_ = 0;
};

}  // namespace zr::evaluation::testing
