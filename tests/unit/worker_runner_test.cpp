#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "worker/runner.hpp"

namespace zr::worker {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
namespace fs = std::filesystem;

int CountOpenFds() {
    int count = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) ++count;
    return count;
}

// True once the process is gone or a zombie (its parent, maybe init, has not reaped it yet).
bool ProcessGone(pid_t pid, std::chrono::milliseconds within = 3000ms) {
    const auto until = SteadyClock::now() + within;
    while (SteadyClock::now() < until) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        if (!stat) return true;
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        auto paren = text.rfind(')');
        if (paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z') return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

std::vector<pid_t> Pids(const std::string& output) {
    std::vector<pid_t> pids;
    std::istringstream in(output);
    for (long pid; in >> pid;) pids.push_back(static_cast<pid_t>(pid));
    return pids;
}

struct Captured {
    std::string text;
    std::vector<SteadyClock::time_point> chunk_times;
};

RunOptions Capturing(Captured& captured) {
    RunOptions options;
    options.cwd = fs::temp_directory_path();
    options.on_output = [&captured](std::string_view chunk) {
        captured.text.append(chunk);
        captured.chunk_times.push_back(SteadyClock::now());
    };
    return options;
}

TEST(RunnerTest, StreamsOutputAsItIsProduced) {
    Captured captured;
    const auto start = SteadyClock::now();
    auto result = RunProcess({"sh", "-c", "echo first; sleep 1; echo second"}, Capturing(captured));
    const auto end = SteadyClock::now();
    EXPECT_EQ(result.end, RunEnd::kExited);
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.reason, "");
    EXPECT_EQ(captured.text, "first\nsecond\n");
    ASSERT_GE(captured.chunk_times.size(), 2u);
    EXPECT_LT(captured.chunk_times.front() - start, 800ms);
    EXPECT_GT(end - captured.chunk_times.front(), 600ms);
}

TEST(RunnerTest, MergesStderrAndGivesAnEmptyStdin) {
    Captured captured;
    auto result = RunProcess({"sh", "-c", "echo out; echo err >&2; cat; echo done"}, Capturing(captured));
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(captured.text, "out\nerr\ndone\n");
}

TEST(RunnerTest, RunsInTheGivenFolder) {
    Captured captured;
    RunOptions options = Capturing(captured);
    options.cwd = "/usr";
    auto result = RunProcess({"pwd"}, options);
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(captured.text, "/usr\n");
}

TEST(RunnerTest, ReportsExitStatusAndSignals) {
    Captured captured;
    auto failed = RunProcess({"sh", "-c", "exit 3"}, Capturing(captured));
    EXPECT_EQ(failed.end, RunEnd::kExited);
    EXPECT_EQ(failed.exit_code, 3);
    EXPECT_EQ(failed.reason, "exit status 3");

    auto killed = RunProcess({"sh", "-c", "kill -9 $$"}, Capturing(captured));
    EXPECT_EQ(killed.end, RunEnd::kSignaled);
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
    EXPECT_NE(killed.reason.find("signal 9"), std::string::npos) << killed.reason;
}

TEST(RunnerTest, TimeLimitKillsTheWholeGroup) {
    Captured captured;
    RunOptions options = Capturing(captured);
    options.time_limit = 1s;
    options.kill_grace = 200ms;
    const auto start = SteadyClock::now();
    auto result = RunProcess({"sh", "-c", "sleep 30 & echo $!; echo $$; wait"}, options);
    EXPECT_LT(SteadyClock::now() - start, 4s);
    EXPECT_EQ(result.end, RunEnd::kTimedOut);
    EXPECT_EQ(result.reason, "time limit of 1s exceeded");
    auto pids = Pids(captured.text);
    ASSERT_EQ(pids.size(), 2u) << captured.text;
    EXPECT_TRUE(ProcessGone(pids[0])) << "grandchild survived";
    EXPECT_TRUE(ProcessGone(pids[1])) << "child survived";
}

TEST(RunnerTest, KillsAfterTheGraceWhenTermIsIgnored) {
    Captured captured;
    RunOptions options = Capturing(captured);
    options.time_limit = 1s;
    options.kill_grace = 300ms;
    const auto start = SteadyClock::now();
    auto result = RunProcess({"sh", "-c", "trap '' TERM; sleep 30 & echo $!; wait"}, options);
    const auto took = SteadyClock::now() - start;
    EXPECT_EQ(result.end, RunEnd::kTimedOut);
    EXPECT_GE(took, 1200ms);
    EXPECT_LT(took, 4s);
    auto pids = Pids(captured.text);
    ASSERT_EQ(pids.size(), 1u) << captured.text;
    EXPECT_TRUE(ProcessGone(pids[0]));
}

TEST(RunnerTest, ExitingLeaderTakesItsLeftoversWithIt) {
    Captured captured;
    auto result = RunProcess({"sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"}, Capturing(captured));
    EXPECT_EQ(result.end, RunEnd::kExited);
    auto pids = Pids(captured.text);
    ASSERT_EQ(pids.size(), 1u);
    EXPECT_TRUE(ProcessGone(pids[0]));
}

TEST(RunnerTest, KeepGoingFalseCancels) {
    Captured captured;
    RunOptions options = Capturing(captured);
    options.poll_interval = 50ms;
    int asked = 0;
    options.keep_going = [&asked] { return ++asked < 3; };
    const auto start = SteadyClock::now();
    auto result = RunProcess({"sh", "-c", "echo $$; sleep 30"}, options);
    EXPECT_LT(SteadyClock::now() - start, 2s);
    EXPECT_EQ(result.end, RunEnd::kCanceled);
    EXPECT_EQ(result.reason, "canceled");
    EXPECT_EQ(asked, 3);
    auto pids = Pids(captured.text);
    ASSERT_EQ(pids.size(), 1u);
    EXPECT_TRUE(ProcessGone(pids[0]));
}

TEST(RunnerTest, SpawnFailures) {
    Captured captured;
    auto missing = RunProcess({"zr-no-such-program"}, Capturing(captured));
    EXPECT_EQ(missing.end, RunEnd::kSpawnFailed);
    EXPECT_NE(missing.reason.find("zr-no-such-program"), std::string::npos) << missing.reason;

    auto missing_path = RunProcess({"/nonexistent/zr-program"}, Capturing(captured));
    EXPECT_EQ(missing_path.end, RunEnd::kSpawnFailed);
    EXPECT_NE(missing_path.reason.find("No such file"), std::string::npos) << missing_path.reason;

    RunOptions bad_cwd = Capturing(captured);
    bad_cwd.cwd = "/nonexistent/folder";
    EXPECT_EQ(RunProcess({"true"}, bad_cwd).end, RunEnd::kSpawnFailed);
    EXPECT_EQ(captured.text, "");

    EXPECT_THROW(RunProcess({}, Capturing(captured)), std::invalid_argument);
}

TEST(RunnerTest, LeaksNoDescriptorsAndNoZombies) {
    const int before = CountOpenFds();
    Captured captured;
    // The child sees only stdin, stdout and stderr ("; true" keeps sh from exec'ing ls itself),
    // not even a descriptor some other code opened without O_CLOEXEC.
    const int inheritable = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(inheritable, 0);
    auto listed = RunProcess({"sh", "-c", "ls /proc/$$/fd; true"}, Capturing(captured));
    ::close(inheritable);
    EXPECT_EQ(listed.exit_code, 0);
    EXPECT_EQ(captured.text, "0\n1\n2\n");

    RunProcess({"zr-no-such-program"}, Capturing(captured));
    RunProcess({"/nonexistent/zr-program"}, Capturing(captured));
    RunOptions limited = Capturing(captured);
    limited.time_limit = 1s;
    RunProcess({"sleep", "30"}, limited);
    EXPECT_EQ(CountOpenFds(), before);
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
}

TEST(RunnerTest, ChildDiesWithItsWorker) {
    const fs::path pid_file = fs::temp_directory_path() / ("zr-runner-" + std::to_string(::getpid()));
    fs::remove(pid_file);
    const pid_t worker = ::fork();
    ASSERT_GE(worker, 0);
    if (worker == 0) {
        RunOptions options;
        RunProcess({"sh", "-c",
                    "echo $$ > " + pid_file.string() + ".tmp && mv " + pid_file.string() + ".tmp " + pid_file.string() +
                        " && exec sleep 30"},
                   options);
        ::_exit(0);
    }
    pid_t child = 0;
    for (int i = 0; i < 300 && child == 0; ++i) {
        std::ifstream in(pid_file);
        if (!(in >> child)) {
            child = 0;
            std::this_thread::sleep_for(10ms);
        }
    }
    ASSERT_GT(child, 0);
    EXPECT_FALSE(ProcessGone(child, 100ms));
    ::kill(worker, SIGKILL);
    ::waitpid(worker, nullptr, 0);
    EXPECT_TRUE(ProcessGone(child));
    fs::remove(pid_file);
}

}  // namespace
}  // namespace zr::worker
