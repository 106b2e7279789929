#include "storage/profiles.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
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

// One thread's cache. Only that thread uses it after ThreadCache() created it.
struct Profiles::Cache {
    explicit Cache(const fs::path& dir) : watch(dir) {}

    // Drops every entry if the folder changed since the last look.
    void Refresh() {
        if (watch.Changed()) {
            ++generation;
            entries.clear();
        }
    }

    FolderWatch watch;
    std::uint64_t generation = 0;  // counts the changes seen
    std::map<std::string, nlohmann::json, std::less<>> entries;
};

namespace {

std::atomic<std::uint64_t> next_serial{1};

}  // namespace

Profiles::Profiles(FileSystem& fs, fs::path user_data_dir)
    : fs_(fs), dir_(std::move(user_data_dir)), serial_(next_serial++) {}

Profiles::~Profiles() = default;

Profiles::Cache& Profiles::ThreadCache() const {
    // The caches this thread used last, by instance serial: no lock on the way of a request (a
    // server has one Profiles; tests make many, one after the other).
    thread_local std::array<std::pair<std::uint64_t, Cache*>, 4> memo{};
    thread_local std::size_t memo_next = 0;
    for (const auto& [serial, cache] : memo) {
        if (serial == serial_) return *cache;
    }
    Cache* cache = nullptr;
    {
        std::lock_guard lock(caches_mutex_);
        auto& slot = caches_[std::this_thread::get_id()];
        if (!slot) slot = std::make_unique<Cache>(dir_);
        cache = slot.get();
    }
    memo[memo_next] = {serial_, cache};
    memo_next = (memo_next + 1) % memo.size();
    return *cache;
}

fs::path Profiles::Path(std::string_view username) const {
    if (!IsPlainFileName(username)) {
        throw std::invalid_argument("refusing profile path for an unsafe username");
    }
    return dir_ / (std::string(username) + ".json");
}

std::optional<nlohmann::json> Profiles::Read(std::string_view username) const {
    Cache& cache = ThreadCache();
    if (!cache.watch.usable()) {
        bool cacheable = false;
        return ReadFile(Path(username), cacheable);
    }
    cache.Refresh();
    if (const auto it = cache.entries.find(username); it != cache.entries.end()) return it->second;
    const std::uint64_t generation = cache.generation;
    bool cacheable = false;
    auto profile = ReadFile(Path(username), cacheable);
    if (profile && cacheable) {
        // Kept only if nothing changed while the file was read (the change may be this file's).
        cache.Refresh();
        if (cache.generation == generation) {
            if (cache.entries.size() >= kCacheSize) cache.entries.clear();
            cache.entries.insert_or_assign(std::string(username), *profile);
        }
    }
    return profile;
}

void Profiles::Write(std::string_view username, const nlohmann::json& profile) const {
    // Readers never see a torn file; the profile survives a crash once Write returned.
    WriteFileAtomically(fs_, Path(username), profile.dump());
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
