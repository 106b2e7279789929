#pragma once
// Submission folders on disk (data.md): SUBMISSION_DIR/<submission_id>/ with info.json,
// upload.lock, archive.hash (single-part), tmp/upload.json + tmp/<part> (multipart), input.zip,
// input/, scores/, out.log, and scores_history/<name>/scores/ for earlier score versions kept
// when the submission is evaluated again. The only code that knows this layout.
//
// Submission ids reaching this class must be plain names (Folder() throws std::invalid_argument
// otherwise). I/O failures throw std::runtime_error (std::filesystem::filesystem_error included).
// Thread-safety: const methods touch only the file system; callers serialise writers of one
// submission's manifest/log (the service holds a per-submission mutex).
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"

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
};

// "[YYYY-MM-DD HH:MM:SS] text" (local time), the out.log line form.
std::string LogLine(TimePoint when, std::string_view text);

class SubmissionStore {
public:
    static constexpr std::string_view kSpoolPrefix = ".upload-";
    static constexpr std::string_view kSpoolSuffix = ".part";

    explicit SubmissionStore(std::filesystem::path submission_dir);
    const std::filesystem::path& root() const { return root_; }

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

    // Creates the whole folder under a hidden staging name (".staging-<id>"): info.json, scores/,
    // input/, upload.lock, out.log header, tmp/upload.json or archive.hash. Paths written inside
    // (manifest locations) are the final ones. Publish() then renames it to its final name.
    void CreateStaging(const NewSubmissionFolder& folder) const;
    void Publish(std::string_view id) const;
    // Removes a staging folder (no error if absent).
    void DiscardStaging(std::string_view id) const;
    // Removes every leftover staging folder; returns how many.
    int RemoveStaleStaging() const;

    // info.json, nullopt if absent or not a JSON object.
    std::optional<nlohmann::json> ReadInfo(std::string_view id) const;
    // archive.hash (trimmed), nullopt if absent.
    std::optional<std::string> ReadArchiveHash(std::string_view id) const;
    // tmp/upload.json, nullopt if absent; throws std::runtime_error if malformed.
    std::optional<UploadManifest> ReadManifest(std::string_view id) const;
    // Atomic replace (temporary file + fsync + rename).
    void WriteManifest(std::string_view id, const UploadManifest& manifest) const;

    bool HasUploadLock(std::string_view id) const;
    void RemoveUploadLock(std::string_view id) const;

    // Appends LogLine(when, text) + '\n' to out.log (created if absent).
    void AppendLog(std::string_view id, TimePoint when, std::string_view text) const;
    // out.log split in lines; empty if absent.
    std::vector<std::string> ReadLog(std::string_view id) const;

    // Extraction target and merge target, published by PublishInput / PublishArchive.
    std::filesystem::path PartialInputDir(std::string_view id) const { return Folder(id) / "input.partial"; }
    std::filesystem::path PartialArchivePath(std::string_view id) const { return Folder(id) / "input.zip.partial"; }
    // Replaces input/ with input.partial/.
    void PublishInput(std::string_view id) const;
    // Renames input.zip.partial to input.zip.
    void PublishArchive(std::string_view id) const;

    // Appends `text` as is to out.log (created if absent) in one append-mode write, adding a '\n'
    // when it does not end with one (evaluator output sent by remote workers in whole lines).
    void AppendRawLog(std::string_view id, std::string_view text) const;

    // A fresh staging folder name for scores received from a remote worker ("scores.partial-<tag>",
    // inside the submission folder, so that PublishScores is a rename); `tag` must be a plain name.
    std::filesystem::path PartialScoresDir(std::string_view id, std::string_view tag) const;
    // Replaces scores/ with PartialScoresDir(id, tag): the old scores/ is renamed away first and
    // removed after, so scores/ is never half-written.
    void PublishScores(std::string_view id, std::string_view tag) const;

    // Removes spool leftovers (".upload-*.part") from tmp/; returns how many.
    int RemoveSpoolFiles(std::string_view id) const;
    // Removes the received parts (every file of tmp/ but upload.json).
    void RemoveParts(std::string_view id) const;

    // The JSON of a file inside the submission folder (relative path, resolved without leaving the
    // folder); nullopt if absent, outside, or not valid JSON.
    std::optional<nlohmann::json> ReadJsonFile(std::string_view id, std::string_view relative) const;

    // --- Score versions (submission_store_scores.cpp) ---------------------------------------------
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
    std::filesystem::path root_;
};

// Same rule as submissions::IsPlainFileName: 1-255 bytes, no '/', '\\', NUL, "..", no leading '.'.
bool IsPlainName(std::string_view name);

}  // namespace zr::storage
