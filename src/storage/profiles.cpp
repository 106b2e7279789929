#include "storage/profiles.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include "storage/folder_watch.hpp"

namespace zr::storage {
namespace fs = std::filesystem;

namespace {

// The profile in the file at `path`, and whether it may be cached: only a regular file with no
// other name (a symbolic link or a hard link could be changed from outside the watched folder).
std::optional<nlohmann::json> ReadFile(const fs::path& path, bool& cacheable) {
    // open/read/close and a parse from memory: an ifstream and a parse from the stream cost three
    // times as much on GET /users/profile (bench/README.md).
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    cacheable = fd >= 0;
    if (fd < 0 && errno == ELOOP) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    cacheable = cacheable && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1;
    std::string text;
    char chunk[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0) text.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (n < 0) return std::nullopt;
    auto profile = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!profile.is_object()) return std::nullopt;
    return profile;
}

}  // namespace

// One thread's cache. Only that thread uses it.
struct Profiles::Cache {
    // Drops every entry if the folder changed since the last look.
    void Refresh(const FolderWatch& watch) {
        const std::uint64_t now = watch.generation();
        if (now != generation) {
            generation = now;
            entries.clear();
        }
    }

    std::uint64_t generation = 0;  // the watch's, when the entries were read
    std::map<std::string, ProfileSnapshot, std::less<>> entries;
};

namespace {

// Versions of cached snapshots, unique in the process (every thread's cache, every instance).
std::atomic<std::uint64_t> next_version{1};

}  // namespace

Profiles::Profiles(FileSystem& fs, fs::path user_data_dir)
    : fs_(fs),
      dir_(std::move(user_data_dir)),
      watch_(std::make_unique<FolderWatch>(dir_)),
      caches_([] { return std::make_unique<Cache>(); }) {}

Profiles::~Profiles() = default;

fs::path Profiles::Path(std::string_view username) const {
    if (!IsPlainFileName(username)) {
        throw std::invalid_argument("refusing profile path for an unsafe username");
    }
    return dir_ / (std::string(username) + ".json");
}

std::optional<nlohmann::json> Profiles::Read(std::string_view username) const {
    auto snapshot = Snapshot(username);
    if (!snapshot.json) return std::nullopt;
    return *snapshot.json;
}

ProfileSnapshot Profiles::Snapshot(std::string_view username) const {
    auto read = [&](bool& cacheable) -> std::shared_ptr<const nlohmann::json> {
        auto profile = ReadFile(Path(username), cacheable);
        if (!profile) return nullptr;
        return std::make_shared<const nlohmann::json>(std::move(*profile));
    };
    bool cacheable = false;
    if (!watch_->usable()) return {read(cacheable), 0};
    Cache& cache = caches_.Get();
    cache.Refresh(*watch_);
    if (const auto it = cache.entries.find(username); it != cache.entries.end()) return it->second;
    const std::uint64_t generation = cache.generation;
    ProfileSnapshot snapshot{read(cacheable), 0};
    if (snapshot.json && cacheable) {
        // Kept only if nothing changed while the file was read (the change may be this file's).
        cache.Refresh(*watch_);
        if (cache.generation == generation && watch_->usable()) {
            if (cache.entries.size() >= kCacheSize) cache.entries.clear();
            snapshot.version = next_version++;
            cache.entries.insert_or_assign(std::string(username), snapshot);
        }
    }
    return snapshot;
}

void Profiles::Write(std::string_view username, const nlohmann::json& profile) const {
    // Readers never see a torn file; the profile survives a crash once Write returned.
    WriteFileAtomically(fs_, Path(username), profile.dump());
    watch_->Touch();  // every thread's next read sees it, without waiting for the watch's thread
}

std::optional<fs::path> ResolveUnder(const fs::path& root, std::string_view relative) {
    if (relative.empty() || relative.front() == '/' || relative.find('\0') != std::string_view::npos ||
        relative.find('\\') != std::string_view::npos) {
        return std::nullopt;
    }
    fs::path rel(relative);
    for (const auto& part : rel) {
        if (part == "..") return std::nullopt;
    }
    std::error_code ec;
    const fs::path canonical_root = fs::weakly_canonical(root, ec);
    if (ec) return std::nullopt;
    const fs::path candidate = fs::weakly_canonical(canonical_root / rel, ec);
    if (ec) return std::nullopt;
    // After resolving symlinks the file must still be inside the root.
    auto [root_end, unused] =
        std::mismatch(canonical_root.begin(), canonical_root.end(), candidate.begin(), candidate.end());
    if (root_end != canonical_root.end()) return std::nullopt;
    if (!fs::is_regular_file(candidate, ec)) return std::nullopt;
    return candidate;
}

}  // namespace zr::storage
