#include "worker/runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/fd.hpp"

namespace zr::worker {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kReadChunk = 64 * 1024;
// How long output left in the pipe after the child's exit is read; a descendant that escaped the
// process group and keeps the pipe open must not hold the worker.
constexpr milliseconds kDrainLimit{2000};
// Exit check period when pidfd_open is unavailable.
constexpr milliseconds kExitCheckFallback{50};

// Closes a descriptor on scope exit.

[[noreturn]] void ThrowErrno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

std::string ErrnoText(int error) { return std::error_code(error, std::generic_category()).message(); }

// Everything the child needs, prepared before fork (no allocation after it).
struct ChildSetup {
    std::string program;
    std::vector<char*> argv;
    std::string cwd;
    pid_t parent = 0;
    int dev_null = -1;
    int output = -1;  // write end of the output pipe
    int status = -1;  // write end of the exec-status pipe (O_CLOEXEC: closed by a successful exec)
};

// Runs in the forked child: async-signal-safe calls only. Never returns.
[[noreturn]] void ExecChild(const ChildSetup& setup) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != setup.parent) ::_exit(127);  // the worker died before prctl took effect
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &default_action, nullptr);
    }
    if (::dup2(setup.dev_null, STDIN_FILENO) >= 0 && ::dup2(setup.output, STDOUT_FILENO) >= 0 &&
        ::dup2(setup.output, STDERR_FILENO) >= 0 && (setup.cwd.empty() || ::chdir(setup.cwd.c_str()) == 0)) {
        // Descriptors other threads opened without O_CLOEXEC must not reach the evaluator.
        ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
        ::execv(setup.program.c_str(), setup.argv.data());
    }
    const int error = errno;  // of the dup2 or chdir that failed, or of execv
    const char* bytes = reinterpret_cast<const char*>(&error);
    [[maybe_unused]] ssize_t written = ::write(setup.status, bytes, sizeof error);
    ::_exit(127);
}

// The errno the child reported before exec, or 0 once exec succeeded (EOF).
int ReadExecStatus(int fd) {
    int error = 0;
    std::size_t got = 0;
    while (got < sizeof error) {
        ssize_t n = ::read(fd, reinterpret_cast<char*>(&error) + got, sizeof error - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    return got == sizeof error ? error : 0;
}

std::string SecondsText(std::chrono::seconds limit) { return std::to_string(limit.count()) + "s"; }

int MillisUntil(SteadyClock::time_point when, SteadyClock::time_point now) {
    if (when <= now) return 0;
    auto ms = std::chrono::ceil<milliseconds>(when - now).count();
    return static_cast<int>(std::min<long long>(ms, 60'000));
}

// One started child: its group is killed and the child reaped if the run ends by an exception.
class Child {
public:
    Child(pid_t pid, int output_fd) : pid_(pid), output_(output_fd) {
        pidfd_.Reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    }
    ~Child() {
        if (reaped_) return;
        ::kill(-pid_, SIGKILL);
        Reap();
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    RunResult Run(const RunOptions& options);

private:
    // True once the child has exited; it stays a zombie (its pid keeps naming the group).
    bool Exited() {
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return errno == ECHILD;
        return info.si_pid == pid_;
    }
    void Signal(int sig) { ::kill(-pid_, sig); }
    // Reads what is available; false at end of file.
    bool ReadOutput(const RunOptions& options);
    void Drain(const RunOptions& options);
    std::optional<int> Reap();

    pid_t pid_;
    UniqueFd output_;
    UniqueFd pidfd_;
    bool reaped_ = false;
    char buffer_[kReadChunk];
};

bool Child::ReadOutput(const RunOptions& options) {
    for (;;) {
        ssize_t n = ::read(output_.get(), buffer_, sizeof buffer_);
        if (n > 0) {
            if (options.on_output) options.on_output(std::string_view(buffer_, static_cast<std::size_t>(n)));
            if (static_cast<std::size_t>(n) < sizeof buffer_) return true;
            continue;
        }
        if (n == 0) return false;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        return false;
    }
}

void Child::Drain(const RunOptions& options) {
    const auto limit = SteadyClock::now() + kDrainLimit;
    while (output_.get() >= 0) {
        pollfd entry{output_.get(), POLLIN, 0};
        int ready = ::poll(&entry, 1, MillisUntil(limit, SteadyClock::now()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0 || !ReadOutput(options)) output_.Reset();
    }
}

std::optional<int> Child::Reap() {
    int status = 0;
    pid_t got;
    while ((got = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    if (got != pid_) return std::nullopt;  // reaped elsewhere (SIGCHLD ignored): status unknown
    return status;
}

RunResult Child::Run(const RunOptions& options) {
    const auto start = SteadyClock::now();
    const auto deadline = start + options.time_limit;
    auto next_check = start + options.poll_interval;
    std::optional<SteadyClock::time_point> kill_at;
    RunEnd stopped = RunEnd::kExited;  // kTimedOut / kCanceled once we stop it

    auto stop = [&](RunEnd why, SteadyClock::time_point now) {
        stopped = why;
        Signal(SIGTERM);
        kill_at = now + options.kill_grace;
    };
    while (!Exited()) {
        auto now = SteadyClock::now();
        if (stopped == RunEnd::kExited && now >= deadline) stop(RunEnd::kTimedOut, now);
        if (stopped == RunEnd::kExited && now >= next_check) {
            next_check = now + options.poll_interval;
            if (options.keep_going && !options.keep_going()) stop(RunEnd::kCanceled, now);
        }
        if (kill_at && now >= *kill_at) {
            Signal(SIGKILL);
            kill_at.reset();
        }
        auto wake =
            stopped == RunEnd::kExited ? std::min(deadline, next_check) : kill_at.value_or(now + milliseconds(100));
        int timeout = MillisUntil(wake, now);
        if (pidfd_.get() < 0) timeout = std::min(timeout, static_cast<int>(kExitCheckFallback.count()));
        std::array<pollfd, 2> fds{{{output_.get(), POLLIN, 0}, {pidfd_.get(), POLLIN, 0}}};
        int ready = ::poll(fds.data(), fds.size(), timeout);
        if (ready < 0 && errno != EINTR) ThrowErrno("poll");
        if (output_.get() >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !ReadOutput(options)) {
            output_.Reset();  // the child closed its output; keep waiting for its exit
        }
    }
    // The leader is a zombie: its pid still names the group, so leftovers can be killed safely.
    Signal(SIGKILL);
    Drain(options);
    const auto reaped = Reap();
    const int status = reaped.value_or(0);

    RunResult result;
    if (!reaped) {
        result.end = RunEnd::kSignaled;
        result.exit_code = 255;
        result.reason = "exit status unknown (the process was reaped elsewhere)";
    } else if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
        if (result.exit_code != 0) result.reason = "exit status " + std::to_string(result.exit_code);
    } else if (WIFSIGNALED(status)) {
        result.end = RunEnd::kSignaled;
        result.exit_code = 128 + WTERMSIG(status);
        const char* name = ::sigabbrev_np(WTERMSIG(status));
        result.reason =
            "killed by signal " + std::to_string(WTERMSIG(status)) + (name ? std::string(" (SIG") + name + ")" : "");
    }
    if (stopped == RunEnd::kTimedOut) {
        result.end = RunEnd::kTimedOut;
        result.reason = "time limit of " + SecondsText(options.time_limit) + " exceeded";
    } else if (stopped == RunEnd::kCanceled) {
        result.end = RunEnd::kCanceled;
        result.reason = "canceled";
    }
    return result;
}

RunResult SpawnFailed(std::string reason) {
    RunResult result;
    result.end = RunEnd::kSpawnFailed;
    result.exit_code = 127;
    result.reason = std::move(reason);
    return result;
}

}  // namespace

RunResult RunProcess(const std::vector<std::string>& argv, const RunOptions& options) {
    if (argv.empty()) throw std::invalid_argument("RunProcess: empty argv");
    ChildSetup setup;
    setup.program = FindProgram(argv[0]);
    if (setup.program.empty()) return SpawnFailed("cannot run " + argv[0] + ": not found in PATH");
    std::vector<std::string> args(argv);
    for (auto& arg : args) setup.argv.push_back(arg.data());
    setup.argv.push_back(nullptr);
    setup.cwd = options.cwd.string();
    setup.parent = ::getpid();

    UniqueFd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (dev_null.get() < 0) ThrowErrno("open /dev/null");
    int output_pipe[2];
    if (::pipe2(output_pipe, O_CLOEXEC) != 0) ThrowErrno("pipe2");
    UniqueFd output_read(output_pipe[0]);
    UniqueFd output_write(output_pipe[1]);
    int status_pipe[2];
    if (::pipe2(status_pipe, O_CLOEXEC) != 0) ThrowErrno("pipe2");
    UniqueFd status_read(status_pipe[0]);
    UniqueFd status_write(status_pipe[1]);
    setup.dev_null = dev_null.get();
    setup.output = output_write.get();
    setup.status = status_write.get();

    const pid_t pid = ::fork();
    if (pid < 0) return SpawnFailed(std::string("cannot fork: ") + ErrnoText(errno));
    if (pid == 0) ExecChild(setup);
    ::setpgid(pid, pid);  // also done by the child: whichever runs first, the group exists before we signal it
    output_write.Reset();
    status_write.Reset();
    dev_null.Reset();
    ::fcntl(output_read.get(), F_SETFL, ::fcntl(output_read.get(), F_GETFL) | O_NONBLOCK);

    Child child(pid, output_read.Release());  // from here on, kills and reaps on every exit path
    if (const int exec_error = ReadExecStatus(status_read.get()); exec_error != 0) {
        return SpawnFailed("cannot run " + argv[0] + ": " + ErrnoText(exec_error));
    }
    return child.Run(options);
}

std::string FindProgram(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        std::size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        std::string candidate = dirs.substr(start, end - start);
        if (candidate.empty()) candidate = ".";
        candidate.append("/").append(name);
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return "";
}

}  // namespace zr::worker
