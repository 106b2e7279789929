#pragma once
// Test helper (header only) for leaderboards_* tests: a service over a temporary data folder with
// one user, two challenges, and helpers writing completed submissions with entry files.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "common/file_system.hpp"
#include "db/repositories.hpp"
#include "domain/submission_status.hpp"
#include "leaderboards/leaderboard_service.hpp"
#include "storage/submission_store.hpp"

namespace zr::leaderboards::testing {

namespace fs = std::filesystem;

inline std::string ReadText(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteText(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
}

class LeaderboardTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_lb_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        settings_.submission_dir = dir_ / "submissions";
        settings_.leaderboard_dir = dir_ / "leaderboards";
        settings_.archive_dir = dir_ / "archive";
        for (const auto& folder : {settings_.submission_dir, settings_.leaderboard_dir, settings_.archive_dir}) {
            fs::create_directories(folder);
        }
        db_ = std::make_unique<db::Database>(dir_ / "zerospeech.db");
        store_ = std::make_unique<storage::SubmissionStore>(file_system_, settings_.submission_dir);
        service_ = std::make_unique<LeaderboardService>(*db_, *store_, settings_, clock_);
        auto conn = db_->Acquire();
        user_id_ =
            db::UserRepository(*conn).Create({"alice", "alice@example.org", true, "True",
                                              std::vector<unsigned char>(32, 1), std::vector<unsigned char>(32, 2)});
        const Date start{std::chrono::year(2024), std::chrono::month(1), std::chrono::day(1)};
        challenge_id_ =
            db::ChallengeRepository(*conn).Create({"track", start, std::nullopt, true, "https://x", std::nullopt});
        other_challenge_id_ =
            db::ChallengeRepository(*conn).Create({"other", start, std::nullopt, true, "https://y", std::nullopt});
    }

    void TearDown() override {
        service_.reset();
        store_.reset();
        db_.reset();
        fs::remove_all(dir_);
    }

    // A board item for CreateFromJson.
    nlohmann::json Item(const std::string& label, const std::string& sorting_key = "") const {
        return {{"label", label},
                {"challenge_id", challenge_id_},
                {"path_to", label + ".json"},
                {"entry_file", "scores/entry.json"},
                {"external_entries", nullptr},
                {"archived", false},
                {"static_files", false},
                {"sorting_key", sorting_key.empty() ? nlohmann::json() : nlohmann::json(sorting_key)}};
    }

    domain::LeaderboardId Create(const nlohmann::json& item) {
        return service_->CreateFromJson(nlohmann::json::array({item})).at(0);
    }

    // A submission row (submitted `n` seconds after a fixed time, so the order is known) and, when
    // `entry` is given, its scores/entry.json.
    std::string AddSubmission(int n, domain::SubmissionStatus status, const std::optional<std::string>& entry,
                              domain::ChallengeId challenge = 0) {
        char id[64];
        std::snprintf(id, sizeof id, "202401-0100-%04d-sub", n);
        domain::Submission submission;
        submission.id = id;
        submission.user_id = user_id_;
        submission.track_id = challenge != 0 ? challenge : challenge_id_;
        submission.submit_date = std::chrono::sys_days(std::chrono::year(2024) / 1 / 1) + std::chrono::seconds(n);
        submission.status = status;
        auto conn = db_->Acquire();
        db::SubmissionRepository(*conn).Create(submission);
        fs::create_directories(store_->ScoresDir(submission.id));
        if (entry) WriteText(store_->ScoresDir(submission.id) / "entry.json", *entry);
        return submission.id;
    }

    nlohmann::json BuiltFile(domain::LeaderboardId id) {
        return nlohmann::json::parse(ReadText(service_->OutputPath(service_->Get(id))));
    }

    static std::vector<std::string> Field(const nlohmann::json& file, const std::string& name) {
        std::vector<std::string> values;
        for (const auto& entry : file.at("data")) values.push_back(entry.value(name, std::string("-")));
        return values;
    }

    fs::path dir_;
    PosixFileSystem file_system_;
    settings::Settings settings_;
    Clock clock_;
    std::unique_ptr<db::Database> db_;
    std::unique_ptr<storage::SubmissionStore> store_;
    std::unique_ptr<LeaderboardService> service_;
    domain::UserId user_id_ = 0;
    domain::ChallengeId challenge_id_ = 0;
    domain::ChallengeId other_challenge_id_ = 0;
};

// The kind of zr::Error `fn` throws (fails the test if it throws something else or nothing).
template <typename Fn>
std::pair<ErrorKind, std::string> ErrorOf(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return {e.kind(), e.message()};
    }
    ADD_FAILURE() << "no zr::Error thrown";
    return {ErrorKind::kInternal, ""};
}

}  // namespace zr::leaderboards::testing
