#pragma once
// User profiles on disk: USER_DATA_DIR/<username>.json, {"username","affiliation","first_name",
// "last_name", ...extra keys}. The only code that knows this layout.
//
// Usernames reaching this class must be valid (accounts::IsValidUsername); Path() refuses anything
// that is not a plain file name (IsPlainFileName). Writes go to a temporary file then rename (no torn profile).
// Thread-safety: safe for different usernames; concurrent writes to one profile: last one wins.
//
// Profiles read are kept in memory (at most kCacheSize per thread) and reused until anything in
// the folder changes (FolderWatch): a profile written by this process, the admin CLI or an editor
// is read again by the next Read(). Each thread that reads has a cache and a watch of its own, so
// that IO threads never wait for each other here (a shared cache's mutex, held across the watch's
// system call, made them queue behind a preempted holder: bench/README.md).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <thread>

#include "common/file_system.hpp"

namespace zr::storage {

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
    // Replaces the profile file atomically and durably. Throws FileError on I/O failure,
    // zr::Error::OutOfSpace on a full disk.
    void Write(std::string_view username, const nlohmann::json& profile) const;

private:
    struct Cache;
    std::filesystem::path Path(std::string_view username) const;
    // The calling thread's cache, created on its first Read().
    Cache& ThreadCache() const;

    FileSystem& fs_;
    std::filesystem::path dir_;
    const std::uint64_t serial_;  // unique per instance, never reused: the key of ThreadCache()'s memo
    mutable std::mutex caches_mutex_;
    mutable std::map<std::thread::id, std::unique_ptr<Cache>> caches_;  // guarded by caches_mutex_
};

// Resolves a client-supplied path under a root folder. Returns nullopt for anything that would
// leave the root (.., absolute paths, symlinks pointing outside) or is not a regular file.
std::optional<std::filesystem::path> ResolveUnder(const std::filesystem::path& root, std::string_view relative);

}  // namespace zr::storage
