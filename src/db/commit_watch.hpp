#pragma once
// Tells, without a transaction or a system call, whether any connection of any process committed
// to a database file since a given moment: the caches of the read paths (sessions, the challenge
// list) are only used while nothing was committed since they were filled.
//
// How: in WAL mode every commit rewrites the WAL-index header at the start of the "<db>-shm" file,
// which every connection maps in shared memory (https://www.sqlite.org/walformat.html, section
// 2.1: iChange is incremented with each transaction, mxFrame moves, a WAL restart changes the
// salts). CommitWatch keeps a connection of its own open and asks SQLite for that connection's
// mapping of the header (the VFS's xShmMap); Current() copies 40 bytes of it.
// Checkpoints may change it too: a cache misses once more than needed, never the other way round.
//
// Thread-safety: Current() may be called from any thread.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

namespace zr::db {

// An opaque value that changes with every commit to the file. Compare for equality only.
struct CommitStamp {
    std::array<std::uint32_t, 10> words{};
    bool operator==(const CommitStamp&) const = default;
};

class Connection;

class CommitWatch {
public:
    // Opens `db_path` (which must be in WAL mode) and maps its WAL-index header. Never throws:
    // when that fails (an in-memory database, no -shm file), Current() always answers nullopt.
    explicit CommitWatch(const std::filesystem::path& db_path) noexcept;
    ~CommitWatch();
    CommitWatch(const CommitWatch&) = delete;
    CommitWatch& operator=(const CommitWatch&) = delete;

    // The stamp now, or nullopt when the header cannot be read (then nothing may be cached). To
    // cache a value read from the database, take the stamp before reading it and reuse the value
    // only while Current() still equals that stamp.
    std::optional<CommitStamp> Current() const noexcept;

private:
    std::unique_ptr<Connection> conn_;  // owns the mapping (SQLite's); used by no one else
    const void* map_ = nullptr;
};

}  // namespace zr::db
