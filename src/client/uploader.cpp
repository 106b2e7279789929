#include "client/uploader.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>
#include <utility>

namespace zr::client {
namespace {

constexpr auto kSleepSlice = std::chrono::milliseconds(50);

// The reason to retry a failed attempt, or nothing when it must not be retried (rethrown).
std::string RetryReason(std::exception_ptr failure) {
    try {
        std::rethrow_exception(std::move(failure));
    } catch (const TransportError& e) {
        if (e.interrupted()) throw Interrupted();
        return std::string("network error: ") + e.what();
    } catch (const ApiError& e) {
        if (e.server_side() || e.hash_mismatch()) return std::string("server answered: ") + e.what();
        throw;
    }
}

std::string Seconds(std::chrono::milliseconds delay) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f s", static_cast<double>(delay.count()) / 1000.0);
    return buffer;
}

}  // namespace

std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int retry) {
    auto delay = policy.first_delay;
    for (int i = 1; i < retry && delay < policy.max_delay; ++i) delay *= 2;
    return std::min(delay, policy.max_delay);
}

bool SleepUnlessStopped(std::chrono::milliseconds delay, const std::atomic<bool>& stop) {
    auto deadline = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < deadline) {
        if (stop.load()) return false;
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(kSleepSlice, deadline - std::chrono::steady_clock::now()));
    }
    return !stop.load();
}

const PartInfo& Uploader::Find(const std::string& name) const {
    for (const auto& part : checkpoint_.parts) {
        if (part.info.file_name == name) return part.info;
    }
    throw SubmitError("the server asks for a part that is not in the manifest: " + name);
}

UploadState Uploader::UploadParts(const std::vector<std::string>& names) {
    UploadState state;
    for (const auto& name : names) {
        const PartInfo& part = Find(name);
        state = UploadWithRetries(part);
        checkpoint_.MarkDone(part.file_name);
        SaveCheckpoint(checkpoint_, checkpoint_path_);
        progress_.PartDone(part.file_name, part.file_size, checkpoint_.DoneCount() - 1, checkpoint_.parts.size());
    }
    return state;
}

UploadState Uploader::UploadWithRetries(const PartInfo& part) {
    auto on_sent = [this, &part](std::uint64_t sent) {
        // The request also carries the multipart headers: never count more than the part.
        progress_.Update(std::min(sent, part.file_size));
    };
    for (int attempt = 0;; ++attempt) {
        if (stop_.load()) throw Interrupted();
        try {
            return api_.UploadPart(checkpoint_.challenge_id, checkpoint_.submission_id, part, checkpoint_.PathOf(part),
                                   on_sent);
        } catch (...) {
            progress_.PartFailed();
            std::string reason = RetryReason(std::current_exception());
            if (attempt >= policy_.retries) throw;
            auto delay = RetryDelay(policy_, attempt + 1);
            progress_.Message("zr: part " + part.file_name + ": " + reason + "; retry " + std::to_string(attempt + 1) +
                              "/" + std::to_string(policy_.retries) + " in " + Seconds(delay));
            if (!SleepUnlessStopped(delay, stop_)) throw Interrupted();
        }
    }
}

}  // namespace zr::client
