#include "storage/folder_watch.hpp"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zr::storage {
namespace {

constexpr std::uint32_t kContentEvents =
    IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB;
constexpr std::uint32_t kFolderGone = IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT;

}  // namespace

FolderWatch::FolderWatch(const std::filesystem::path& dir) noexcept {
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) {
        spdlog::warn("profile cache off: inotify: {}", std::strerror(errno));
        return;
    }
    if (::inotify_add_watch(fd_, dir.c_str(), kContentEvents | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR) < 0) {
        spdlog::warn("profile cache off: cannot watch {}: {}", dir.string(), std::strerror(errno));
        Close();
    }
}

FolderWatch::~FolderWatch() { Close(); }

void FolderWatch::Close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool FolderWatch::Changed() noexcept {
    if (fd_ < 0) return true;
    bool changed = false;
    alignas(inotify_event) char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // EAGAIN: nothing (more) queued
        changed = true;
        for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
            inotify_event event;
            std::memcpy(&event, buffer + at, sizeof event);
            if ((event.mask & kFolderGone) != 0) {
                spdlog::warn("profile cache off: the user data folder was moved or deleted");
                Close();
                return true;
            }
            at += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
        }
    }
    return changed;
}

}  // namespace zr::storage
