#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "worker/command.hpp"

namespace zr::worker {
namespace {

namespace fs = std::filesystem;
using Argv = std::vector<std::string>;

class CommandTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("zr-command-" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_ / "bin" / "sub");
        fs::create_directories(root_ / "bin" / "dir");
        fs::create_directories(root_ / "outside");
        Touch(root_ / "bin" / "eval.sh");
        Touch(root_ / "bin" / "sub" / "score.py");
        Touch(root_ / "outside" / "evil.sh");
        fs::create_symlink(root_ / "outside" / "evil.sh", root_ / "bin" / "evil.sh");
        fs::create_symlink(root_ / "bin" / "sub" / "score.py", root_ / "bin" / "alias.py");
        fs::create_symlink(root_ / "bin", root_ / "bin-link");
        bin_ = root_ / "bin";
    }
    void TearDown() override { fs::remove_all(root_); }

    static void Touch(const fs::path& path) { std::ofstream(path) << "#!/bin/sh\n"; }

    std::string RefusalOf(const std::string& script) {
        try {
            CheckScript(bin_, script);
        } catch (const Refused& e) {
            return e.what();
        }
        return "accepted";
    }

    fs::path root_;
    fs::path bin_;
};

TEST_F(CommandTest, AcceptsScriptsInsideTheBinFolder) {
    EXPECT_EQ(CheckScript(bin_, (bin_ / "eval.sh").string()), fs::canonical(bin_ / "eval.sh"));
    EXPECT_EQ(CheckScript(bin_, (bin_ / "sub" / "score.py").string()), fs::canonical(bin_ / "sub" / "score.py"));
    EXPECT_EQ(CheckScript(bin_, "sub/score.py"), fs::canonical(bin_ / "sub" / "score.py"));
    // A symlink that stays inside resolves to its target; the bin folder itself may be a symlink.
    EXPECT_EQ(CheckScript(bin_, (bin_ / "alias.py").string()), fs::canonical(bin_ / "sub" / "score.py"));
    EXPECT_EQ(CheckScript(root_ / "bin-link", (root_ / "bin-link" / "eval.sh").string()),
              fs::canonical(bin_ / "eval.sh"));
    EXPECT_EQ(CheckScript(root_ / "bin-link", (bin_ / "eval.sh").string()), fs::canonical(bin_ / "eval.sh"));
}

TEST_F(CommandTest, RefusesScriptsOutsideTheBinFolder) {
    const std::string outside = RefusalOf((root_ / "outside" / "evil.sh").string());
    EXPECT_NE(outside.find("is outside the bin folder " + fs::canonical(bin_).string()), std::string::npos) << outside;
    EXPECT_NE(RefusalOf((bin_ / ".." / "outside" / "evil.sh").string()).find("outside"), std::string::npos);
    EXPECT_NE(RefusalOf((bin_ / "evil.sh").string()).find("outside"), std::string::npos);  // symlink out
    EXPECT_NE(RefusalOf("/etc/passwd").find("outside"), std::string::npos);
    EXPECT_NE(RefusalOf((root_ / "bin2" / "x.sh").string()).find("outside"), std::string::npos);  // prefix trick
}

TEST_F(CommandTest, RefusesMissingAndNonRegularScripts) {
    EXPECT_NE(RefusalOf((bin_ / "missing.sh").string()).find("does not exist"), std::string::npos);
    EXPECT_NE(RefusalOf((bin_ / "dir").string()).find("not a regular file"), std::string::npos);
    EXPECT_NE(RefusalOf(bin_.string()).find("outside"), std::string::npos);  // the folder itself
    EXPECT_NE(RefusalOf("").find("no script"), std::string::npos);
    EXPECT_THROW(CheckScript("", (bin_ / "eval.sh").string()), Refused);
    EXPECT_THROW(CheckScript(root_ / "no-bin", (bin_ / "eval.sh").string()), Refused);
}

evaluation::Job MakeJob(const std::string& executor, std::vector<std::string> base) {
    evaluation::Job job;
    job.job_id = "j1";
    job.submission_id = "sub1";
    job.evaluator = "eval";
    job.executor = executor;
    job.base_arguments = std::move(base);
    return job;
}

TEST_F(CommandTest, BuildsEachExecutorsCommand) {
    const fs::path script = "/srv/bin/eval.sh";
    const fs::path folder = "/data/submissions/sub1";
    EXPECT_EQ(BuildCommand(MakeJob("bash", {"-e"}), bin_, script, folder),
              (Argv{"bash", "-e", "/srv/bin/eval.sh", "/data/submissions/sub1"}));
    EXPECT_EQ(BuildCommand(MakeJob("sbatch", {"--mem=1G"}), bin_, script, folder),
              (Argv{"sbatch", "--wait", "--job-name=zr-sub1", "--output=/data/submissions/sub1/slurm-%j.log",
                    "--mem=1G", "/srv/bin/eval.sh", "/data/submissions/sub1"}));
    const std::string real_bin = fs::canonical(bin_).string();
    EXPECT_EQ(BuildCommand(MakeJob("docker", {"zr/eval:1", "--gpu"}), bin_, script, folder),
              (Argv{"docker", "run", "--rm", "--network=none", "-v", real_bin + ":" + real_bin + ":ro", "-v",
                    "/data/submissions/sub1:/data/submissions/sub1", "-w", "/data/submissions/sub1", "zr/eval:1",
                    "--gpu", "/srv/bin/eval.sh", "/data/submissions/sub1"}));
}

TEST_F(CommandTest, PythonIsPython3WhenOnPath) {
    const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
    const fs::path with = root_ / "with";
    const fs::path without = root_ / "without";
    fs::create_directories(with);
    fs::create_directories(without);
    Touch(with / "python3");
    fs::permissions(with / "python3", fs::perms::owner_all);
    const auto job = MakeJob("python", {"-OO"});
    ::setenv("PATH", without.c_str(), 1);
    EXPECT_EQ(BuildCommand(job, bin_, "/b/s.py", "/f"), (Argv{"python", "-OO", "/b/s.py", "/f"}));
    ::setenv("PATH", (without.string() + ":" + with.string()).c_str(), 1);
    EXPECT_EQ(BuildCommand(job, bin_, "/b/s.py", "/f"), (Argv{"python3", "-OO", "/b/s.py", "/f"}));
    ::setenv("PATH", saved.c_str(), 1);
}

TEST_F(CommandTest, RefusesUnknownExecutorsAndImagelessDocker) {
    EXPECT_THROW(BuildCommand(MakeJob("perl", {}), bin_, "/b/s", "/f"), Refused);
    EXPECT_THROW(BuildCommand(MakeJob("", {}), bin_, "/b/s", "/f"), Refused);
    EXPECT_THROW(BuildCommand(MakeJob("docker", {}), bin_, "/b/s", "/f"), Refused);
}

}  // namespace
}  // namespace zr::worker
