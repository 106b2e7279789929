#pragma once
// The archive to upload and its parts: size parsing, md5s, splitting into "<name>.partN" files.
//
// Everything here reads and writes files in fixed-size chunks: memory does not grow with the
// archive. Functions are thread-compatible (no shared state).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace zr::client {

// A local failure of the uploader (unreadable archive, bad option value, ...); the message is
// printed as "zr: <message>".
class SubmitError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// "500M" -> 524288000. A positive integer with an optional unit K, M, G or T (powers of 1024, as
// the first implementation's 500 MB parts of 524288000 bytes), optionally followed by "B" or
// "iB", any case. SubmitError otherwise.
std::uint64_t ParseSize(std::string_view text);

// One piece of the upload, as the submission manifest ("index") describes it.
struct PartInfo {
    std::string file_name;
    std::uint64_t file_size = 0;
    std::string file_hash;  // lower-case hex md5

    bool operator==(const PartInfo&) const = default;
};

// What identifies the archive on disk; md5 is empty until computed.
struct ArchiveInfo {
    std::filesystem::path path;  // absolute
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;  // last modification, nanoseconds since the epoch
    std::string md5;

    bool operator==(const ArchiveInfo&) const = default;
};

// Path made absolute, size and modification time of a regular file (md5 left empty).
// SubmitError naming the file when it is missing, unreadable or not a regular file.
ArchiveInfo StatArchive(const std::filesystem::path& path);

struct PreparedArchive {
    std::string md5;              // of the whole archive
    bool multipart = false;       // size > part size
    std::vector<PartInfo> parts;  // single-part: one entry named after the archive
};

// Reads the archive once, computing its md5. When its size exceeds `part_size` (> 0), also writes
// the parts "<archive file name>.part0", ".part1", ... of `part_size` bytes (the last one
// shorter) into `folder` (created if needed, existing part files overwritten), each with its size
// and md5; otherwise writes nothing. `stop` is polled between chunks: nullopt when it became true
// (part files written so far stay). SubmitError on I/O errors or when the archive's size changed
// while reading.
std::optional<PreparedArchive> PrepareArchive(const ArchiveInfo& archive, std::uint64_t part_size,
                                              const std::filesystem::path& folder, const std::atomic<bool>& stop);

// True when every part file exists in `folder` with its recorded size (md5s are not re-read).
bool PartFilesPresent(const std::vector<PartInfo>& parts, const std::filesystem::path& folder);

}  // namespace zr::client
