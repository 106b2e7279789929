#pragma once
// Runs one evaluation command as a child process, with its output streamed as it is produced,
// a time limit and cancellation.
//
// The child gets stdin from /dev/null, stdout and stderr merged into one pipe, its own process
// group (so that the whole tree is signalled) and PR_SET_PDEATHSIG = SIGKILL (it dies with the
// worker). Stopping (time limit or cancel) sends SIGTERM to the group, then SIGKILL after
// `kill_grace`. Thread-safety: RunProcess may run in several threads at once.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace zr::worker {

enum class RunEnd {
    kExited,       // exit_code holds the status
    kSignaled,     // killed by a signal it did not get from us (exit_code = 128 + signal)
    kTimedOut,     // the time limit passed; the group was killed
    kCanceled,     // keep_going returned false; the group was killed
    kSpawnFailed,  // could not start (reason says why)
};

struct RunResult {
    RunEnd end = RunEnd::kExited;
    int exit_code = 0;
    std::string reason;  // for everything but a 0 exit: "exit status 1", "time limit of 30s exceeded", ...
};

struct RunOptions {
    std::filesystem::path cwd;
    std::chrono::seconds time_limit{3600};
    std::chrono::milliseconds poll_interval{1000};  // how often keep_going is asked
    std::chrono::milliseconds kill_grace{5000};
    // Receives the output in chunks as produced (any chunk size; may split lines).
    std::function<void(std::string_view)> on_output;
    // Asked every poll_interval; false stops the run (kCanceled). Empty = always true.
    std::function<bool()> keep_going;
};

// What execv runs for `name`: the name itself when it contains '/', else the first executable
// match in PATH (or /usr/local/bin:/usr/bin:/bin when PATH is unset); "" when none.
std::string FindProgram(const std::string& name);

// argv[0] is looked up in PATH (FindProgram, before fork). Never throws for a failing child; throws
// std::invalid_argument for an empty argv.
RunResult RunProcess(const std::vector<std::string>& argv, const RunOptions& options);

}  // namespace zr::worker
