#pragma once
// The uploader's checkpoint: what `zr submit` needs to resume an interrupted upload.
//
// A JSON file (default "<archive>.zr-submit.json") holding the API URL, the challenge, the
// submission id once created, the archive's identity (path, size, mtime, md5), the part size and
// each part with whether the server confirmed it. Written atomically (temporary file + rename),
// so a crash leaves either the previous or the new version.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "client/parts.hpp"

namespace zr::client {

struct PartState {
    PartInfo info;
    bool done = false;

    bool operator==(const PartState&) const = default;
};

struct Checkpoint {
    std::string url;
    std::int64_t challenge_id = 0;
    std::string submission_id;  // empty until the server created the submission
    ArchiveInfo archive;        // with its md5
    std::uint64_t part_size = 0;
    bool multipart = false;
    std::filesystem::path parts_folder;  // where the part files are (multipart only)
    std::vector<PartState> parts;

    bool operator==(const Checkpoint&) const = default;
    // Parts not yet confirmed, in manifest order.
    std::vector<PartInfo> Pending() const;
    std::size_t DoneCount() const;
    // Marks the named part done; false when no part has that name.
    bool MarkDone(const std::string& file_name);
    // Where the bytes of `part` are read from: the part file, or the archive when single-part.
    std::filesystem::path PathOf(const PartInfo& part) const;
};

// "<archive>.zr-submit.json" beside the archive.
std::filesystem::path DefaultCheckpointPath(const std::filesystem::path& archive);
// The folder for the part files beside a checkpoint: its path without ".json", plus ".parts".
std::filesystem::path PartsFolderFor(const std::filesystem::path& checkpoint);

nlohmann::json ToJson(const Checkpoint& checkpoint);
// SubmitError when a field is missing or of the wrong type.
Checkpoint CheckpointFromJson(const nlohmann::json& json);

// Writes `path` atomically (temporary file beside it, flushed, renamed). SubmitError on failure.
void SaveCheckpoint(const Checkpoint& checkpoint, const std::filesystem::path& path);
// nullopt when there is no file; SubmitError when it exists but cannot be read or parsed.
std::optional<Checkpoint> LoadCheckpoint(const std::filesystem::path& path);

// True when `checkpoint` describes the same upload: same URL, challenge and archive (path, size,
// modification time; the md5 is not recomputed).
bool SameUpload(const Checkpoint& checkpoint, const std::string& url, std::int64_t challenge_id,
                const ArchiveInfo& archive);

}  // namespace zr::client
