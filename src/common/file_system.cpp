#include "common/file_system.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace zr {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kAtomicTempMarker = ".tmp-";
constexpr std::size_t kCopyBufferBytes = 1 << 20;

std::string Message(int error, std::string_view operation, const fs::path& path) {
    return std::string(operation) + " " + path.string() + ": " + std::strerror(error);
}

class PosixWritableFile final : public WritableFile {
public:
    PosixWritableFile(UniqueFd fd, fs::path path, std::function<void(const std::string&)> on_out_of_space)
        : fd_(std::move(fd)), path_(std::move(path)), on_out_of_space_(std::move(on_out_of_space)) {}

    void Append(std::string_view data) override {
        try {
            WriteAll(fd_.get(), data, path_);
        } catch (const FileError& e) {
            ThrowFileError(e.code().value(), "write", path_, on_out_of_space_);
        }
        size_ += data.size();
    }

    void StartWriteback() override {
        if (size_ == written_back_) return;
        ::sync_file_range(fd_.get(), static_cast<off_t>(written_back_), static_cast<off_t>(size_ - written_back_),
                          SYNC_FILE_RANGE_WRITE);
        written_back_ = size_;
    }

    void Sync() override {
        if (::fdatasync(fd_.get()) != 0) ThrowFileError(errno, "fdatasync", path_, on_out_of_space_);
    }

    void Close() override {
        if (!fd_.Close()) ThrowFileError(errno, "close", path_, on_out_of_space_);
    }

    std::uint64_t size() const override { return size_; }

private:
    UniqueFd fd_;
    fs::path path_;
    std::function<void(const std::string&)> on_out_of_space_;
    std::uint64_t size_ = 0;
    std::uint64_t written_back_ = 0;
};

class PosixSequentialFile final : public SequentialFile {
public:
    PosixSequentialFile(UniqueFd fd, fs::path path) : fd_(std::move(fd)), path_(std::move(path)) {}

    std::size_t Read(char* buffer, std::size_t size) override {
        while (true) {
            const ssize_t n = ::read(fd_.get(), buffer, size);
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno != EINTR) throw FileError(errno, "read", path_);
        }
    }

private:
    UniqueFd fd_;
    fs::path path_;
};

std::string RandomSuffix() {
    // Unique within the process (counter) and across processes (random seed).
    static std::atomic<std::uint64_t> counter{0};
    static const std::uint64_t seed = std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
    const std::uint64_t value = seed + counter.fetch_add(1, std::memory_order_relaxed) * 0x9E3779B97F4A7C15ull;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 0; i < 16; ++i) out[static_cast<std::size_t>(i)] = kHex[(value >> (60 - 4 * i)) & 0xF];
    return out;
}

}  // namespace

FileError::FileError(int error, std::string_view operation, const fs::path& path)
    : std::system_error(error, std::generic_category(), Message(error, operation, path)) {}

bool IsOutOfSpaceErrno(int error) { return error == ENOSPC || error == EDQUOT; }

void ThrowFileError(int error, std::string_view operation, const fs::path& path,
                    const std::function<void(const std::string&)>& on_out_of_space) {
    if (IsOutOfSpaceErrno(error)) {
        std::string what = Message(error, operation, path);
        if (on_out_of_space) on_out_of_space(what);
        throw Error::OutOfSpace(std::move(what));
    }
    throw FileError(error, operation, path);
}

PosixFileSystem::PosixFileSystem(std::function<void(const std::string&)> on_out_of_space)
    : on_out_of_space_(std::move(on_out_of_space)) {}

std::unique_ptr<WritableFile> PosixFileSystem::OpenForWrite(const fs::path& path, WriteMode mode) {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
    switch (mode) {
        case WriteMode::kCreateNew:
            flags |= O_EXCL;
            break;
        case WriteMode::kReplace:
            flags |= O_TRUNC;
            break;
        case WriteMode::kAppend:
            flags |= O_APPEND;
            break;
    }
    const int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) ThrowFileError(errno, "open", path, on_out_of_space_);
    return std::make_unique<PosixWritableFile>(UniqueFd(fd), path, on_out_of_space_);
}

std::unique_ptr<SequentialFile> PosixFileSystem::OpenForRead(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw FileError(errno, "open", path);
    return std::make_unique<PosixSequentialFile>(UniqueFd(fd), path);
}

std::optional<std::string> PosixFileSystem::ReadFile(const fs::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw FileError(errno, "open", path);
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) throw FileError(errno, "stat", path);
    if (!S_ISREG(info.st_mode)) throw FileError(EISDIR, "read", path);
    std::string text;
    text.resize(static_cast<std::size_t>(info.st_size));
    std::size_t done = 0;
    while (true) {
        if (done == text.size()) text.resize(text.size() + 4096);  // the file grew
        const ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw FileError(errno, "read", path);
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    text.resize(done);
    return text;
}

void PosixFileSystem::Rename(const fs::path& from, const fs::path& to) {
    if (::rename(from.c_str(), to.c_str()) != 0)
        ThrowFileError(errno, "rename to " + to.string(), from, on_out_of_space_);
}

bool PosixFileSystem::CreateDir(const fs::path& path) {
    if (::mkdir(path.c_str(), 0755) == 0) return true;
    const int error = errno;
    if (error == EEXIST && Kind(path) == EntryKind::kDirectory) return false;
    ThrowFileError(error, "mkdir", path, on_out_of_space_);
}

void PosixFileSystem::CreateDirs(const fs::path& path) {
    if (path.empty() || Kind(path) == EntryKind::kDirectory) return;
    const fs::path parent = path.parent_path();
    if (parent != path) CreateDirs(parent);
    CreateDir(path);
}

bool PosixFileSystem::Remove(const fs::path& path) noexcept {
    std::error_code ec;
    return fs::remove(path, ec);
}

std::uintmax_t PosixFileSystem::RemoveAll(const fs::path& path) noexcept {
    std::error_code ec;
    const std::uintmax_t removed = fs::remove_all(path, ec);
    return removed == static_cast<std::uintmax_t>(-1) ? 0 : removed;
}

void PosixFileSystem::SyncDir(const fs::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) throw FileError(errno, "open", path);
    if (::fsync(fd.get()) != 0) ThrowFileError(errno, "fsync", path, on_out_of_space_);
}

void PosixFileSystem::SyncAll(const fs::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) throw FileError(errno, "open", path);
    if (::syncfs(fd.get()) != 0) ThrowFileError(errno, "syncfs", path, on_out_of_space_);
}

std::vector<std::string> PosixFileSystem::List(const fs::path& path) {
    std::vector<std::string> names;
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
        if (errno == ENOENT || errno == ENOTDIR) return names;
        throw FileError(errno, "opendir", path);
    }
    errno = 0;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    const int error = errno;
    ::closedir(dir);
    if (error != 0) throw FileError(error, "readdir", path);
    std::sort(names.begin(), names.end());
    return names;
}

EntryKind PosixFileSystem::Kind(const fs::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return EntryKind::kNone;
    if (S_ISREG(info.st_mode)) return EntryKind::kFile;
    if (S_ISDIR(info.st_mode)) return EntryKind::kDirectory;
    return EntryKind::kOther;
}

std::uint64_t PosixFileSystem::FreeBytes(const fs::path& path) {
    struct statvfs stats {};
    if (::statvfs(path.c_str(), &stats) != 0) throw FileError(errno, "statvfs", path);
    return static_cast<std::uint64_t>(stats.f_bavail) * stats.f_frsize;
}

void PosixFileSystem::EnsureRoom(const fs::path& path, std::uint64_t bytes, std::uint64_t keep_free) {
    const std::uint64_t free = FreeBytes(path);
    if (free >= keep_free && free - keep_free >= bytes) return;
    std::string what = std::to_string(bytes) + " bytes refused in " + path.string() + ": " + std::to_string(free) +
                       " bytes free, " + std::to_string(keep_free) + " kept free";
    if (on_out_of_space_) on_out_of_space_(what);
    throw Error::OutOfSpace(std::move(what));
}

void WriteFileAtomically(FileSystem& fs, const fs::path& path, std::string_view content) {
    const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    const fs::path temp = folder / ("." + path.filename().string() + std::string(kAtomicTempMarker) + RandomSuffix());
    try {
        auto file = fs.OpenForWrite(temp, FileSystem::WriteMode::kCreateNew);
        file->Append(content);
        file->Sync();
        file->Close();
        fs.Rename(temp, path);
    } catch (...) {
        fs.Remove(temp);
        throw;
    }
    fs.SyncDir(folder);
}

bool IsAtomicWriteLeftover(std::string_view name) {
    return name.starts_with('.') && name.find(kAtomicTempMarker) != std::string_view::npos;
}

std::uint64_t CopyFile(FileSystem& fs, const fs::path& from, const fs::path& to) {
    auto in = fs.OpenForRead(from);
    auto out = fs.OpenForWrite(to, FileSystem::WriteMode::kReplace);
    std::vector<char> buffer(kCopyBufferBytes);
    while (const std::size_t n = in->Read(buffer.data(), buffer.size())) {
        out->Append(std::string_view(buffer.data(), n));
        out->StartWriteback();
    }
    out->Sync();
    out->Close();
    return out->size();
}

bool IsPlainFileName(std::string_view name) {
    if (name.empty() || name.size() > 255 || name.front() == '.') return false;
    return name.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

}  // namespace zr
