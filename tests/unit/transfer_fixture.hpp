#pragma once
// Test helper (header only) for transfer_* tests: a TransferService over a temporary data folder
// with one published single-part submission (input.zip + archive.hash) and jobs in
// evaluation_jobs, as the evaluation service records them.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/file_system.hpp"
#include "crypto/crypto.hpp"
#include "db/evaluation_job_repository.hpp"
#include "domain/submission_status.hpp"
#include "settings/settings.hpp"
#include "storage/submission_store.hpp"
#include "storage_zip_fixture.hpp"
#include "transfer/transfer_service.hpp"

namespace zr::transfer::testing {

namespace fs = std::filesystem;

inline constexpr const char* kToken = "s3cret-worker-token";
inline constexpr const char* kSubmission = "202401-0101-0101-0f8fad5b-d9cb-469f-a165-70867728950e";

inline std::string ReadFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFile(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
}

// The ErrorKind of what `fn` throws; fails the test if it throws nothing or something else.
template <typename Fn>
ErrorKind KindOf(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.kind();
    }
    ADD_FAILURE() << "no zr::Error thrown";
    return ErrorKind::kInternal;
}

class TransferFixture : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "zr_transfer_XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        root_ = tmpl;
        settings_ = Load(kToken);
        db_ = std::make_unique<db::Database>(root_ / "db.sqlite");
        store_ = std::make_unique<storage::SubmissionStore>(file_system_, root_ / "submissions");
        fs::create_directories(store_->root());
        service_ = std::make_unique<TransferService>(*db_, *store_, settings_, clock_);
        MakeSubmission();
    }
    void TearDown() override {
        service_.reset();
        store_.reset();
        db_.reset();
        std::error_code ec;
        fs::remove_all(root_, ec);
    }

    settings::Settings Load(const std::string& token) {
        auto vars = std::map<std::string, std::string>{{"DATA_FOLDER", root_.string()}, {"WORKER_TOKEN", token}};
        return settings::LoadFrom(vars).settings;
    }

    // A published single-part submission with scores/score.txt = "old".
    void MakeSubmission() {
        const fs::path zip = root_ / "input.zip";
        zr::testing_zip::MakeZip(zip, {{"a.txt", "alpha", std::nullopt, false}});
        archive_md5_ = crypto::Md5OfFile(zip.string());
        storage::NewSubmissionFolder folder;
        folder.submission_id = kSubmission;
        folder.username = "alice";
        folder.track_label = "test";
        folder.created = std::chrono::system_clock::now();
        folder.archive_hash = archive_md5_;
        store_->CreateStaging(folder);
        store_->Publish(kSubmission);
        fs::rename(zip, store_->ArchivePath(kSubmission));
        WriteFile(store_->ScoresDir(kSubmission) / "score.txt", "old");
    }

    // Inserts a job of the submission; later jobs are the current one.
    void AddJob(const std::string& id, domain::JobState state, int seconds_later = 0) {
        auto conn = db_->Acquire();
        db::EvaluationJobRow row;
        row.id = id;
        row.submission_id = kSubmission;
        row.state = state;
        row.created_at = std::chrono::system_clock::now() + std::chrono::seconds(seconds_later);
        db::EvaluationJobRepository(*conn).Create(row);
    }

    // A zip of scores as a worker sends it, in the spool file the service gives the transport.
    fs::path SpoolZip(const ScoresTicket& ticket, const std::vector<zr::testing_zip::Entry>& entries) {
        const fs::path made = root_ / ("made-" + std::to_string(++spooled_) + ".zip");
        zr::testing_zip::MakeZip(made, entries);
        SpoolFile spool = service_->NewSpoolFile(ticket);
        spool.file->Append(ReadFile(made));
        spool.file->Sync();
        spool.file->Close();
        fs::remove(made);
        return spool.path;
    }

    // The entries of the submission folder named "scores.<something>" (staging or old copies).
    std::vector<std::string> ScoresLeftovers() {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(store_->Folder(kSubmission))) {
            const std::string name = entry.path().filename().string();
            if (name.starts_with("scores.")) names.push_back(name);
        }
        return names;
    }

    std::string Scores() { return ReadFile(store_->ScoresDir(kSubmission) / "score.txt"); }
    std::string Log() { return ReadFile(store_->LogPath(kSubmission)); }

    fs::path root_;
    PosixFileSystem file_system_;
    settings::Settings settings_;
    std::unique_ptr<db::Database> db_;
    std::unique_ptr<storage::SubmissionStore> store_;
    Clock clock_;
    std::unique_ptr<TransferService> service_;
    std::string archive_md5_;
    int spooled_ = 0;
};

}  // namespace zr::transfer::testing
