// SubmissionStore: receiving parts, completing an upload, scores sent back by remote workers, and
// the clean-up after a crash (see the header).
#include <spdlog/spdlog.h>

#include <random>
#include <stdexcept>

#include "crypto/crypto.hpp"
#include "storage/submission_store.hpp"

namespace zr::storage {
namespace fs = std::filesystem;
namespace {

// The names of work in progress. Spool files are hidden (".upload-<16 hex>.part") so that
// nothing listing tmp/ takes them for parts.
constexpr std::string_view kSpoolPrefix = ".upload-";
constexpr std::string_view kSpoolSuffix = ".part";
constexpr std::string_view kPartialScoresPrefix = "scores.partial-";
constexpr std::string_view kOldScoresPrefix = "scores.old-";
constexpr std::string_view kManifestName = "upload.json";
constexpr std::size_t kMergeBufferBytes = 1 << 20;

std::string RandomTag() { return crypto::ToHex(crypto::RandomBytes(8)); }

bool IsSpoolFileName(std::string_view name) { return name.starts_with(kSpoolPrefix) && name.ends_with(kSpoolSuffix); }

// Appends the file at `from` to `out`, feeding md5 on the way.
void AppendFile(FileSystem& fs, const fs::path& from, WritableFile& out, crypto::Md5& md5, std::vector<char>& buffer) {
    auto in = fs.OpenForRead(from);
    while (const std::size_t n = in->Read(buffer.data(), buffer.size())) {
        md5.Update(buffer.data(), n);
        out.Append(std::string_view(buffer.data(), n));
        out.StartWriteback();
    }
}

}  // namespace

// --- Receiving parts -----------------------------------------------------------------------------

SpoolFile SubmissionStore::NewSpoolFile(std::string_view id) const {
    const fs::path tmp = TmpDir(id);
    fs_.CreateDir(tmp);
    SpoolFile spool;
    spool.path = tmp / (std::string(kSpoolPrefix) + RandomTag() + std::string(kSpoolSuffix));
    spool.file = fs_.OpenForWrite(spool.path, FileSystem::WriteMode::kCreateNew);
    return spool;
}

void SubmissionStore::DiscardSpoolFile(const fs::path& path) const { fs_.Remove(path); }

void SubmissionStore::StorePart(std::string_view id, std::string_view part_name, const fs::path& spooled) const {
    fs_.Rename(spooled, PartPath(id, part_name));
    fs_.SyncDir(TmpDir(id));
}

void SubmissionStore::StoreArchive(std::string_view id, const fs::path& spooled) const {
    fs_.Rename(spooled, ArchivePath(id));
    fs_.SyncDir(Folder(id));
}

void SubmissionStore::WriteManifest(std::string_view id, const UploadManifest& manifest) const {
    WriteFileAtomically(fs_, ManifestPath(id), ToJson(manifest).dump());
}

void SubmissionStore::RemoveUploadLock(std::string_view id) const {
    fs_.Remove(LockPath(id));
    fs_.SyncDir(Folder(id));
}

bool SubmissionStore::HasAllParts(std::string_view id, const UploadManifest& manifest) const {
    for (const auto& part : manifest.index) {
        if (!IsPlainFileName(part.file_name) || fs_.Kind(PartPath(id, part.file_name)) != EntryKind::kFile) {
            return false;
        }
    }
    return true;
}

// --- Completing an upload ------------------------------------------------------------------------

std::string SubmissionStore::MergeParts(std::string_view id, const UploadManifest& manifest) const {
    const fs::path partial = PartialArchivePath(id);
    std::vector<char> buffer(kMergeBufferBytes);
    crypto::Md5 md5;
    try {
        auto out = fs_.OpenForWrite(partial, FileSystem::WriteMode::kReplace);
        for (const auto& part : manifest.index) AppendFile(fs_, PartPath(id, part.file_name), *out, md5, buffer);
        out->Sync();
        out->Close();
        fs_.Rename(partial, ArchivePath(id));
    } catch (...) {
        fs_.Remove(partial);
        throw;
    }
    fs_.SyncDir(Folder(id));
    return md5.HexDigest();
}

std::string SubmissionStore::ArchiveMd5(std::string_view id) const {
    auto in = fs_.OpenForRead(ArchivePath(id));
    std::vector<char> buffer(kMergeBufferBytes);
    crypto::Md5 md5;
    while (const std::size_t n = in->Read(buffer.data(), buffer.size())) md5.Update(buffer.data(), n);
    return md5.HexDigest();
}

bool SubmissionStore::HasArchive(std::string_view id) const { return fs_.Kind(ArchivePath(id)) == EntryKind::kFile; }

std::uint64_t SubmissionStore::ImportArchive(std::string_view id, const fs::path& source) const {
    const fs::path partial = PartialArchivePath(id);
    std::uint64_t size = 0;
    try {
        size = CopyFile(fs_, source, partial);
        fs_.Rename(partial, ArchivePath(id));
    } catch (...) {
        fs_.Remove(partial);
        throw;
    }
    fs_.SyncDir(Folder(id));
    return size;
}

UnzipResult SubmissionStore::ExtractInput(std::string_view id, const UnzipLimits& limits) const {
    const fs::path partial = PartialInputDir(id);
    fs_.RemoveAll(partial);  // an extraction a crash interrupted
    const UnzipResult result = ExtractZip(fs_, ArchivePath(id), partial, limits);
    try {
        fs_.RemoveAll(InputDir(id));
        fs_.Rename(partial, InputDir(id));
    } catch (...) {
        fs_.RemoveAll(partial);
        throw;
    }
    fs_.SyncDir(Folder(id));
    return result;
}

void SubmissionStore::RemoveParts(std::string_view id) const {
    const fs::path tmp = TmpDir(id);
    for (const auto& name : fs_.List(tmp)) {
        if (name != kManifestName) fs_.RemoveAll(tmp / name);
    }
}

int SubmissionStore::RemoveLeftovers(std::string_view id) const {
    int removed = 0;
    try {
        const fs::path folder = Folder(id);
        for (const auto& name : fs_.List(TmpDir(id))) {
            if (IsSpoolFileName(name) || IsAtomicWriteLeftover(name)) removed += fs_.Remove(TmpDir(id) / name) ? 1 : 0;
        }
        for (const auto& name : fs_.List(folder)) {
            const bool partial = name == PartialArchivePath(id).filename() || name == PartialInputDir(id).filename();
            if (partial || IsAtomicWriteLeftover(name)) removed += fs_.RemoveAll(folder / name) > 0 ? 1 : 0;
        }
        if (RecoverScores(id)) ++removed;
    } catch (const std::exception& e) {
        spdlog::warn("submission {}: cannot clean its folder: {}", id, e.what());
    }
    return removed;
}

// --- Scores sent by remote workers ---------------------------------------------------------------

fs::path SubmissionStore::PartialScoresDir(std::string_view id, std::string_view tag) const {
    if (!IsPlainFileName(tag)) throw std::invalid_argument("not a plain name: " + std::string(tag));
    return Folder(id) / (std::string(kPartialScoresPrefix) + std::string(tag));
}

fs::path SubmissionStore::OldScoresDir(std::string_view id, std::string_view tag) const {
    if (!IsPlainFileName(tag)) throw std::invalid_argument("not a plain name: " + std::string(tag));
    return Folder(id) / (std::string(kOldScoresPrefix) + std::string(tag));
}

std::string SubmissionStore::StageScores(std::string_view id, const fs::path& zip, const UnzipLimits& limits,
                                         UnzipResult* result) const {
    // A random tag: concurrent uploads of one job never share a staging folder.
    std::string tag = RandomTag();
    const UnzipResult extracted = ExtractZip(fs_, zip, PartialScoresDir(id, tag), limits);
    if (result != nullptr) *result = extracted;
    return tag;
}

void SubmissionStore::PublishScores(std::string_view id, std::string_view tag) const {
    const fs::path staged = PartialScoresDir(id, tag);
    if (fs_.Kind(staged) != EntryKind::kDirectory) throw FileError(ENOENT, "publish scores", staged);
    const fs::path old = OldScoresDir(id, tag);
    const bool had_scores = fs_.Kind(ScoresDir(id)) != EntryKind::kNone;
    if (had_scores) fs_.Rename(ScoresDir(id), old);
    try {
        fs_.Rename(staged, ScoresDir(id));
    } catch (...) {
        if (had_scores) fs_.Rename(old, ScoresDir(id));  // the previous scores stay
        throw;
    }
    try {
        fs_.SyncDir(Folder(id));
    } catch (...) {
        fs_.RemoveAll(old);  // the new scores are in place: the old ones go either way
        throw;
    }
    fs_.RemoveAll(old);
}

void SubmissionStore::DiscardStagedScores(std::string_view id, std::string_view tag) const {
    if (!IsPlainFileName(id) || !IsPlainFileName(tag)) return;  // nothing of ours can have that name
    fs_.RemoveAll(PartialScoresDir(id, tag));
}

bool SubmissionStore::RecoverScores(std::string_view id) const {
    const fs::path folder = Folder(id);
    bool changed = false;
    for (const auto& name : fs_.List(folder)) {
        if (name.starts_with(kPartialScoresPrefix)) {
            changed = fs_.RemoveAll(folder / name) > 0 || changed;
        } else if (name.starts_with(kOldScoresPrefix)) {
            // A crash between PublishScores' two renames: the old scores are the good ones.
            if (fs_.Kind(ScoresDir(id)) == EntryKind::kNone) {
                fs_.Rename(folder / name, ScoresDir(id));
                fs_.SyncDir(folder);
            } else {
                fs_.RemoveAll(folder / name);
            }
            changed = true;
        }
    }
    return changed;
}

}  // namespace zr::storage
