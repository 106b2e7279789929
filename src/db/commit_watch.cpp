#include "db/commit_watch.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <atomic>
#include <exception>

#include "db/database.hpp"

namespace zr::db {
namespace {

// The WAL-index header: iVersion, unused, iChange, isInit + bigEndCksum, szPage, mxFrame, nPage,
// aFrameCksum[2], aSalt[2], aCksum[2] (48 bytes); the stamp is everything after the first two words.
constexpr std::size_t kHeaderBytes = 48;
constexpr std::size_t kStampOffsetWords = 2;
// The WAL index is mapped in regions of 32 KiB (https://www.sqlite.org/walformat.html).
constexpr int kRegionBytes = 32 * 1024;
// Read before the first commit stamp is taken: makes SQLite create and map the -shm file.
constexpr std::string_view kTouch = "PRAGMA schema_version";

}  // namespace

CommitWatch::CommitWatch(const std::filesystem::path& db_path) noexcept {
    try {
        conn_ = std::make_unique<Connection>(db_path);
        conn_->Prepare(kTouch).Step();
        // SQLite's own mapping of the -shm file, through its VFS (sqlite3_io_methods::xShmMap).
        // Never open the -shm file ourselves: closing any descriptor of a file drops every POSIX
        // lock the process holds on it, SQLite's included, and another process would then
        // reinitialise the file under our connections' feet.
        sqlite3_file* file = nullptr;
        if (sqlite3_file_control(conn_->raw(), "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
            file == nullptr || file->pMethods == nullptr || file->pMethods->iVersion < 2 ||
            file->pMethods->xShmMap == nullptr) {
            spdlog::warn("read caches off: {} has no shared-memory WAL index", db_path.string());
            return;
        }
        volatile void* region = nullptr;
        const int rc = file->pMethods->xShmMap(file, 0, kRegionBytes, /*bExtend=*/0, &region);
        if (rc != SQLITE_OK || region == nullptr) {
            spdlog::warn("read caches off: cannot map the WAL index of {} ({})", db_path.string(), sqlite3_errstr(rc));
            return;
        }
        map_ = const_cast<const void*>(region);
    } catch (const std::exception& e) {
        spdlog::warn("read caches off: {}", e.what());
    }
}

CommitWatch::~CommitWatch() = default;  // the mapping is SQLite's: closing conn_ releases it

std::optional<CommitStamp> CommitWatch::Current() const noexcept {
    if (map_ == nullptr) return std::nullopt;
    static_assert(sizeof(CommitStamp::words) == kHeaderBytes - kStampOffsetWords * sizeof(std::uint32_t));
    const auto* header = static_cast<const std::uint32_t*>(map_);
    CommitStamp stamp;
    // Another process writes these words: read each atomically, then order the reads of the
    // database that follow after them.
    for (std::size_t i = 0; i < stamp.words.size(); ++i) {
        stamp.words[i] = __atomic_load_n(header + kStampOffsetWords + i, __ATOMIC_RELAXED);
    }
    std::atomic_thread_fence(std::memory_order_acquire);
    return stamp;
}

}  // namespace zr::db
