#pragma once
// Safe extraction of submitted zip archives (libzip).
//
// Refused (UnzipRefused, the message is the reason for the submission's out.log): a file that is
// not a readable zip; an entry with an absolute path (leading '/' or '\\', or a drive letter), a
// ".." component, a symbolic link or device/fifo/socket (Unix external attributes); a duplicate
// entry; a corrupt entry (CRC); more than max_entries entries; more than max_bytes written in
// all; more than max_ratio times the archive's size written (checked only beyond 1 MiB so that
// tiny archives of text are not refused). Byte limits count the bytes actually decompressed,
// whatever the archive declares. Nothing is ever written outside `destination`.
// Thread-safety: independent calls may run concurrently.
#include <cstdint>
#include <filesystem>
#include <stdexcept>

#include "common/file_system.hpp"

namespace zr::storage {

class UnzipRefused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct UnzipLimits {
    std::uint64_t max_bytes = 50ull * 1024 * 1024 * 1024;
    std::uint64_t max_entries = 100000;
    std::uint64_t max_ratio = 200;
};

struct UnzipResult {
    std::uint64_t entries = 0;  // files and folders created
    std::uint64_t bytes = 0;    // bytes written
};

// Extracts `archive` into `destination`, which must not exist (created here), writing through
// `fs`; the extracted files are durable (synced) when it returns. On any failure (UnzipRefused for
// a bad/dangerous archive; FileError, or zr::Error::OutOfSpace, for an I/O error on our side)
// `destination` is removed before the exception leaves.
UnzipResult ExtractZip(FileSystem& fs, const std::filesystem::path& archive, const std::filesystem::path& destination,
                       const UnzipLimits& limits);

}  // namespace zr::storage
