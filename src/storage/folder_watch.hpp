#pragma once
// Tells whether anything in one folder changed since the last look, with one non-blocking read of
// an inotify descriptor (no path lookup): the profile cache (Profiles) is only used while nothing
// changed in the user data folder.
//
// The kernel queues an event before the writer's call returns (a rename, a write, a delete by any
// process on this host), so a change that happened before Changed() is called is reported by it.
// Changes made through another host (a network file system) are not seen: like the SQLite file in
// WAL mode, the data folder is used from one host.
//
// Thread-safety: none; callers serialise Changed().
#include <filesystem>

namespace zr::storage {

class FolderWatch {
public:
    // Watches `dir` (not its subfolders). Never throws: when the watch cannot be set up, usable()
    // is false and Changed() always answers true.
    explicit FolderWatch(const std::filesystem::path& dir) noexcept;
    ~FolderWatch();
    FolderWatch(const FolderWatch&) = delete;
    FolderWatch& operator=(const FolderWatch&) = delete;

    bool usable() const { return fd_ >= 0; }
    // True when a file of the folder was created, written, renamed, deleted or had its attributes
    // changed since the last call, or when the watch cannot tell (its queue overflowed, the folder
    // itself was moved or deleted: from then on always true).
    bool Changed() noexcept;

private:
    void Close() noexcept;
    int fd_ = -1;
};

}  // namespace zr::storage
