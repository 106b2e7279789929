#pragma once
// Internal to zr_leaderboards: the file side of building a leaderboard — reading external entries
// (json/yaml) and submissions' entry files, and the lock around writing the built file (written
// through the FileSystem: common/file_system.hpp WriteFileAtomically).
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace zr::leaderboards::detail {

struct Collected {
    std::vector<nlohmann::json> entries;
    std::size_t skipped = 0;  // files (or list items) that were not JSON objects
};

// Every *.json / *.yaml / *.yml regular file directly in `folder`, in file-name order; each holds
// an object or a list of objects. Unreadable or malformed files (and non-object items) are skipped
// and logged. A missing folder gives nothing (logged).
Collected ReadExternalEntries(const std::filesystem::path& folder);

// A YAML document as JSON: plain scalars become null/bool/integer/float when they read as such
// (YAML 1.2 core schema), quoted ones stay strings. Throws std::runtime_error (YAML::Exception),
// also when aliases expand the document beyond its size in bytes + 10 000 nodes or nest it deeper
// than 2 000 levels (an alias inside its own anchor).
nlohmann::json YamlToJson(const std::string& text);

// The JSON object in `relative` inside `folder`, which must not be left (no "..", absolute path or
// symlink out of it); nullopt when absent, outside, unreadable or not a JSON object.
std::optional<nlohmann::json> ReadEntryObject(const std::filesystem::path& folder, const std::string& relative);

// Exclusive flock on a file (created if absent) for the lifetime of the object; blocks until
// granted. Throws std::system_error.
class FileLock {
public:
    explicit FileLock(const std::filesystem::path& path);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int fd_ = -1;
};

// A relative path made only of normal components (no "..", ".", empty, or leading '/').
bool IsSafeRelativePath(const std::string& path);

}  // namespace zr::leaderboards::detail
