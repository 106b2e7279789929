#pragma once
// An owned POSIX file descriptor, closed when the owner goes away.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/file_system.hpp"

namespace zr {

class UniqueFd {
public:
    UniqueFd() = default;
    // Takes ownership of fd (-1 = none).
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { Reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        Reset(other.Release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    // Gives up ownership.
    int Release() { return std::exchange(fd_, -1); }
    // Closes the owned descriptor (errors ignored) and owns fd instead.
    void Reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }
    // Closes now; false when close reports an error (a delayed write error shows here).
    bool Close() { return fd_ < 0 || ::close(std::exchange(fd_, -1)) == 0; }

private:
    int fd_ = -1;
};

// open(path, flags | O_CLOEXEC, 0644); throws std::system_error "open <path>" on failure.
inline UniqueFd OpenOrThrow(const std::filesystem::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path.string());
    return UniqueFd(fd);
}

// Writes all of `data` to fd (retrying short and interrupted writes). Throws FileError("write
// <path>") on failure.
inline void WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw FileError(errno, "write", path);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace zr
