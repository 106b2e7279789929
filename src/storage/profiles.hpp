#pragma once
// User profiles on disk: USER_DATA_DIR/<username>.json, {"username","affiliation","first_name",
// "last_name", ...extra keys}. The only code that knows this layout.
//
// Usernames reaching this class must be valid (accounts::IsValidUsername); Path() refuses anything
// that is not a plain file name (IsPlainFileName). Writes go to a temporary file then rename (no torn profile).
// Thread-safety: safe for different usernames; concurrent writes to one profile: last one wins.
//
// Profiles read are kept in memory (at most kCacheSize per thread) and reused until anything in
// the folder changes (FolderWatch): a profile written through this object is read again by the
// next Read() on any thread; one written by another process (the admin CLI, an editor) as soon as
// the watch has counted it (normally well under a millisecond). Each thread that reads has a cache
// of its own, so that IO threads never wait for each other here (a shared cache's mutex, held
// across a system call, made them queue behind a preempted holder: bench/README.md).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/file_system.hpp"
#include "common/per_thread.hpp"
#include "storage/folder_watch.hpp"

namespace zr::storage {

// A profile as read. `json` is null when the file is absent or not a JSON object. `version` is
// non-zero when the read came from (or went into) the cache: while Snapshot() answers the same
// non-zero version the content is the same, so what a caller derived from it may be kept under
// that version (the profile routes keep their JSON text so). 0: derive again next time.
struct ProfileSnapshot {
    std::shared_ptr<const nlohmann::json> json;
    std::uint64_t version = 0;
};

class Profiles {
public:
    static constexpr std::size_t kCacheSize = 4096;

    // `fs` (every write goes through it) must outlive the object.
    Profiles(FileSystem& fs, std::filesystem::path user_data_dir);
    ~Profiles();
    Profiles(const Profiles&) = delete;
    Profiles& operator=(const Profiles&) = delete;
    // The profile object, or nullopt if the file is absent or not a JSON object.
    std::optional<nlohmann::json> Read(std::string_view username) const;
    // The same, shared with the cache (no copy), with its version.
    ProfileSnapshot Snapshot(std::string_view username) const;
    // Replaces the profile file atomically and durably. Throws FileError on I/O failure,
    // zr::Error::OutOfSpace on a full disk.
    void Write(std::string_view username, const nlohmann::json& profile) const;

private:
    struct Cache;
    std::filesystem::path Path(std::string_view username) const;

    FileSystem& fs_;
    std::filesystem::path dir_;
    std::unique_ptr<FolderWatch> watch_;  // one for every thread's cache
    PerThread<Cache> caches_;             // the calling thread's, made on its first read
};

// Resolves a client-supplied path under a root folder. Returns nullopt for anything that would
// leave the root (.., absolute paths, symlinks pointing outside) or is not a regular file.
std::optional<std::filesystem::path> ResolveUnder(const std::filesystem::path& root, std::string_view relative);

}  // namespace zr::storage
