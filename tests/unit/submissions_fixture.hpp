#pragma once
// Test helper (header only) for submissions_* tests: the submissions services over a temporary
// data folder, two users, open/closed challenges, the uploaded events recorded, a clock that can
// move, and upload helpers that do what the HTTP transport does (ticket, spool file + md5).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/file_system.hpp"
#include "crypto/crypto.hpp"
#include "db/repositories.hpp"
#include "storage/submission_store.hpp"
#include "storage_zip_fixture.hpp"
#include "submissions/completion_service.hpp"
#include "submissions/records.hpp"
#include "submissions/submission_admin.hpp"
#include "submissions/submission_reads.hpp"
#include "submissions/upload_service.hpp"

namespace zr::submissions::testing {

namespace fs = std::filesystem;

class MovableClock : public Clock {
public:
    TimePoint Now() const override {
        return std::chrono::system_clock::now() + std::chrono::hours(offset_hours_.load());
    }
    void Advance(int hours) { offset_hours_ += hours; }

private:
    std::atomic<int> offset_hours_{0};
};

inline std::string ReadFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFile(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

class ServiceTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_subs_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        settings_.submission_dir = dir_ / "submissions";
        fs::create_directories(settings_.submission_dir);
        Open(dir_ / "zerospeech.db");
        alice_ = AddUser("alice");
        bob_ = AddUser("bob");
        const Date today = LocalDate(clock_.Now());
        const auto day = std::chrono::days(1);
        open_id_ = AddChallenge("open-track", Shift(today, -day), std::nullopt, true);
        inactive_id_ = AddChallenge("zr2015", Shift(today, -day), std::nullopt, false);
        expired_id_ = AddChallenge("zr2021", Shift(today, -10 * day), Shift(today, -day), true);
    }

    void TearDown() override {
        Stop();
        store_.reset();
        db_.reset();
        fs::remove_all(dir_);
    }

    void Open(const fs::path& db_file) {
        Stop();
        db_ = std::make_unique<db::Database>(db_file);
        store_ = std::make_unique<storage::SubmissionStore>(fs_, settings_.submission_dir);
        Restart();
    }

    // The services' objects gone, as after the process stopped.
    void Stop() {
        admin_.reset();
        reads_.reset();
        uploads_.reset();
        completion_.reset();
        records_.reset();
    }

    // New service instances over the same files (as after a server restart).
    void Restart() {
        Stop();
        records_ = std::make_unique<Records>(*db_, *store_, clock_);
        completion_ = std::make_unique<CompletionService>(*records_, settings_);
        completion_->SetUploadedHook([this](const UploadedEvent& event) {
            std::lock_guard lock(events_mutex_);
            events_.push_back(event);
        });
        uploads_ = std::make_unique<UploadService>(*records_, settings_, *completion_);
        reads_ = std::make_unique<SubmissionReads>(*records_);
        admin_ = std::make_unique<SubmissionAdmin>(*records_, *uploads_, *completion_);
    }

    std::vector<UploadedEvent> Events() {
        std::lock_guard lock(events_mutex_);
        return events_;
    }

    static Date Shift(Date date, std::chrono::days delta) { return Date(std::chrono::sys_days(date) + delta); }

    domain::User AddUser(const std::string& name) {
        auto conn = db_->Acquire();
        db::UserRepository users(*conn);
        const auto id = users.Create({name, name + "@example.org", true, "True", std::vector<unsigned char>(32, 1),
                                      std::vector<unsigned char>(32, 2)});
        return *users.FindById(id);
    }

    domain::ChallengeId AddChallenge(const std::string& label, Date start, std::optional<Date> end, bool active) {
        auto conn = db_->Acquire();
        return db::ChallengeRepository(*conn).Create({label, start, end, active, "https://example.org", std::nullopt});
    }

    std::string RowStatus(const std::string& id) {
        auto conn = db_->Acquire();
        return std::string(domain::ToString(db::SubmissionRepository(*conn).Find(id)->status));
    }

    // The status the participant reads.
    std::string StatusOf(const domain::User& user, const std::string& id) {
        return std::string(domain::ToString(reads_->Details(user, id).status));
    }

    // Bytes of a zip made of `entries`.
    std::string Zip(const std::vector<testing_zip::Entry>& entries) {
        const fs::path path = dir_ / ("made-" + std::to_string(++zips_) + ".zip");
        testing_zip::MakeZip(path, entries);
        return ReadFile(path);
    }

    std::string CreateSingle(const domain::User& user, const std::string& archive) {
        return uploads_->Create(user, open_id_, {"system.zip", crypto::Md5Hex(archive), false, {}});
    }

    // Splits `archive` into `n` parts and creates a multipart submission for them.
    std::string CreateMultipart(const domain::User& user, const std::string& archive, int n,
                                std::vector<std::string>& parts) {
        CreateRequest request{"system.zip", crypto::Md5Hex(archive), true, {}};
        parts.clear();
        const std::size_t size = archive.size() / static_cast<std::size_t>(n) + 1;
        for (int i = 0; i < n; ++i) {
            parts.push_back(archive.substr(static_cast<std::size_t>(i) * size, size));
            request.index.push_back(
                {"system.zip.part" + std::to_string(i), parts.back().size(), crypto::Md5Hex(parts.back())});
        }
        return uploads_->Create(user, open_id_, request);
    }

    // The check before the body, with the part's size declared as Content-Length would.
    UploadTicket Prepare(const domain::User& user, const std::string& id, const std::string& part,
                         std::optional<std::uint64_t> declared = std::nullopt) {
        return uploads_->PrepareUpload(user, open_id_, id, part, declared);
    }

    // What the transport does: the body written to the ticket's spool file (synced), with its md5.
    ReceivedFile Spool(const UploadTicket& ticket, const std::string& content) {
        SpoolFile spool = uploads_->NewSpoolFile(ticket);
        spool.file->Append(content);
        spool.file->Sync();
        spool.file->Close();
        return {spool.path, content.size(), crypto::Md5Hex(content)};
    }

    UploadState Upload(const domain::User& user, const std::string& id, const std::string& part,
                       const std::string& content) {
        const UploadTicket ticket = Prepare(user, id, part, content.size());
        return uploads_->AcceptPart(ticket, Spool(ticket, content));
    }

    std::vector<std::string> Log(const std::string& id) { return store_->ReadLog(id); }
    bool LogContains(const std::string& id, const std::string& text) {
        for (const auto& line : Log(id)) {
            if (line.find(text) != std::string::npos) return true;
        }
        return false;
    }

    // Runs `call`, expecting a zr::Error of `kind` whose message contains `text`.
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
    settings::Settings settings_;
    MovableClock clock_;
    PosixFileSystem fs_;
    std::unique_ptr<db::Database> db_;
    std::unique_ptr<storage::SubmissionStore> store_;
    std::unique_ptr<Records> records_;
    std::unique_ptr<CompletionService> completion_;
    std::unique_ptr<UploadService> uploads_;
    std::unique_ptr<SubmissionReads> reads_;
    std::unique_ptr<SubmissionAdmin> admin_;
    std::mutex events_mutex_;
    std::vector<UploadedEvent> events_;
    domain::User alice_;
    domain::User bob_;
    domain::ChallengeId open_id_ = 0;
    domain::ChallengeId inactive_id_ = 0;
    domain::ChallengeId expired_id_ = 0;
    int zips_ = 0;
};

}  // namespace zr::submissions::testing
