#pragma once
// Uploads the pending parts of a checkpointed submission, one at a time, with retries, saving the
// checkpoint after each confirmed part. Not thread-safe.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "client/api.hpp"
#include "client/checkpoint.hpp"
#include "client/progress.hpp"

namespace zr::client {

// Raised when the stop flag (Ctrl-C) was seen; the checkpoint holds every confirmed part.
class Interrupted : public std::runtime_error {
public:
    Interrupted() : std::runtime_error("interrupted") {}
};

struct RetryPolicy {
    int retries = 5;                              // per part, after the first attempt
    std::chrono::milliseconds first_delay{1000};  // doubled after each retry
    std::chrono::milliseconds max_delay{60000};
};

// The wait before retry number `retry` (1-based): first_delay * 2^(retry-1), at most max_delay.
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int retry);

// Sleeps `delay`, waking early (false) when `stop` becomes true.
bool SleepUnlessStopped(std::chrono::milliseconds delay, const std::atomic<bool>& stop);

class Uploader {
public:
    // All references must outlive the uploader. `checkpoint` must have a submission id.
    Uploader(Api& api, Checkpoint& checkpoint, std::filesystem::path checkpoint_path, ProgressReporter& progress,
             RetryPolicy policy, const std::atomic<bool>& stop)
        : api_(api),
          checkpoint_(checkpoint),
          checkpoint_path_(std::move(checkpoint_path)),
          progress_(progress),
          policy_(policy),
          stop_(stop) {}

    // Uploads `names` (parts of the checkpoint, in this order). Returns the server's answer to the
    // last part. Throws Interrupted, ApiError (a refusal that retrying cannot fix) or the last
    // TransportError/ApiError once a part's retries are exhausted.
    UploadState UploadParts(const std::vector<std::string>& names);

private:
    UploadState UploadWithRetries(const PartInfo& part);
    const PartInfo& Find(const std::string& name) const;

    Api& api_;
    Checkpoint& checkpoint_;
    std::filesystem::path checkpoint_path_;
    ProgressReporter& progress_;
    RetryPolicy policy_;
    const std::atomic<bool>& stop_;
};

}  // namespace zr::client
