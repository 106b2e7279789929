#include "worker/scratch.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace zr::worker {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kLockSuffix = ".lock";

std::string Errno() { return std::strerror(errno); }

// An open descriptor of `path` holding its exclusive flock, or -1 when another process holds it
// (or the file cannot be opened).
int TryLock(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Whether `fd` is still the file at `path` (a sweeper may have unlinked it before we locked it).
bool StillThere(int fd, const fs::path& path) {
    struct stat opened {};
    struct stat named {};
    return ::fstat(fd, &opened) == 0 && ::stat(path.c_str(), &named) == 0 && opened.st_ino == named.st_ino &&
           opened.st_dev == named.st_dev;
}

void RemoveQuietly(const fs::path& path) {
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) spdlog::warn("worker scratch: cannot remove {}: {}", path.string(), ec.message());
}

}  // namespace

std::shared_ptr<ScratchSpace> ScratchSpace::ForProcess(const fs::path& dir) {
    static std::mutex mutex;
    static std::map<fs::path, std::weak_ptr<ScratchSpace>> spaces;
    std::lock_guard lock(mutex);
    auto& slot = spaces[dir];
    if (auto space = slot.lock()) return space;
    auto space = std::make_shared<ScratchSpace>(dir);
    slot = space;
    return space;
}

ScratchSpace::ScratchSpace(fs::path dir) : dir_(std::move(dir)), own_(dir_ / std::to_string(::getpid())) {
    fs::create_directories(dir_);
    Sweep();
    Lock();
    fs::create_directories(own_);
    if (swept_ > 0)
        spdlog::info("worker scratch: removed {} copies left by ended workers in {}", swept_, dir_.string());
}

ScratchSpace::~ScratchSpace() {
    RemoveQuietly(own_);
    std::error_code ec;
    fs::remove(fs::path(own_.string() + std::string(kLockSuffix)), ec);
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

void ScratchSpace::Sweep() {
    std::error_code ec;
    std::vector<fs::path> folders;
    std::vector<fs::path> locks;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
        const fs::path& path = entry.path();
        if (path.extension() == kLockSuffix) {
            locks.push_back(path);
        } else {
            folders.push_back(path);
        }
    }
    if (ec) throw std::runtime_error("cannot list " + dir_.string() + ": " + ec.message());
    // A lock nobody holds: its process ended. Its folder goes first, then the lock, both while we
    // hold it (a process that opened the file meanwhile sees it unlinked and makes a new one).
    for (const auto& lock : locks) {
        const int fd = TryLock(lock, 0);
        if (fd < 0) continue;
        fs::path folder = lock;
        folder.replace_extension();
        if (fs::exists(folder, ec)) {
            RemoveQuietly(folder);
            ++swept_;
        }
        fs::remove(lock, ec);
        ::close(fd);
    }
    // A folder without a lock: an ended process's (locks are made before folders and removed
    // after them) or a copy of the earlier layout.
    for (const auto& folder : folders) {
        if (fs::exists(folder.string() + std::string(kLockSuffix), ec) || !fs::exists(folder, ec)) continue;
        RemoveQuietly(folder);
        ++swept_;
    }
}

void ScratchSpace::Lock() {
    const fs::path path = own_.string() + std::string(kLockSuffix);
    for (int attempt = 0; attempt < 10; ++attempt) {
        const int fd = TryLock(path, O_CREAT);
        if (fd < 0) throw std::runtime_error("cannot lock " + path.string() + ": " + Errno());
        if (StillThere(fd, path)) {
            lock_fd_ = fd;
            return;
        }
        ::close(fd);  // a sweeper removed it between our open and our lock: make it again
    }
    throw std::runtime_error("cannot lock " + path.string() + ": removed again and again");
}

fs::path ScratchSpace::Area() {
    fs::path area = own_ / std::to_string(next_area_++);
    fs::create_directories(area);
    return area;
}

}  // namespace zr::worker
