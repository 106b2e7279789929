#pragma once
// The scratch space of the workers of one process (http transfer): the local copies of the jobs
// they run, under ZR_WORKER_DIR.
//
// Layout: <dir>/<pid>/ belongs to the process <pid> while it holds an flock on <dir>/<pid>.lock
// (the kernel drops the lock however the process ends, kill -9 included). Each worker thread gets
// an area <dir>/<pid>/<n>/ (Area), and each job a folder in it.
//
// Opening removes what no living process holds: every <x>/ whose <x>.lock is free (its process
// ended) or missing, and the copies of the earlier layout (<dir>/<submission id>/). So a worker
// that starts cleans up after a killed one, and two `zr worker` processes sharing a folder leave
// each other's copies alone. Closing (the last reference) removes the process's own folder.
//
// Thread-safe. Errors: std::runtime_error when the folder cannot be created or locked.
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

namespace zr::worker {

class ScratchSpace {
public:
    // The space of this process under `dir` (one per folder and process, shared by its workers).
    static std::shared_ptr<ScratchSpace> ForProcess(const std::filesystem::path& dir);

    explicit ScratchSpace(std::filesystem::path dir);
    ~ScratchSpace();
    ScratchSpace(const ScratchSpace&) = delete;
    ScratchSpace& operator=(const ScratchSpace&) = delete;

    // A new empty area for one worker: <dir>/<pid>/<n>/.
    std::filesystem::path Area();
    // Folders and files left by ended processes that opening removed.
    std::size_t swept() const { return swept_; }

private:
    void Sweep();
    void Lock();

    std::filesystem::path dir_;
    std::filesystem::path own_;  // <dir>/<pid>
    int lock_fd_ = -1;
    std::size_t swept_ = 0;
    std::atomic<unsigned> next_area_{0};
};

}  // namespace zr::worker
