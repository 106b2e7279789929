// Whose fault a failed run is (ClassifyFailure, on real child processes) and what a run records
// about its script (DescribeScript: sha256, index.yml version).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "worker/command.hpp"
#include "worker/runner.hpp"
#include "worker/worker.hpp"

namespace zr::worker {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using domain::FailureKind;

RunResult RunBash(const std::string& script, std::chrono::seconds limit = 30s) {
    RunOptions options;
    options.time_limit = limit;
    options.kill_grace = 500ms;
    return RunProcess({"bash", "-c", script}, options);
}

TEST(ClassifyFailureTest, NonZeroExitIsTheEvaluators) {
    const RunResult result = RunBash("exit 3");
    ASSERT_EQ(result.end, RunEnd::kExited);
    EXPECT_EQ(ClassifyFailure(result), FailureKind::kEvaluator);
}

TEST(ClassifyFailureTest, SelfRaisedSignalsAreTheEvaluators) {
    for (const char* signal : {"SEGV", "ABRT", "FPE", "BUS", "PIPE"}) {
        const RunResult result = RunBash(std::string("kill -") + signal + " $$");
        ASSERT_EQ(result.end, RunEnd::kSignaled) << signal;
        EXPECT_EQ(ClassifyFailure(result), FailureKind::kEvaluator) << signal;
    }
}

TEST(ClassifyFailureTest, SignalsFromOutsideAreThePlatforms) {
    for (const char* signal : {"KILL", "TERM", "HUP", "XCPU"}) {
        const RunResult result = RunBash(std::string("kill -") + signal + " $$");
        ASSERT_EQ(result.end, RunEnd::kSignaled) << signal;
        EXPECT_EQ(ClassifyFailure(result), FailureKind::kPlatform) << signal;
    }
}

TEST(ClassifyFailureTest, TimeLimitAndSpawnFailureAreThePlatforms) {
    const RunResult timed_out = RunBash("sleep 30", 1s);
    ASSERT_EQ(timed_out.end, RunEnd::kTimedOut);
    EXPECT_EQ(ClassifyFailure(timed_out), FailureKind::kPlatform);
    const RunResult missing = RunProcess({"/nonexistent/zr-evaluator"}, RunOptions{});
    ASSERT_EQ(missing.end, RunEnd::kSpawnFailed);
    EXPECT_EQ(ClassifyFailure(missing), FailureKind::kPlatform);
}

class DescribeScriptTest : public ::testing::Test {
protected:
    void SetUp() override {
        bin_ = fs::temp_directory_path() / ("zr-describe-" + std::to_string(::getpid()));
        fs::remove_all(bin_);
        fs::create_directories(bin_);
        std::ofstream(bin_ / "eval.sh") << "echo hello\n";
    }
    void TearDown() override { fs::remove_all(bin_); }
    void Index(const std::string& text) { std::ofstream(bin_ / "index.yml") << text; }
    fs::path bin_;
};

TEST_F(DescribeScriptTest, ChecksumAndIndexVersion) {
    Index("evaluators:\n  abx:\n    executor: bash\n    script_path: eval.sh\n    version: '2.1'\n");
    const ScriptInfo info = DescribeScript(bin_ / "eval.sh", bin_, "abx");
    // sha256 of "echo hello\n"
    EXPECT_EQ(info.sha256, "5dbad7dd0b9b122dcd9956884390f4aac4738caba8ff53498a7ab6718b176c30");
    EXPECT_EQ(info.version, "2.1");
    std::ofstream(bin_ / "eval.sh", std::ios::app) << "echo fixed\n";
    EXPECT_NE(DescribeScript(bin_ / "eval.sh", bin_, "abx").sha256, info.sha256);  // an evaluator fix shows
}

TEST_F(DescribeScriptTest, VersionIsOptionalAndABadIndexIsNoError) {
    Index("evaluators:\n  abx:\n    executor: bash\n    script_path: eval.sh\n");
    EXPECT_EQ(DescribeScript(bin_ / "eval.sh", bin_, "abx").version, "");
    Index("evaluators:\n  abx:\n    executor: bash\n    version: 3\n  broken: [\n");
    EXPECT_EQ(DescribeScript(bin_ / "eval.sh", bin_, "abx").version, "");
    fs::remove(bin_ / "index.yml");
    EXPECT_EQ(DescribeScript(bin_ / "eval.sh", bin_, "abx").version, "");
    EXPECT_EQ(DescribeScript(bin_ / "eval.sh", bin_, "abx").sha256.size(), 64u);
}

TEST_F(DescribeScriptTest, UnreadableScriptIsRefused) {
    EXPECT_THROW(DescribeScript(bin_ / "missing.sh", bin_, "abx"), Refused);
}

}  // namespace
}  // namespace zr::worker
