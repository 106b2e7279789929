#pragma once
// Counts the changes to the files of one folder, so that a cache of what they hold is used only
// while the count is unchanged (Profiles). Reading the count costs no system call: a thread of the
// watch waits for the kernel's inotify events and adds them up; the process's own changes are
// counted at once by Touch().
//
// How soon a change is counted:
//   - made through this process (Profiles::Write calls Touch() once the file is in place): before
//     Touch() returns, so a request that follows the write sees it;
//   - made by another process on this host (the admin CLI, an editor, a rename): when the watch's
//     thread has read the event the kernel queued before the writer's call returned, normally well
//     under a millisecond later. (Until 2026-12 each reader read the descriptor itself, one
//     system call per request: 5 % of GET /users/profile's time, bench/README.md.)
// Changes made through another host (a network file system) are not seen: like the SQLite file in
// WAL mode, the data folder is used from one host.
//
// Thread-safety: every member may be called from any thread.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <thread>

namespace zr::storage {

class FolderWatch {
public:
    // Watches `dir` (not its subfolders). Never throws: when the watch cannot be set up, usable()
    // is false from the start.
    explicit FolderWatch(const std::filesystem::path& dir) noexcept;
    ~FolderWatch();  // stops the thread
    FolderWatch(const FolderWatch&) = delete;
    FolderWatch& operator=(const FolderWatch&) = delete;

    // False when the watch cannot tell (not set up, the folder itself was moved or deleted): from
    // then on a cache must not be used.
    bool usable() const noexcept { return usable_.load(std::memory_order_acquire); }
    // Grows with every change counted: a file of the folder created, written, renamed, deleted or
    // with changed attributes.
    std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }
    // Counts a change this process made (after making it).
    void Touch() noexcept { generation_.fetch_add(1, std::memory_order_acq_rel); }

private:
    void Run() noexcept;
    void GiveUp(const char* why) noexcept;

    int inotify_fd_ = -1;
    int stop_fd_ = -1;  // an eventfd: written by the destructor to wake the thread
    std::atomic<bool> usable_{false};
    std::atomic<std::uint64_t> generation_{1};
    std::thread thread_;
};

}  // namespace zr::storage
