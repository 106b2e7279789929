// Every step of the write paths of a submission — creation, a part upload, completion (merge,
// md5, extraction), score publishing and leaderboard writing — with each fault the file system can
// throw at it: no space left, an I/O error on write, on fsync, a failed rename, and a crash (the
// process stops there and loses what was not synced). After each case, and again after a restart
// on the same folder (start-up recovery), the state must be consistent, and doing the step again
// must succeed:
//   - a row "uploading" has its folder (lock, archive.hash or manifest);
//   - no "uploaded" submission without input.zip of the declared md5 and its extracted input/;
//   - every part whose upload was acknowledged is in tmp/ with its md5 (until the merge);
//   - scores/ holds the old or the new scores, complete, never a mix or nothing;
//   - a leaderboard file is the old one or the new one, complete;
//   - no spool, partial or temporary file is left (after the restart; without a crash, at once).
// The suite prints, per step, how many operations it has and how many cases each fault made.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "common/file_system.hpp"
#include "crypto/crypto.hpp"
#include "db/repositories.hpp"
#include "fault_file_system.hpp"
#include "leaderboards/leaderboard_service.hpp"
#include "storage/submission_store.hpp"
#include "storage/zip_create.hpp"
#include "storage_zip_fixture.hpp"
#include "submissions/completion_service.hpp"
#include "submissions/records.hpp"
#include "submissions/upload_service.hpp"

namespace zr {
namespace {

namespace fs = std::filesystem;
using testing::FaultFileSystem;
using Fault = FaultFileSystem::Fault;

constexpr Fault kFaults[] = {Fault::kNoSpace, Fault::kWriteError, Fault::kSyncError, Fault::kRenameError,
                             Fault::kCrash};

const char* Name(Fault fault) {
    switch (fault) {
        case Fault::kNoSpace:
            return "no-space";
        case Fault::kWriteError:
            return "write-EIO";
        case Fault::kSyncError:
            return "fsync-EIO";
        case Fault::kRenameError:
            return "rename-fails";
        case Fault::kCrash:
            return "crash";
    }
    return "?";
}

std::string ReadText(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// One "process": the services over a data folder, writing through the fault file system.
struct World {
    World(FileSystem& disk, const fs::path& root, const settings::Settings& settings_in)
        : settings(settings_in),
          db(root / "zerospeech.db"),
          store(disk, settings.submission_dir),
          records(db, store, clock),
          completion(records, settings),
          uploads(records, settings, completion),
          leaderboards(db, store, settings, clock) {}

    // The server's start-up recovery (api/serve.cpp).
    void Recover() {
        completion.RecoverPending();
        leaderboards.RemoveLeftovers();
        completion.WaitIdle();
    }

    settings::Settings settings;
    Clock clock;
    db::Database db;
    storage::SubmissionStore store;
    submissions::Records records;
    submissions::CompletionService completion;
    submissions::UploadService uploads;
    leaderboards::LeaderboardService leaderboards;
};

class FaultInjectionTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_faults_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        base_dir_ = pattern;
        const std::string zip_path = (base_dir_ / "system.zip").string();
        testing_zip::MakeZip(zip_path, {{"answers/a.txt", "alpha", std::nullopt, false},
                                        {"answers/b.txt", std::string(3000, 'b'), std::nullopt, false},
                                        {"meta.yaml", "author: alice", std::nullopt, false}});
        archive_ = ReadText(zip_path);
        const std::size_t half = archive_.size() / 2;
        parts_ = {archive_.substr(0, half), archive_.substr(half)};
        testing_zip::MakeZip(base_dir_ / "scores_v1.zip", {{"entry.json", R"({"score": 1})", std::nullopt, false},
                                                           {"details.txt", "first", std::nullopt, false}});
        testing_zip::MakeZip(base_dir_ / "scores_v2.zip", {{"entry.json", R"({"score": 2})", std::nullopt, false},
                                                           {"details.txt", "second", std::nullopt, false}});
    }
    void TearDown() override { fs::remove_all(base_dir_); }

    // A fresh data folder with a user, an open challenge and its leaderboard.
    fs::path NewRoot(const std::string& name) {
        const fs::path root = base_dir_ / name;
        fs::create_directories(root / "submissions");
        db::Database db(root / "zerospeech.db");
        auto conn = db.Acquire();
        db::UserRepository(*conn).Create({"alice", "alice@example.org", true, "True", std::vector<unsigned char>(32, 1),
                                          std::vector<unsigned char>(32, 2)});
        const Date today = LocalDate(std::chrono::system_clock::now());
        challenge_ =
            db::ChallengeRepository(*conn).Create({"track", today, std::nullopt, true, "https://x", std::nullopt});
        domain::Leaderboard board;
        board.challenge_id = challenge_;
        board.label = "main";
        board.path_to = "main.json";
        board.entry_file = "scores/entry.json";
        board_ = db::LeaderboardRepository(*conn).Create(board);
        return root;
    }

    settings::Settings SettingsFor(const fs::path& root) const {
        settings::Settings settings;
        settings.data_folder = root;
        settings.submission_dir = root / "submissions";
        settings.leaderboard_dir = root / "leaderboards";
        settings.archive_dir = root / "archive";
        settings.health_min_free_disk = 0;
        return settings;
    }

    domain::User Alice(World& world) {
        auto conn = world.db.Acquire();
        return *db::UserRepository(*conn).FindByUsername("alice");
    }

    std::string CreateMultipart(World& world) {
        submissions::CreateRequest request{"system.zip", crypto::Md5Hex(archive_), true, {}};
        for (std::size_t i = 0; i < parts_.size(); ++i) {
            request.index.push_back({"part" + std::to_string(i), parts_[i].size(), crypto::Md5Hex(parts_[i])});
        }
        return world.uploads.Create(Alice(world), challenge_, request);
    }

    // What the transport and the handler do for one part; true once it was acknowledged (a part
    // of a submission that takes no more parts was acknowledged before).
    bool SendPart(World& world, const std::string& id, std::size_t i) {
        submissions::UploadTicket ticket;
        try {
            ticket =
                world.uploads.PrepareUpload(Alice(world), challenge_, id, "part" + std::to_string(i), parts_[i].size());
        } catch (const Error& e) {
            if (e.message().find("does not accept any more parts") != std::string::npos) return true;
            throw;
        }
        SpoolFile spool = world.uploads.NewSpoolFile(ticket);
        try {
            spool.file->Append(parts_[i]);
            spool.file->Sync();
            spool.file->Close();
            world.uploads.AcceptPart(ticket, {spool.path, parts_[i].size(), crypto::Md5Hex(parts_[i])});
        } catch (...) {
            world.uploads.DiscardSpoolFile(spool.path);  // the transport's clean-up
            throw;
        }
        return true;
    }

    void SetStatus(World& world, const std::string& id, domain::SubmissionStatus status) {
        auto conn = world.db.Acquire();
        db::SubmissionRepository(*conn).ForceStatus(id, status);
    }

    void PublishScores(World& world, const std::string& id, const std::string& zip) {
        std::string tag;
        tag = world.store.StageScores(id, base_dir_ / zip, {}, nullptr);
        try {
            world.store.PublishScores(id, tag);
        } catch (...) {
            world.store.DiscardStagedScores(id, tag);
            throw;
        }
    }

    // --- the invariants ---------------------------------------------------------------------

    void CheckConsistent(World& world, const std::string& what, bool leftovers_cleared) {
        SCOPED_TRACE(what);
        std::vector<domain::Submission> rows;
        {
            auto conn = world.db.Acquire();
            rows = db::SubmissionRepository(*conn).List(std::nullopt, std::nullopt, std::nullopt);
        }
        for (const auto& row : rows) {
            const fs::path folder = world.settings.submission_dir / row.id;
            if (row.status == domain::SubmissionStatus::kUploading) {
                EXPECT_TRUE(fs::is_directory(folder)) << "row without folder: " << row.id;
                EXPECT_TRUE(fs::exists(folder / "tmp" / "upload.json") || fs::exists(folder / "archive.hash"));
                CheckAcknowledgedParts(world, row.id);
            } else if (row.status != domain::SubmissionStatus::kFailed &&
                       row.status != domain::SubmissionStatus::kInvalid) {
                ASSERT_TRUE(fs::is_regular_file(folder / "input.zip")) << row.id;
                EXPECT_EQ(crypto::Md5Hex(ReadText(folder / "input.zip")), crypto::Md5Hex(archive_));
                EXPECT_EQ(ReadText(folder / "input" / "answers" / "a.txt"), "alpha");
                EXPECT_EQ(ReadText(folder / "input" / "meta.yaml"), "author: alice");
                if (fs::exists(folder / "scores" / "entry.json")) {
                    const std::string entry = ReadText(folder / "scores" / "entry.json");
                    const std::string details = ReadText(folder / "scores" / "details.txt");
                    EXPECT_TRUE((entry == R"({"score": 1})" && details == "first") ||
                                (entry == R"({"score": 2})" && details == "second"))
                        << entry << " / " << details;
                }
            }
        }
        const fs::path board = world.settings.leaderboard_dir / "main.json";
        if (fs::exists(board)) {
            const auto json = nlohmann::json::parse(ReadText(board), nullptr, false);
            EXPECT_TRUE(json.is_object() && json.contains("data")) << "torn leaderboard file";
        }
        if (leftovers_cleared) CheckNoLeftovers(world.settings.data_folder);
    }

    void CheckAcknowledgedParts(World& world, const std::string& id) {
        const auto manifest = world.store.ReadManifest(id);
        if (!manifest) return;
        for (const auto& received : manifest->received) {
            const fs::path part = world.store.PartPath(id, received.file_name);
            ASSERT_TRUE(fs::is_regular_file(part)) << "acknowledged part lost: " << received.file_name;
            EXPECT_EQ(crypto::Md5Hex(ReadText(part)), received.file_hash);
        }
    }

    static void CheckNoLeftovers(const fs::path& root) {
        for (const auto& entry : fs::recursive_directory_iterator(root)) {
            const std::string name = entry.path().filename().string();
            const bool leftover = name.starts_with(".upload-") || name.starts_with(".staging-") ||
                                  IsAtomicWriteLeftover(name) || name == "input.zip.partial" ||
                                  name == "input.partial" || name.starts_with("scores.partial-") ||
                                  name.starts_with("scores.old-");
            EXPECT_FALSE(leftover) << "left behind: " << entry.path();
        }
    }

    // --- running the cases ------------------------------------------------------------------

    struct Step {
        std::string name;
        // Brings a fresh world to the state before the step (no fault armed).
        std::function<std::string(World&)> prepare;
        // The step itself; throws when a fault hit it.
        std::function<void(World&, const std::string&)> run;
        // After a retry of the step without faults (in a restarted world): what must hold.
        std::function<void(World&, const std::string&)> done;
    };

    // Runs the step once without fault to count its operations, then once per (fault, operation)
    // pair; returns the cases run.
    void Cover(const Step& step) {
        std::map<Fault, int> cases;
        int operations = 0;
        {
            const fs::path root = NewRoot(step.name + "-dry");
            PosixFileSystem posix;
            FaultFileSystem counting(posix);
            World world(counting, root, SettingsFor(root));
            world.completion.Shutdown();  // completion only when the step asks for it
            const std::string id = step.prepare(world);
            counting.ResetCounts();
            step.run(world, id);
            operations = counting.operations();
            for (Fault fault : kFaults) cases[fault] = counting.Eligible(fault);
            step.done(world, id);
        }
        int total = 0;
        for (Fault fault : kFaults) {
            for (int n = 0; n < cases[fault]; ++n) {
                RunCase(step, fault, n);
                ++total;
                if (HasFatalFailure()) return;
            }
        }
        std::cout << "[fault injection] " << step.name << ": " << operations << " file-system operations;";
        for (Fault fault : kFaults) std::cout << " " << Name(fault) << " " << cases[fault];
        std::cout << "; " << total << " cases, each consistent before and after a restart, then retried\n";
    }

    void RunCase(const Step& step, Fault fault, int n) {
        const std::string label = step.name + " / " + Name(fault) + " at operation " + std::to_string(n);
        SCOPED_TRACE(label);
        const fs::path root = NewRoot("case-" + std::to_string(++case_number_));
        const settings::Settings settings = SettingsFor(root);
        PosixFileSystem posix;
        FaultFileSystem faults(posix);
        std::string id;
        if (fault == Fault::kCrash) {
            id = RunCrash(step, faults, root, settings, n);
            if (HasFatalFailure()) return;
        } else {
            World world(faults, root, settings);
            world.completion.Shutdown();  // a completion runs only when the step asks for it
            id = step.prepare(world);
            faults.ForgetUnsynced();
            faults.Arm(fault, n);
            try {
                step.run(world, id);  // a fault the step absorbs (a log line, a postponed completion) is fine
            } catch (const Error& e) {
                EXPECT_TRUE(fault != Fault::kNoSpace || e.kind() == ErrorKind::kInsufficientStorage) << e.message();
            } catch (const std::exception&) {
            }
            EXPECT_TRUE(faults.fired());
            CheckConsistent(world, "right after the fault", true);
        }
        faults.Disarm();
        World restarted(faults, root, settings);
        restarted.Recover();
        CheckConsistent(restarted, "after a restart", true);
        step.run(restarted, id);  // the retry
        restarted.completion.WaitIdle();
        step.done(restarted, id);
        CheckConsistent(restarted, "after the retry", true);
    }

    // The step runs in a child process that dies (_exit) at the n-th operation, after losing what
    // was not synced: nothing after the crash point happens, as in a real crash. Returns the
    // submission id the preparation made.
    std::string RunCrash(const Step& step, FaultFileSystem& faults, const fs::path& root,
                         const settings::Settings& settings, int n) {
        int pipe_fds[2];
        EXPECT_EQ(::pipe(pipe_fds), 0);
        const pid_t child = ::fork();
        if (child == 0) {
            ::close(pipe_fds[0]);
            int code = 3;  // the crash did not happen
            try {
                World world(faults, root, settings);
                world.completion.Shutdown();
                const std::string id = step.prepare(world);
                [[maybe_unused]] auto written = ::write(pipe_fds[1], id.data(), id.size());
                ::close(pipe_fds[1]);
                faults.ForgetUnsynced();
                faults.SetCrashHandler([] { ::_exit(kCrashed); });
                faults.Arm(Fault::kCrash, n);
                step.run(world, id);
            } catch (...) {
                code = 4;
            }
            ::_exit(code);
        }
        ::close(pipe_fds[1]);
        std::string id;
        char buffer[256];
        for (ssize_t got; (got = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
            id.append(buffer, static_cast<std::size_t>(got));
        ::close(pipe_fds[0]);
        int status = 0;
        EXPECT_EQ(::waitpid(child, &status, 0), child);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == kCrashed) << "child status " << status;
        return id;
    }

    static constexpr int kCrashed = 42;

    fs::path base_dir_;
    std::string archive_;
    std::vector<std::string> parts_;
    domain::ChallengeId challenge_ = 0;
    domain::LeaderboardId board_ = 0;
    int case_number_ = 0;
};

TEST_F(FaultInjectionTest, CreatingASubmission) {
    Cover({"create", [](World&) { return std::string(); },
           [this](World& world, const std::string&) { CreateMultipart(world); },
           [](World& world, const std::string&) {
               auto conn = world.db.Acquire();
               const auto rows = db::SubmissionRepository(*conn).List(std::nullopt, std::nullopt,
                                                                      domain::SubmissionStatus::kUploading);
               EXPECT_FALSE(rows.empty());
           }});
}

TEST_F(FaultInjectionTest, UploadingAPart) {
    Cover({"part upload",
           [this](World& world) {
               const std::string id = CreateMultipart(world);
               SendPart(world, id, 0);  // acknowledged before the faults
               return id;
           },
           [this](World& world, const std::string& id) { SendPart(world, id, 1); },
           [](World& world, const std::string& id) {
               const auto manifest = world.store.ReadManifest(id);
               ASSERT_TRUE(manifest);
               EXPECT_EQ(manifest->received.size(), 2u);
               EXPECT_FALSE(world.store.HasUploadLock(id));
           }});
}

TEST_F(FaultInjectionTest, CompletingAnUpload) {
    Cover({"merge and extract",
           [this](World& world) {
               const std::string id = CreateMultipart(world);
               SendPart(world, id, 0);
               SendPart(world, id, 1);
               return id;
           },
           [](World& world, const std::string& id) { world.completion.CompleteNow(id); },
           [](World& world, const std::string& id) {
               auto conn = world.db.Acquire();
               EXPECT_EQ(db::SubmissionRepository(*conn).Find(id)->status, domain::SubmissionStatus::kUploaded);
           }});
}

TEST_F(FaultInjectionTest, PublishingScores) {
    Cover({"score publishing",
           [this](World& world) {
               const std::string id = CreateMultipart(world);
               SendPart(world, id, 0);
               SendPart(world, id, 1);
               world.completion.CompleteNow(id);
               PublishScores(world, id, "scores_v1.zip");  // an earlier evaluation's
               SetStatus(world, id, domain::SubmissionStatus::kEvaluating);
               return id;
           },
           [this](World& world, const std::string& id) { PublishScores(world, id, "scores_v2.zip"); },
           [](World& world, const std::string& id) {
               EXPECT_EQ(ReadText(world.store.ScoresDir(id) / "entry.json"), R"({"score": 2})");
           }});
}

TEST_F(FaultInjectionTest, WritingALeaderboard) {
    Cover({"leaderboard writing",
           [this](World& world) {
               const std::string id = CreateMultipart(world);
               SendPart(world, id, 0);
               SendPart(world, id, 1);
               world.completion.CompleteNow(id);
               PublishScores(world, id, "scores_v1.zip");
               SetStatus(world, id, domain::SubmissionStatus::kCompleted);
               world.leaderboards.Build(board_);  // the board as it was
               PublishScores(world, id, "scores_v2.zip");
               return id;
           },
           [this](World& world, const std::string&) { world.leaderboards.Build(board_); },
           [](World& world, const std::string& id) {
               const auto board = nlohmann::json::parse(ReadText(world.settings.leaderboard_dir / "main.json"));
               ASSERT_EQ(board["data"].size(), 1u);
               EXPECT_EQ(board["data"][0]["score"], 2);
               EXPECT_EQ(board["data"][0]["submission_id"], id);
           }});
}

}  // namespace
}  // namespace zr
