// Completion off the request path: merge, md5, safe unzip, status, the uploaded event; start-up
// recovery.
#include "submissions/completion_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/strings.hpp"
#include "db/repositories.hpp"
#include "submissions/internal.hpp"

namespace zr::submissions {
namespace {

using domain::SubmissionStatus;
using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kFirstRetry = 1min;
constexpr std::chrono::milliseconds kLongestRetry = 30min;

bool AllReceived(const storage::UploadManifest& manifest) {
    return std::all_of(manifest.index.begin(), manifest.index.end(), [&](const auto& part) {
        return std::any_of(manifest.received.begin(), manifest.received.end(),
                           [&](const auto& received) { return received.file_name == part.file_name; });
    });
}

std::chrono::milliseconds RetryDelay(int postponed) {
    auto delay = kFirstRetry;
    for (int i = 1; i < postponed && delay < kLongestRetry; ++i) delay *= 2;
    return std::min(delay, kLongestRetry);
}

}  // namespace

CompletionService::CompletionService(Records& records, const settings::Settings& settings)
    : records_(records),
      settings_(settings),
      queue_("completion", [this](const Attempt& attempt) { CompleteOrPostpone(attempt.submission_id); }) {}

CompletionService::~CompletionService() { Shutdown(); }

void CompletionService::Schedule(const std::string& submission_id, std::chrono::milliseconds delay) {
    queue_.PostUnique({submission_id}, delay);
}

void CompletionService::CompleteNow(const std::string& submission_id) { Complete(submission_id); }

// What Complete does not decide itself (the database busy or gone for a moment, an unexpected
// fault) is not the submission's fault: it is tried again later, nothing lost.
void CompletionService::CompleteOrPostpone(const std::string& submission_id) {
    try {
        Complete(submission_id);
    } catch (const std::exception& e) {
        Postpone(submission_id, e.what());
    }
}

void CompletionService::WaitIdle() { queue_.Flush(); }

void CompletionService::Shutdown() { queue_.Stop(std::chrono::milliseconds(0)); }

int CompletionService::RecoverPending() {
    const storage::SubmissionStore& store = records_.store();
    std::vector<domain::Submission> uploading;
    {
        auto conn = records_.db().Acquire();
        uploading = db::SubmissionRepository(*conn).List(std::nullopt, std::nullopt, SubmissionStatus::kUploading);
    }
    const auto [published, removed] = store.RecoverStaging([&](std::string_view id) {
        return std::any_of(uploading.begin(), uploading.end(), [&](const auto& row) { return row.id == id; });
    });
    if (published > 0) spdlog::warn("published {} submission folder(s) a crash left half-created", published);
    if (removed > 0) spdlog::warn("removed {} half-created submission folder(s)", removed);
    // Submissions under evaluation may have had scores arriving (a remote worker's upload).
    for (const auto status : {SubmissionStatus::kOnQueue, SubmissionStatus::kEvaluating}) {
        std::vector<domain::Submission> evaluated;
        {
            auto conn = records_.db().Acquire();
            evaluated = db::SubmissionRepository(*conn).List(std::nullopt, std::nullopt, status);
        }
        for (const auto& submission : evaluated) {
            if (!IsPlainFileName(submission.id) || !store.Exists(submission.id)) continue;
            std::lock_guard lock(records_.Lock(submission.id));
            store.RemoveLeftovers(submission.id);
        }
    }
    int scheduled = 0;
    for (const auto& submission : uploading) {
        const std::string& id = submission.id;
        if (!IsPlainFileName(id) || !store.Exists(id)) continue;
        std::lock_guard lock(records_.Lock(id));
        store.RemoveLeftovers(id);
        if (store.HasUploadLock(id)) {
            // A crash between the last part and the lock's removal leaves every part in place.
            const auto manifest = store.ReadManifest(id);
            const bool complete =
                manifest ? AllReceived(*manifest) && store.HasAllParts(id, *manifest) : store.HasArchive(id);
            if (!complete) continue;
            store.RemoveUploadLock(id);
        }
        spdlog::info("submission {}: resuming its completion", id);
        Schedule(id);
        ++scheduled;
    }
    return scheduled;
}

// --- Completing one submission -------------------------------------------------------------------

void CompletionService::Complete(const std::string& submission_id) {
    const storage::SubmissionStore& store = records_.store();
    std::optional<domain::Submission> row;
    {
        auto conn = records_.db().Acquire();
        row = db::SubmissionRepository(*conn).Find(submission_id);
    }
    if (!row || row->status != SubmissionStatus::kUploading || store.HasUploadLock(submission_id)) return;
    try {
        if (auto problem = PrepareArchive(submission_id)) {
            records_.ChangeStatus(submission_id, SubmissionStatus::kInvalid, *problem);
            return;
        }
        const auto result = store.ExtractInput(submission_id, detail::UnzipLimitsFrom(settings_));
        store.RemoveParts(submission_id);
        store.TryAppendLog(submission_id, records_.clock().Now(),
                           "archive unzipped: " + std::to_string(result.entries) + " entries, " +
                               std::to_string(result.bytes) + " bytes");
    } catch (const storage::UnzipRefused& e) {
        records_.ChangeStatus(submission_id, SubmissionStatus::kInvalid,
                              std::string("the archive was refused: ") + e.what());
        return;
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::kInsufficientStorage) throw;
        Postpone(submission_id, "the disk is full (" + e.log_detail() + ")");
        return;
    } catch (const FileError& e) {
        Postpone(submission_id, e.what());
        return;
    } catch (const std::exception& e) {
        records_.ChangeStatus(submission_id, SubmissionStatus::kFailed,
                              std::string("server error while completing the upload: ") + e.what());
        return;
    }
    {
        std::lock_guard lock(retries_mutex_);
        retries_.erase(submission_id);
    }
    if (!records_.ChangeStatus(submission_id, SubmissionStatus::kUploaded, "Submission upload was completed.")) {
        spdlog::warn("submission {}: completed, but its status changed meanwhile", submission_id);
        return;
    }
    row->status = SubmissionStatus::kUploaded;
    Announce(*row);
}

std::optional<std::string> CompletionService::PrepareArchive(const std::string& submission_id) {
    const storage::SubmissionStore& store = records_.store();
    auto manifest = store.ReadManifest(submission_id);
    if (!manifest) {
        if (!store.HasArchive(submission_id)) throw std::runtime_error("input.zip is missing");
        return std::nullopt;  // its md5 was checked when it was received
    }
    std::string md5;
    if (store.HasAllParts(submission_id, *manifest)) {
        md5 = store.MergeParts(submission_id, *manifest);
        store.TryAppendLog(
            submission_id, records_.clock().Now(),
            "merged " + std::to_string(manifest->index.size()) + " parts into input.zip (md5 " + md5 + ")");
    } else if (store.HasArchive(submission_id)) {
        md5 = store.ArchiveMd5(submission_id);  // merged before a crash
    } else {
        throw std::runtime_error("parts are missing and there is no merged archive");
    }
    if (md5 != ToLower(manifest->merge_hash)) {
        return "the md5 of the merged archive (" + md5 + ") does not match the expected hash (" + manifest->merge_hash +
               ")";
    }
    return std::nullopt;
}

void CompletionService::Postpone(const std::string& submission_id, const std::string& why) {
    int postponed = 0;
    {
        std::lock_guard lock(retries_mutex_);
        postponed = ++retries_[submission_id];
    }
    const auto delay = RetryDelay(postponed);
    const std::string line = "completion postponed (nothing was lost, every part is kept): " + why + "; next try in " +
                             std::to_string(std::chrono::duration_cast<std::chrono::minutes>(delay).count()) + " min";
    spdlog::error("submission {}: {}", submission_id, line);
    records_.store().TryAppendLog(submission_id, records_.clock().Now(), line);
    queue_.Post({submission_id}, delay);  // not PostUnique: this very item is the one running
}

void CompletionService::Announce(const domain::Submission& submission) {
    if (!uploaded_hook_) return;
    UploadedEvent event;
    event.submission = submission;
    try {
        auto conn = records_.db().Acquire();
        db::ReadTransaction snapshot(*conn);
        if (auto challenge = db::ChallengeRepository(*conn).Find(submission.track_id)) {
            event.challenge = std::move(*challenge);
        } else {
            event.challenge.id = submission.track_id;
        }
        event.owner = db::UserRepository(*conn).FindById(submission.user_id);
    } catch (const std::exception& e) {
        spdlog::error("submission {}: cannot read its challenge and owner: {}", submission.id, e.what());
        return;
    }
    uploaded_hook_(event);
}

}  // namespace zr::submissions
