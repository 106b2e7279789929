#pragma once
// Internal to zr_evaluators: runs a program (argv, looked up on PATH, no shell) with stdin from
// /dev/null and both outputs captured, for discovery's `ssh ... cat index.yml` and `docker info`.
#include <chrono>
#include <string>
#include <vector>

namespace zr::evaluators::detail {

struct ChildResult {
    int exit_code = -1;      // -1 when killed by a signal (also after a timeout)
    bool timed_out = false;  // killed after `timeout`
    std::string out;
    std::string err;
};

// Runs argv[0] (searched on PATH) with argv and waits at most `timeout`, killing it then.
// Throws std::runtime_error "cannot run <argv[0]>: <reason>" when it cannot be started (not found,
// not executable). Thread-safe (no shared state).
ChildResult RunCaptured(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// True when `program` names an executable file in a folder of $PATH.
bool OnPath(const std::string& program);

// The first non-empty line of `text`, trimmed ("" when none): a one-line reason for messages.
std::string FirstLine(const std::string& text);

}  // namespace zr::evaluators::detail
