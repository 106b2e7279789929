// Completion off the request path: merge, md5, safe unzip, status, e-mail; start-up recovery;
// the admin's synchronous creation from a local archive.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "common/fd.hpp"
#include "common/strings.hpp"
#include "crypto/crypto.hpp"
#include "db/repositories.hpp"
#include "submissions/internal.hpp"
#include "submissions/submission_service.hpp"

namespace zr::submissions {
namespace fs = std::filesystem;
namespace {

using domain::SubmissionStatus;

constexpr std::size_t kMergeBufferBytes = 1 << 20;

std::size_t ReadSome(int fd, char* buffer, std::size_t size, const fs::path& path) {
    while (true) {
        const ssize_t n = ::read(fd, buffer, size);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "read " + path.string());
    }
}

void WriteAll(int fd, const char* data, std::size_t size, const fs::path& path) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "write " + path.string());
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

// Appends the file at `from` to `out`, feeding md5 on the way.
void AppendFile(const fs::path& from, int out, const fs::path& out_path, crypto::Md5& md5, std::vector<char>& buffer) {
    UniqueFd in = OpenOrThrow(from, O_RDONLY);
    while (const std::size_t n = ReadSome(in.get(), buffer.data(), buffer.size(), from)) {
        md5.Update(buffer.data(), n);
        WriteAll(out, buffer.data(), n, out_path);
    }
}

}  // namespace

// --- The worker --------------------------------------------------------------------------------------

void SubmissionService::Schedule(const std::string& submission_id) {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) return;
    const bool queued = std::find(queue_.begin(), queue_.end(), submission_id) != queue_.end();
    if (queued || running_ == submission_id) return;
    queue_.push_back(submission_id);
    if (!worker_.joinable()) worker_ = std::thread([this] { WorkerLoop(); });
    queue_cv_.notify_all();
}

void SubmissionService::WorkerLoop() {
    std::unique_lock lock(queue_mutex_);
    while (true) {
        queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) break;
        running_ = queue_.front();
        queue_.pop_front();
        lock.unlock();
        try {
            Complete(*running_);
        } catch (const std::exception& e) {
            spdlog::error("submission {}: completion failed: {}", *running_, e.what());
        }
        lock.lock();
        running_.reset();
        queue_cv_.notify_all();
    }
}

void SubmissionService::WaitIdle() {
    std::unique_lock lock(queue_mutex_);
    queue_cv_.wait(lock, [this] { return stopping_ || (queue_.empty() && !running_); });
}

void SubmissionService::Shutdown() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_cv_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void SubmissionService::ResumePending() {
    const int stale = store_.RemoveStaleStaging();
    if (stale > 0) spdlog::warn("removed {} half-created submission folder(s)", stale);
    std::vector<domain::Submission> uploading;
    {
        auto conn = db_.Acquire();
        uploading = db::SubmissionRepository(*conn).List(std::nullopt, std::nullopt,
                                                         domain::ToString(SubmissionStatus::kUploading));
    }
    for (const auto& submission : uploading) {
        const std::string& id = submission.id;
        if (!IsPlainFileName(id) || !store_.Exists(id)) continue;
        std::lock_guard lock(SubmissionMutex(id));
        store_.RemoveSpoolFiles(id);
        if (store_.HasUploadLock(id)) {
            if (!IsFullyReceived(id)) continue;
            store_.RemoveUploadLock(id);
        }
        spdlog::info("submission {}: resuming its completion", id);
        Schedule(id);
    }
}

// --- Completing one submission ----------------------------------------------------------------------

void SubmissionService::Complete(const std::string& submission_id) {
    {
        auto conn = db_.Acquire();
        auto row = db::SubmissionRepository(*conn).Find(submission_id);
        if (!row || row->status != domain::ToString(SubmissionStatus::kUploading)) return;
    }
    if (store_.HasUploadLock(submission_id)) return;
    try {
        if (auto problem = PrepareArchive(submission_id)) {
            ChangeStatus(submission_id, SubmissionStatus::kInvalid, *problem);
            return;
        }
        const auto result =
            storage::ExtractZip(store_.ArchivePath(submission_id), store_.PartialInputDir(submission_id),
                                detail::UnzipLimitsFrom(settings_));
        store_.PublishInput(submission_id);
        store_.RemoveParts(submission_id);
        store_.AppendLog(submission_id, clock_.Now(),
                         "archive unzipped: " + std::to_string(result.entries) + " entries, " +
                             std::to_string(result.bytes) + " bytes");
    } catch (const storage::UnzipRefused& e) {
        ChangeStatus(submission_id, SubmissionStatus::kInvalid, std::string("the archive was refused: ") + e.what());
        return;
    } catch (const std::exception& e) {
        ChangeStatus(submission_id, SubmissionStatus::kFailed,
                     std::string("server error while completing the upload: ") + e.what());
        return;
    }
    ChangeStatus(submission_id, SubmissionStatus::kUploaded, "Submission upload was completed.");
    NotifyNewSubmission(submission_id);
    if (uploaded_hook_) uploaded_hook_(submission_id);
}

// Makes input.zip whole and checked. Returns the reason when the archive is invalid; throws for
// server-side faults.
std::optional<std::string> SubmissionService::PrepareArchive(const std::string& submission_id) {
    auto manifest = store_.ReadManifest(submission_id);
    if (!manifest) {
        if (!fs::exists(store_.ArchivePath(submission_id))) throw std::runtime_error("input.zip is missing");
        return std::nullopt;  // its md5 was checked when it was received
    }
    std::string md5;
    const bool parts_present = std::all_of(manifest->index.begin(), manifest->index.end(), [&](const auto& part) {
        return fs::exists(store_.PartPath(submission_id, part.file_name));
    });
    if (parts_present) {
        md5 = MergeParts(submission_id, *manifest);
    } else if (fs::exists(store_.ArchivePath(submission_id))) {
        md5 = crypto::Md5OfFile(store_.ArchivePath(submission_id).string());  // merged before a crash
    } else {
        throw std::runtime_error("parts are missing and there is no merged archive");
    }
    if (md5 != ToLower(manifest->merge_hash)) {
        return "the md5 of the merged archive (" + md5 + ") does not match the expected hash (" + manifest->merge_hash +
               ")";
    }
    return std::nullopt;
}

std::string SubmissionService::MergeParts(const std::string& submission_id, const storage::UploadManifest& manifest) {
    const fs::path target = store_.PartialArchivePath(submission_id);
    std::vector<char> buffer(kMergeBufferBytes);
    crypto::Md5 md5;
    {
        UniqueFd out = OpenOrThrow(target, O_WRONLY | O_CREAT | O_TRUNC);
        for (const auto& part : manifest.index) {
            AppendFile(store_.PartPath(submission_id, part.file_name), out.get(), target, md5, buffer);
        }
    }
    store_.PublishArchive(submission_id);
    const std::string digest = md5.HexDigest();
    store_.AppendLog(submission_id, clock_.Now(),
                     "merged " + std::to_string(manifest.index.size()) + " parts into input.zip (md5 " + digest + ")");
    return digest;
}

void SubmissionService::NotifyNewSubmission(const std::string& submission_id) {
    try {
        auto conn = db_.Acquire();
        auto submission = db::SubmissionRepository(*conn).Find(submission_id);
        if (!submission) return;
        auto user = db::UserRepository(*conn).FindById(submission->user_id);
        auto challenge = db::ChallengeRepository(*conn).Find(submission->track_id);
        if (!user) return;
        const nlohmann::json data = {{"username", user->username},
                                     {"submission_id", submission_id},
                                     {"challenge", challenge ? challenge->label : std::string()},
                                     {"app_name", settings_.app_name},
                                     {"admin_email", settings_.admin_email}};
        mail_.Enqueue({user->email, "Zerospeech: new submission", templates_.Render("emails/new_submission.txt", data),
                       templates_.Render("emails/new_submission.html", data)});
    } catch (const std::exception& e) {
        spdlog::error("submission {}: cannot send the new-submission e-mail: {}", submission_id, e.what());
    }
}

// --- Admin: creation from a local archive -----------------------------------------------------------

std::string SubmissionService::CreateFromArchive(domain::ChallengeId challenge_id, domain::UserId user_id,
                                                 const fs::path& zip) {
    std::optional<domain::User> user;
    std::optional<domain::Challenge> challenge;
    {
        auto conn = db_.Acquire();
        user = db::UserRepository(*conn).FindById(user_id);
        challenge = db::ChallengeRepository(*conn).Find(challenge_id);
    }
    if (!challenge) throw detail::UnknownChallenge(challenge_id);
    if (!user) {
        throw Error::Message(ErrorKind::kNotFound,
                             "There is no user with the following id: " + std::to_string(user_id));
    }
    std::error_code ec;
    std::string md5;
    try {
        if (!fs::is_regular_file(zip, ec)) throw std::runtime_error("not a regular file");
        md5 = crypto::Md5OfFile(zip.string());
    } catch (const std::exception& e) {
        throw Error::Message(ErrorKind::kInvalidInput, "Cannot read the archive " + zip.string(), e.what());
    }
    const std::string id = InsertWithFolder(*user, *challenge, {zip.filename().string(), md5, false, {}}, false);
    std::lock_guard lock(SubmissionMutex(id));
    try {
        fs::copy_file(zip, store_.PartialArchivePath(id), fs::copy_options::overwrite_existing);
        store_.PublishArchive(id);
    } catch (const std::exception& e) {
        ChangeStatus(id, SubmissionStatus::kFailed, std::string("cannot copy the archive: ") + e.what());
        return id;
    }
    store_.AppendLog(id, clock_.Now(), "archive " + zip.filename().string() + " added by an administrator");
    store_.RemoveUploadLock(id);
    Complete(id);
    return id;
}

}  // namespace zr::submissions
