// ClassifyFailure: whose fault a failed run was (worker.hpp).
#include <algorithm>
#include <array>
#include <csignal>

#include "worker/worker.hpp"

namespace zr::worker {
namespace {

// Signals a process raises by its own doing (a crash, abort(), a write to a closed pipe): the
// evaluator's failure. Any other (SIGKILL from the OOM killer, SIGTERM from an operator, SIGXCPU
// from a resource limit) came from outside: the platform's.
constexpr std::array<int, 8> kSelfRaisedSignals = {SIGSEGV, SIGABRT, SIGFPE, SIGBUS, SIGILL, SIGTRAP, SIGSYS, SIGPIPE};

}  // namespace

domain::FailureKind ClassifyFailure(const RunResult& result) {
    switch (result.end) {
        case RunEnd::kExited:
            return result.exit_code != 0 ? domain::FailureKind::kEvaluator : domain::FailureKind::kPlatform;
        case RunEnd::kSignaled: {
            const int signal = result.exit_code - 128;
            const bool self_raised =
                std::find(kSelfRaisedSignals.begin(), kSelfRaisedSignals.end(), signal) != kSelfRaisedSignals.end();
            return self_raised ? domain::FailureKind::kEvaluator : domain::FailureKind::kPlatform;
        }
        case RunEnd::kTimedOut:
        case RunEnd::kCanceled:
        case RunEnd::kSpawnFailed:
            return domain::FailureKind::kPlatform;
    }
    return domain::FailureKind::kPlatform;
}

}  // namespace zr::worker
