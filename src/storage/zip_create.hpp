#pragma once
// Zipping a folder (libzip), for the scores a remote worker sends back.
// Thread-safety: independent calls may run concurrently.
#include <cstdint>
#include <filesystem>

namespace zr::storage {

struct ZipCreated {
    std::uint64_t entries = 0;  // files and folders stored
    std::uint64_t skipped = 0;  // symbolic links and special files left out
};

// Writes `archive` (replaced if present) holding every file and folder under `folder`, with names
// relative to it ("a.json", "sub/", "sub/b.txt"). Symbolic links are never followed nor stored
// (a receiver would refuse them), nor are devices, fifos or sockets: they are counted in skipped.
// `archive` must not be inside `folder`. Throws std::runtime_error naming the failing path; a
// partial archive is removed.
ZipCreated CreateZip(const std::filesystem::path& folder, const std::filesystem::path& archive);

}  // namespace zr::storage
