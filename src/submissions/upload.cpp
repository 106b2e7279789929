// Receiving parts: the spool check, md5 verification, the manifest's "received" list.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/strings.hpp"
#include "submissions/internal.hpp"
#include "submissions/submission_service.hpp"

namespace zr::submissions {
namespace fs = std::filesystem;
namespace {

// The name a single-part submission's archive is reported under while it is missing.
constexpr std::string_view kArchiveName = "input.zip";

Error BadPartName(std::string_view part_name) {
    return Error::Message(ErrorKind::kInvalidInput,
                          "ValueError: part name '" + std::string(part_name) + "' is not a plain file name");
}

Error UnknownPart(std::string_view part_name) {
    return Error::Message(ErrorKind::kInvalidInput,
                          "ValueError: part '" + std::string(part_name) + "' is not in the submission's index");
}

const storage::ManifestPart* FindPart(const std::vector<storage::ManifestPart>& parts, std::string_view name) {
    auto it = std::find_if(parts.begin(), parts.end(), [&](const auto& part) { return part.file_name == name; });
    return it == parts.end() ? nullptr : &*it;
}

std::vector<std::string> Remaining(const storage::UploadManifest& manifest) {
    std::vector<std::string> remaining;
    for (const auto& part : manifest.index) {
        if (!FindPart(manifest.received, part.file_name)) remaining.push_back(part.file_name);
    }
    return remaining;
}

}  // namespace

fs::path SubmissionService::PrepareUpload(const domain::User& user, domain::ChallengeId challenge_id,
                                          std::string_view submission_id, std::string_view part_name) {
    LocateUploading(user, challenge_id, submission_id);
    if (!IsPlainFileName(part_name)) throw BadPartName(part_name);
    if (auto manifest = store_.ReadManifest(submission_id)) {
        if (!FindPart(manifest->index, part_name)) throw UnknownPart(part_name);
    }
    const fs::path spool = store_.TmpDir(submission_id);
    fs::create_directories(spool);
    return spool;
}

UploadState SubmissionService::AcceptPart(const domain::User& user, domain::ChallengeId challenge_id,
                                          std::string_view submission_id, std::string_view part_name,
                                          const ReceivedFile& file) {
    const std::string id(submission_id);
    std::lock_guard lock(SubmissionMutex(id));
    LocateUploading(user, challenge_id, id);
    if (!IsPlainFileName(part_name)) throw BadPartName(part_name);
    if (store_.ReadManifest(id)) return AcceptManifestPart(id, part_name, file);
    return AcceptArchive(id, part_name, file);
}

void SubmissionService::RejectHash(const std::string& submission_id, std::string_view part_name,
                                   const ReceivedFile& file) {
    std::error_code ec;
    fs::remove(file.path, ec);
    rejected_parts_.fetch_add(1, std::memory_order_relaxed);
    store_.AppendLog(submission_id, clock_.Now(),
                     "adding a new part to upload: " + std::string(part_name) +
                         "\n --> refused: its md5 does not match the expected hash");
    throw Error::Message(ErrorKind::kInvalidInput,
                         "ValueError: the md5 of part " + std::string(part_name) + " does not match the expected hash");
}

UploadState SubmissionService::AcceptManifestPart(const std::string& submission_id, std::string_view part_name,
                                                  const ReceivedFile& file) {
    storage::UploadManifest manifest = *store_.ReadManifest(submission_id);
    const storage::ManifestPart* expected = FindPart(manifest.index, part_name);
    if (!expected) throw UnknownPart(part_name);
    if (ToLower(file.md5) != ToLower(expected->file_hash)) RejectHash(submission_id, part_name, file);
    fs::rename(file.path, store_.PartPath(submission_id, part_name));
    CountAccepted(file);
    std::erase_if(manifest.received, [&](const auto& part) { return part.file_name == part_name; });
    manifest.received.push_back({std::string(part_name), file.size, ToLower(file.md5)});
    store_.WriteManifest(submission_id, manifest);
    store_.AppendLog(
        submission_id, clock_.Now(),
        "adding a new part to upload: " + std::string(part_name) + "\n --> file was uploaded successfully");
    UploadState state{false, Remaining(manifest)};
    if (state.remaining.empty()) {
        state.completed = true;
        FinishUpload(submission_id);
    }
    return state;
}

UploadState SubmissionService::AcceptArchive(const std::string& submission_id, std::string_view part_name,
                                             const ReceivedFile& file) {
    const auto expected = store_.ReadArchiveHash(submission_id);
    if (!expected) throw detail::NoMoreParts(submission_id);
    if (ToLower(file.md5) != ToLower(*expected)) RejectHash(submission_id, part_name, file);
    fs::rename(file.path, store_.ArchivePath(submission_id));
    CountAccepted(file);
    store_.AppendLog(
        submission_id, clock_.Now(),
        "adding a new part to upload: " + std::string(part_name) + "\n --> file was uploaded successfully");
    FinishUpload(submission_id);
    return {true, {}};
}

// The lock goes only once every part is safely in place, so a crash before this point leaves a
// submission that still accepts parts, and one after it a submission ResumePending completes.
void SubmissionService::FinishUpload(const std::string& submission_id) {
    store_.RemoveUploadLock(submission_id);
    store_.AppendLog(submission_id, clock_.Now(), "all parts received");
    Schedule(submission_id);
}

void SubmissionService::CountAccepted(const ReceivedFile& file) {
    accepted_parts_.fetch_add(1, std::memory_order_relaxed);
    accepted_bytes_.fetch_add(file.size, std::memory_order_relaxed);
}

UploadCounts SubmissionService::upload_counts() const {
    return {accepted_parts_.load(std::memory_order_relaxed), accepted_bytes_.load(std::memory_order_relaxed),
            rejected_parts_.load(std::memory_order_relaxed)};
}

UploadState SubmissionService::UploadStatus(const domain::User& user, domain::ChallengeId challenge_id,
                                            std::string_view submission_id) {
    Locate(user, challenge_id, submission_id);
    return StateOf(std::string(submission_id));
}

UploadState SubmissionService::StateOf(const std::string& submission_id) {
    if (auto manifest = store_.ReadManifest(submission_id)) {
        UploadState state{false, Remaining(*manifest)};
        state.completed = state.remaining.empty();
        return state;
    }
    if (!store_.HasUploadLock(submission_id)) return {true, {}};
    return {false, {std::string(kArchiveName)}};
}

// All parts are in place although the lock may still be there (a crash between the last part and
// the lock's removal).
bool SubmissionService::IsFullyReceived(const std::string& submission_id) {
    if (auto manifest = store_.ReadManifest(submission_id)) {
        if (!Remaining(*manifest).empty()) return false;
        std::error_code ec;
        return std::all_of(manifest->index.begin(), manifest->index.end(), [&](const auto& part) {
            return fs::exists(store_.PartPath(submission_id, part.file_name), ec);
        });
    }
    std::error_code ec;
    return fs::exists(store_.ArchivePath(submission_id), ec);
}

}  // namespace zr::submissions
