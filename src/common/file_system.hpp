#pragma once
// Every byte the service writes to disk goes through a FileSystem (LevelDB's Env, in small). The
// service uses PosixFileSystem; tests wrap it to inject faults (ENOSPC, EIO on write or fsync, a
// failed rename, a "crash" between two steps that loses what was not synced) and check what
// survives. src/storage is its user: storage alone knows the data folder's layout, and the HTTP
// transport writes upload parts into the WritableFiles storage hands it.
//
// Errors: a failing operation throws FileError (a std::system_error holding errno, its message
// naming the operation and the path), except running out of space (ENOSPC, EDQUOT), which throws
// zr::Error::OutOfSpace (507) so that a full disk ends a request with its own answer wherever it
// happens. Remove and RemoveAll are for clean-up: they never throw.
// Thread-safety: a FileSystem is thread-safe; a WritableFile or SequentialFile is used by one
// thread at a time.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace zr {

// An I/O failure other than running out of space.
class FileError : public std::system_error {
public:
    // `error` is an errno value; the message reads "<operation> <path>: <strerror>".
    FileError(int error, std::string_view operation, const std::filesystem::path& path);
};

// A file being written, appended to in order. Destruction closes it (errors ignored) without
// syncing; nothing is removed.
class WritableFile {
public:
    virtual ~WritableFile() = default;
    // Writes all of `data` at the end (retrying short writes). Throws.
    virtual void Append(std::string_view data) = 0;
    // Starts writing back what was appended since the last call, without waiting (a hint to keep
    // dirty pages from piling up before Sync). Never throws.
    virtual void StartWriteback() = 0;
    // Makes the data appended so far durable (fdatasync). Throws.
    virtual void Sync() = 0;
    // Closes the file; a delayed write error shows here. Throws. Idempotent.
    virtual void Close() = 0;
    // Bytes appended so far.
    virtual std::uint64_t size() const = 0;
};

// A file just created for writing under a temporary name (an upload part being received).
struct SpoolFile {
    std::filesystem::path path;
    std::unique_ptr<WritableFile> file;
};

// A file read from its start. Destruction closes it.
class SequentialFile {
public:
    virtual ~SequentialFile() = default;
    // Reads up to `size` bytes into `buffer`; 0 at the end of the file. Throws FileError.
    virtual std::size_t Read(char* buffer, std::size_t size) = 0;
};

enum class EntryKind { kNone, kFile, kDirectory, kOther };

class FileSystem {
public:
    enum class WriteMode {
        kCreateNew,  // the file must not exist (O_EXCL): FileError EEXIST otherwise
        kReplace,    // created or truncated
        kAppend,     // created or appended to
    };

    virtual ~FileSystem() = default;

    virtual std::unique_ptr<WritableFile> OpenForWrite(const std::filesystem::path& path, WriteMode mode) = 0;
    virtual std::unique_ptr<SequentialFile> OpenForRead(const std::filesystem::path& path) = 0;
    // The whole content of a regular file, or nullopt when it does not exist. Throws for other
    // failures (a directory, EACCES, EIO).
    virtual std::optional<std::string> ReadFile(const std::filesystem::path& path) = 0;
    // rename(2): replaces `to` if it is a file or an empty folder.
    virtual void Rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
    // Creates one folder; false when it exists already as a folder.
    virtual bool CreateDir(const std::filesystem::path& path) = 0;
    // Creates a folder and its missing parents.
    virtual void CreateDirs(const std::filesystem::path& path) = 0;
    // Removes a file or an empty folder; false when absent or on failure. Never throws.
    virtual bool Remove(const std::filesystem::path& path) noexcept = 0;
    // Removes a file or a folder with its content; the number of entries removed. Never throws.
    virtual std::uintmax_t RemoveAll(const std::filesystem::path& path) noexcept = 0;
    // Makes the entries (creations, renames, removals) of a folder durable (fsync of the folder).
    virtual void SyncDir(const std::filesystem::path& path) = 0;
    // Makes everything written to the file system holding `path` durable (syncfs): one call after
    // writing many files (an extracted archive) instead of one fsync each.
    virtual void SyncAll(const std::filesystem::path& path) = 0;
    // The names in a folder, sorted; empty when the folder does not exist. Throws for other
    // failures.
    virtual std::vector<std::string> List(const std::filesystem::path& path) = 0;
    // What is at `path` (symbolic links followed).
    virtual EntryKind Kind(const std::filesystem::path& path) = 0;
    // Bytes available to the service on the file system holding `path` (statvfs f_bavail).
    // Throws FileError.
    virtual std::uint64_t FreeBytes(const std::filesystem::path& path) = 0;
    // Throws zr::Error::OutOfSpace (reported like a write that ran out of space) unless the file
    // system holding `path` has room for `bytes` more while keeping `keep_free` bytes free.
    virtual void EnsureRoom(const std::filesystem::path& path, std::uint64_t bytes, std::uint64_t keep_free) = 0;
};

// The file system of the machine. `on_out_of_space` (optional) is told what could not be written
// each time an operation runs out of space, before the zr::Error is thrown; it must be
// thread-safe and must not throw.
class PosixFileSystem : public FileSystem {
public:
    explicit PosixFileSystem(std::function<void(const std::string& what)> on_out_of_space = {});

    std::unique_ptr<WritableFile> OpenForWrite(const std::filesystem::path& path, WriteMode mode) override;
    std::unique_ptr<SequentialFile> OpenForRead(const std::filesystem::path& path) override;
    std::optional<std::string> ReadFile(const std::filesystem::path& path) override;
    void Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
    bool CreateDir(const std::filesystem::path& path) override;
    void CreateDirs(const std::filesystem::path& path) override;
    bool Remove(const std::filesystem::path& path) noexcept override;
    std::uintmax_t RemoveAll(const std::filesystem::path& path) noexcept override;
    void SyncDir(const std::filesystem::path& path) override;
    void SyncAll(const std::filesystem::path& path) override;
    std::vector<std::string> List(const std::filesystem::path& path) override;
    EntryKind Kind(const std::filesystem::path& path) override;
    std::uint64_t FreeBytes(const std::filesystem::path& path) override;
    void EnsureRoom(const std::filesystem::path& path, std::uint64_t bytes, std::uint64_t keep_free) override;

private:
    std::function<void(const std::string&)> on_out_of_space_;
};

// Throws for a failed operation: zr::Error::OutOfSpace for ENOSPC/EDQUOT (telling
// `on_out_of_space` first when set), FileError otherwise.
[[noreturn]] void ThrowFileError(int error, std::string_view operation, const std::filesystem::path& path,
                                 const std::function<void(const std::string&)>& on_out_of_space = {});

// True for the errors of a full disk or quota.
bool IsOutOfSpaceErrno(int error);

// Replaces `path` with `content` so that a reader (or a crash) sees either the old or the new
// file, never a part: a temporary file beside it (".<name>.tmp-<random>"), synced, renamed over
// `path`, the folder synced. The temporary file is removed on failure.
void WriteFileAtomically(FileSystem& fs, const std::filesystem::path& path, std::string_view content);

// Whether `name` is a temporary file of WriteFileAtomically (left by a crash).
bool IsAtomicWriteLeftover(std::string_view name);

// Copies a file (created or replaced) and syncs the copy. Returns the bytes copied.
std::uint64_t CopyFile(FileSystem& fs, const std::filesystem::path& from, const std::filesystem::path& to);

// The one rule for names the service turns into file names (submission ids, part names, user
// names of profiles, score version names): 1 to 255 bytes, no '/', '\\' or NUL, and not starting
// with '.' (which also rules out "." and "..", and keeps clear of our hidden temporary names).
bool IsPlainFileName(std::string_view name);

}  // namespace zr
