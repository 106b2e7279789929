#include "storage/folder_watch.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace zr::storage {
namespace {

constexpr std::uint32_t kContentEvents =
    IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB;
constexpr std::uint32_t kFolderGone = IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT;

void CloseFd(int& fd) noexcept {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

FolderWatch::FolderWatch(const std::filesystem::path& dir) noexcept {
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0) {
        spdlog::warn("profile cache off: inotify: {}", std::strerror(errno));
        return;
    }
    if (::inotify_add_watch(inotify_fd_, dir.c_str(), kContentEvents | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR) <
        0) {
        spdlog::warn("profile cache off: cannot watch {}: {}", dir.string(), std::strerror(errno));
        CloseFd(inotify_fd_);
        return;
    }
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (stop_fd_ < 0) {
        spdlog::warn("profile cache off: eventfd: {}", std::strerror(errno));
        CloseFd(inotify_fd_);
        return;
    }
    try {
        thread_ = std::thread([this] { Run(); });
    } catch (const std::system_error& e) {
        spdlog::warn("profile cache off: cannot start the watch's thread: {}", e.what());
        CloseFd(inotify_fd_);
        CloseFd(stop_fd_);
        return;
    }
    usable_.store(true, std::memory_order_release);
}

FolderWatch::~FolderWatch() {
    if (thread_.joinable()) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(stop_fd_, &one, sizeof one);
        thread_.join();
    }
    CloseFd(inotify_fd_);
    CloseFd(stop_fd_);
}

void FolderWatch::GiveUp(const char* why) noexcept {
    usable_.store(false, std::memory_order_release);
    Touch();
    spdlog::warn("profile cache off: {}", why);
}

void FolderWatch::Run() noexcept {
    alignas(inotify_event) char buffer[4096];
    for (;;) {
        pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        const int ready = ::poll(fds, 2, -1);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return GiveUp("the watch's poll failed");
        if ((fds[1].revents & POLLIN) != 0) return;
        // Every event queued so far, then one count for them all.
        bool changed = false;
        for (;;) {
            const ssize_t n = ::read(inotify_fd_, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;  // EAGAIN: nothing (more) queued
            changed = true;
            for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
                inotify_event event;
                std::memcpy(&event, buffer + at, sizeof event);
                // IN_Q_OVERFLOW (events were lost) needs nothing more: something changed.
                if ((event.mask & kFolderGone) != 0) return GiveUp("the user data folder was moved or deleted");
                at += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
            }
        }
        if (changed) Touch();
    }
}

}  // namespace zr::storage
