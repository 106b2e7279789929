#pragma once
// Submission folders on disk (data.md): SUBMISSION_DIR/<submission_id>/ with info.json,
// upload.lock, archive.hash (single-part), tmp/upload.json + tmp/<part> (multipart), input.zip,
// input/, scores/, out.log, and scores_history/<name>/scores/ for earlier score versions kept
// when the submission is evaluated again. The only code that knows this layout, and the only code
// that writes in these folders: every write goes through the FileSystem it was given.
//
// Durability: what a caller is told is done survives a crash — a stored part, the merged archive,
// the extracted input/, published scores (file data synced, then the rename, then the folder).
// Work in progress uses hidden or partial names (".staging-<id>", tmp/.upload-*.part,
// input.zip.partial, input.partial/, scores.partial-*, ".<name>.tmp-*"); RemoveLeftovers and
// RecoverScores put a folder back in order after a crash.
//
// Submission ids and part names reaching this class must be plain file names (IsPlainFileName;
// std::invalid_argument otherwise). I/O failures throw FileError; a full disk throws
// zr::Error::OutOfSpace (file_system.hpp).
// Thread-safety: methods touch only the file system; callers serialise the writers of one
// submission (the submissions module holds a per-submission mutex).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_system.hpp"
#include "common/time.hpp"
#include "storage/zip_extract.hpp"

namespace zr::storage {

// One item of the manifest's "index" / "received" lists.
struct ManifestPart {
    std::string file_name;
    std::uint64_t file_size = 0;
    std::string file_hash;
};

// tmp/upload.json, in the first implementation's shape:
// {"store_location","merge_hash","index":[...],"received":[...],"multipart","hashed_parts",
//  "target_location"}.
struct UploadManifest {
    std::string store_location;  // absolute path of tmp/
    std::string merge_hash;      // md5 of the whole archive
    std::vector<ManifestPart> index;
    std::vector<ManifestPart> received;
    bool multipart = true;
    bool hashed_parts = true;
    std::string target_location;  // absolute path of input.zip
};
nlohmann::json ToJson(const UploadManifest& manifest);
// Throws std::runtime_error naming the missing/mistyped key.
UploadManifest ManifestFromJson(const nlohmann::json& json);

// What a new folder holds.
struct NewSubmissionFolder {
    std::string submission_id;
    std::string username;
    std::string track_label;
    TimePoint created;
    bool multipart = false;
    std::string archive_hash;         // single-part: written to archive.hash
    std::vector<ManifestPart> index;  // multipart: the manifest's index
    nlohmann::json extra_info;        // keys added to info.json (an object; null: none)
};

// "[YYYY-MM-DD HH:MM:SS] text" (local time), the out.log line form.
std::string LogLine(TimePoint when, std::string_view text);

class SubmissionStore {
public:
    // `fs` must outlive the store.
    SubmissionStore(FileSystem& fs, const std::filesystem::path& submission_dir);
    const std::filesystem::path& root() const { return root_; }
    FileSystem& file_system() const { return fs_; }

    std::filesystem::path Folder(std::string_view id) const;
    std::filesystem::path LockPath(std::string_view id) const { return Folder(id) / "upload.lock"; }
    std::filesystem::path ArchiveHashPath(std::string_view id) const { return Folder(id) / "archive.hash"; }
    std::filesystem::path ArchivePath(std::string_view id) const { return Folder(id) / "input.zip"; }
    std::filesystem::path TmpDir(std::string_view id) const { return Folder(id) / "tmp"; }
    std::filesystem::path ManifestPath(std::string_view id) const { return TmpDir(id) / "upload.json"; }
    std::filesystem::path InputDir(std::string_view id) const { return Folder(id) / "input"; }
    std::filesystem::path ScoresDir(std::string_view id) const { return Folder(id) / "scores"; }
    std::filesystem::path LogPath(std::string_view id) const { return Folder(id) / "out.log"; }
    // tmp/<part_name>; part_name must be a plain name (std::invalid_argument otherwise).
    std::filesystem::path PartPath(std::string_view id, std::string_view part_name) const;

    bool Exists(std::string_view id) const;

    // --- Creation --------------------------------------------------------------------------------
    // Creates the whole folder under a hidden staging name (".staging-<id>"): info.json, scores/,
    // input/, upload.lock, out.log header, tmp/upload.json or archive.hash, all synced. Paths
    // written inside (manifest locations) are the final ones. Publish() then renames it to its
    // final name (durably).
    void CreateStaging(const NewSubmissionFolder& folder) const;
    void Publish(std::string_view id) const;
    // Removes a staging folder (no error if absent).
    void DiscardStaging(std::string_view id) const;
    // Publish undone (the folder back under its staging name, synced): the first step of removing
    // a submission, so that a crash before its row is gone leaves what RecoverStaging publishes
    // again, and one after it what RecoverStaging removes.
    void Unpublish(std::string_view id) const;
    // After a crash: publishes each staging folder whose submission `exists` (its row was
    // committed), removes the others. Returns {published, removed}.
    std::pair<int, int> RecoverStaging(const std::function<bool(std::string_view id)>& exists) const;

    // --- Reading ---------------------------------------------------------------------------------
    // info.json, nullopt if absent or not a JSON object.
    std::optional<nlohmann::json> ReadInfo(std::string_view id) const;
    // archive.hash (trimmed), nullopt if absent.
    std::optional<std::string> ReadArchiveHash(std::string_view id) const;
    // tmp/upload.json, nullopt if absent; throws std::runtime_error if malformed.
    std::optional<UploadManifest> ReadManifest(std::string_view id) const;
    // The md5 the whole archive must have, lower-case: archive.hash (single-part) or the
    // manifest's merge_hash (multipart); nullopt when the folder has neither.
    std::optional<std::string> ExpectedArchiveMd5(std::string_view id) const;
    bool HasUploadLock(std::string_view id) const;
    // out.log split in lines; empty if absent.
    std::vector<std::string> ReadLog(std::string_view id) const;
    // The JSON of a file inside the submission folder (relative path, resolved without leaving the
    // folder); nullopt if absent, outside, or not valid JSON.
    std::optional<nlohmann::json> ReadJsonFile(std::string_view id, std::string_view relative) const;

    // --- Receiving parts -------------------------------------------------------------------------
    // A new spool file in tmp/ (created if needed) for a part being received.
    SpoolFile NewSpoolFile(std::string_view id) const;
    // Removes a spool file (clean-up: never throws).
    void DiscardSpoolFile(const std::filesystem::path& path) const;
    // Moves a received (synced) spool file to tmp/<part_name>, replacing an earlier copy, durably.
    void StorePart(std::string_view id, std::string_view part_name, const std::filesystem::path& spooled) const;
    // Moves a received (synced) spool file to input.zip (single-part), durably.
    void StoreArchive(std::string_view id, const std::filesystem::path& spooled) const;
    // Atomic replace (temporary file + fsync + rename + fsync of tmp/).
    void WriteManifest(std::string_view id, const UploadManifest& manifest) const;
    // Removes upload.lock (durably): the submission accepts no more parts.
    void RemoveUploadLock(std::string_view id) const;
    // Whether tmp/ holds every part of the manifest's index.
    bool HasAllParts(std::string_view id, const UploadManifest& manifest) const;

    // --- Completing an upload --------------------------------------------------------------------
    // Concatenates the index's parts (in order) into input.zip through input.zip.partial (synced,
    // then renamed), returning the md5 of the result. The parts stay.
    std::string MergeParts(std::string_view id, const UploadManifest& manifest) const;
    // The md5 of input.zip (after a crash that left it merged but not extracted).
    std::string ArchiveMd5(std::string_view id) const;
    bool HasArchive(std::string_view id) const;
    // Copies a local archive to input.zip (admin creation), durably; returns its size.
    std::uint64_t ImportArchive(std::string_view id, const std::filesystem::path& source) const;
    // Extracts input.zip into input.partial/ (synced), then replaces input/ with it.
    UnzipResult ExtractInput(std::string_view id, const UnzipLimits& limits) const;
    // Removes the received parts (every file of tmp/ but upload.json).
    void RemoveParts(std::string_view id) const;
    // Removes what a crash or a failed step left in the folder: spool files, partial merge and
    // extraction, temporary manifests, and (when scores/ is present) partial scores. Returns how
    // many entries it removed. Never throws.
    int RemoveLeftovers(std::string_view id) const;

    // --- Logs ------------------------------------------------------------------------------------
    // Appends LogLine(when, text) + '\n' to out.log (created if absent). Throws.
    void AppendLog(std::string_view id, TimePoint when, std::string_view text) const;
    // AppendLog for a line after the fact (the step it reports is done): a failure is logged, not
    // thrown. Returns whether the line was written.
    bool TryAppendLog(std::string_view id, TimePoint when, std::string_view text) const noexcept;
    // Appends `text` as is to out.log (created if absent) in one append-mode write, adding a '\n'
    // when it does not end with one (evaluator output sent by remote workers in whole lines).
    void AppendRawLog(std::string_view id, std::string_view text) const;

    // --- Scores sent by remote workers -----------------------------------------------------------
    // Extracts a received scores zip into a fresh staging folder ("scores.partial-<tag>", synced)
    // and returns its tag, for PublishScores. The staging folder is removed on failure.
    std::string StageScores(std::string_view id, const std::filesystem::path& zip, const UnzipLimits& limits,
                            UnzipResult* result) const;
    // Replaces scores/ with the staged folder: the old scores/ is renamed away first and removed
    // after, so scores/ is never half-written.
    void PublishScores(std::string_view id, std::string_view tag) const;
    // Removes a staged scores folder (clean-up: never throws).
    void DiscardStagedScores(std::string_view id, std::string_view tag) const;
    // After a crash during PublishScores: puts scores/ back from "scores.old-*" when it is
    // missing, and removes staging leftovers. Returns whether anything was changed.
    bool RecoverScores(std::string_view id) const;

    // --- Score versions (submission_store_scores.cpp) --------------------------------------------
    // A version kept aside lives in scores_history/<name>/scores/, so that a path relative to the
    // submission folder ("scores/entry.json") resolves under ScoresHistoryRoot(id, name) as it does
    // under Folder(id). `name` must be a plain name (std::invalid_argument otherwise).
    std::filesystem::path ScoresHistoryRoot(std::string_view id, std::string_view name) const;
    // scores_history/<name>/scores/: the kept scores/ folder.
    std::filesystem::path KeptScoresDir(std::string_view id, std::string_view name) const;
    // KeptScoresDir exists (false for a name that is not plain).
    bool HasScoresInHistory(std::string_view id, std::string_view name) const;
    // scores/ exists and holds at least one entry.
    bool HasScores(std::string_view id) const;
    // Moves scores/ to scores_history/<name>/scores in one rename (never a half copy), then creates
    // an empty scores/ and syncs both folders. Returns false, moving nothing, when scores/ is
    // absent or empty. Throws std::runtime_error when scores_history/<name>/scores exists already,
    // or on an I/O error (scores/ is then where it was).
    bool KeepScoresAside(std::string_view id, std::string_view name) const;
    // Undoes KeepScoresAside (a queuing that did not commit): moves scores_history/<name>/scores
    // back to scores/ when scores/ is absent or empty. Returns whether it did; never throws.
    bool RestoreScores(std::string_view id, std::string_view name) const;
    // As ReadJsonFile, resolved under ScoresHistoryRoot(id, name) (nullopt for a name that is not
    // plain).
    std::optional<nlohmann::json> ReadJsonFileInHistory(std::string_view id, std::string_view name,
                                                        std::string_view relative) const;

private:
    std::filesystem::path StagingFolder(std::string_view id) const;
    std::filesystem::path PartialArchivePath(std::string_view id) const { return Folder(id) / "input.zip.partial"; }
    std::filesystem::path PartialInputDir(std::string_view id) const { return Folder(id) / "input.partial"; }
    std::filesystem::path PartialScoresDir(std::string_view id, std::string_view tag) const;
    std::filesystem::path OldScoresDir(std::string_view id, std::string_view tag) const;
    // The JSON of `relative` under `root` (ReadJsonFile's rules).
    std::optional<nlohmann::json> ReadJsonUnder(const std::filesystem::path& root, std::string_view relative) const;
    // Writes a whole new file (not atomically: inside a staging folder), synced.
    void WriteNewFile(const std::filesystem::path& path, std::string_view content) const;

    FileSystem& fs_;
    std::filesystem::path root_;
};

}  // namespace zr::storage
