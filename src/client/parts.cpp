#include "client/parts.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

#include "common/fd.hpp"
#include "crypto/crypto.hpp"

namespace zr::client {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kChunkBytes = 1 << 20;

std::string SystemError(const std::string& what, const fs::path& path) {
    return path.string() + ": " + what + ": " + std::strerror(errno);
}

// A file descriptor closed on scope exit.

std::size_t ReadSome(int fd, unsigned char* buffer, std::size_t size, const fs::path& path) {
    for (;;) {
        ssize_t n = read(fd, buffer, size);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) throw SubmitError(SystemError("cannot read", path));
    }
}

void WriteAll(int fd, const unsigned char* data, std::size_t size, const fs::path& path) {
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw SubmitError(SystemError("cannot write", path));
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

std::uint64_t UnitMultiplier(std::string unit) {
    for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (unit.ends_with("IB"))
        unit.resize(unit.size() - 2);
    else if (unit.ends_with("B"))
        unit.pop_back();
    if (unit.empty()) return 1;
    if (unit.size() == 1) {
        const std::string kUnits = "KMGT";
        if (auto pos = kUnits.find(unit[0]); pos != std::string::npos) return std::uint64_t{1} << (10 * (pos + 1));
    }
    return 0;
}

// Writes the archive's parts while hashing everything; see PrepareArchive.
class Splitter {
public:
    Splitter(const ArchiveInfo& archive, std::uint64_t part_size, const fs::path& folder)
        : archive_(archive), part_size_(part_size), folder_(folder) {}

    void Consume(const unsigned char* data, std::size_t size) {
        whole_.Update(data, size);
        while (size > 0) {
            if (!part_fd_) OpenPart();
            auto room = part_size_ - part_bytes_;
            auto n = static_cast<std::size_t>(std::min<std::uint64_t>(room, size));
            part_md5_->Update(data, n);
            WriteAll(part_fd_->get(), data, n, PartPath());
            part_bytes_ += n;
            data += n;
            size -= n;
            if (part_bytes_ == part_size_) ClosePart();
        }
    }

    PreparedArchive Finish() {
        if (part_fd_) ClosePart();
        return PreparedArchive{whole_.HexDigest(), true, std::move(parts_)};
    }

private:
    fs::path PartPath() const { return folder_ / parts_.back().file_name; }

    void OpenPart() {
        std::string name = archive_.path.filename().string() + ".part" + std::to_string(parts_.size());
        parts_.push_back(PartInfo{name, 0, {}});
        part_fd_ = std::make_unique<UniqueFd>(open(PartPath().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (part_fd_->get() < 0) throw SubmitError(SystemError("cannot create", PartPath()));
        part_md5_ = std::make_unique<crypto::Md5>();
        part_bytes_ = 0;
    }

    void ClosePart() {
        if (!part_fd_->Close()) throw SubmitError(SystemError("cannot write", PartPath()));
        part_fd_.reset();
        parts_.back().file_size = part_bytes_;
        parts_.back().file_hash = part_md5_->HexDigest();
        part_md5_.reset();
    }

    const ArchiveInfo& archive_;
    std::uint64_t part_size_;
    fs::path folder_;
    crypto::Md5 whole_;
    std::vector<PartInfo> parts_;
    std::unique_ptr<UniqueFd> part_fd_;
    std::unique_ptr<crypto::Md5> part_md5_;
    std::uint64_t part_bytes_ = 0;
};

}  // namespace

std::uint64_t ParseSize(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    const std::uint64_t multiplier = UnitMultiplier(std::string(text.substr(digits)));
    if (digits == 0 || digits > 15 || multiplier == 0) {
        throw SubmitError("not a size: '" + std::string(text) + "' (examples: 500M, 2G, 1048576)");
    }
    const std::uint64_t count = std::stoull(std::string(text.substr(0, digits)));
    if (count == 0) throw SubmitError("the size must be positive: '" + std::string(text) + "'");
    if (count > std::numeric_limits<std::uint64_t>::max() / multiplier) {
        throw SubmitError("size too large: '" + std::string(text) + "'");
    }
    return count * multiplier;
}

ArchiveInfo StatArchive(const fs::path& path) {
    struct stat info {};
    if (stat(path.c_str(), &info) != 0) throw SubmitError(SystemError("cannot read the archive", path));
    if (!S_ISREG(info.st_mode)) throw SubmitError(path.string() + ": not a regular file");
    if (access(path.c_str(), R_OK) != 0) throw SubmitError(SystemError("cannot read the archive", path));
    ArchiveInfo archive;
    archive.path = fs::absolute(path).lexically_normal();
    archive.size = static_cast<std::uint64_t>(info.st_size);
    archive.mtime_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
    return archive;
}

std::optional<PreparedArchive> PrepareArchive(const ArchiveInfo& archive, std::uint64_t part_size,
                                              const fs::path& folder, const std::atomic<bool>& stop) {
    if (part_size == 0) throw SubmitError("the part size must be positive");
    const bool multipart = archive.size > part_size;
    if (multipart) {
        std::error_code ec;
        fs::create_directories(folder, ec);
        if (ec) throw SubmitError(folder.string() + ": cannot create the folder for the parts: " + ec.message());
    }
    UniqueFd in(open(archive.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.get() < 0) throw SubmitError(SystemError("cannot read the archive", archive.path));
    std::vector<unsigned char> buffer(kChunkBytes);
    Splitter splitter(archive, part_size, folder);
    crypto::Md5 whole;
    std::uint64_t total = 0;
    while (std::size_t n = ReadSome(in.get(), buffer.data(), buffer.size(), archive.path)) {
        if (stop.load()) return std::nullopt;
        if (multipart)
            splitter.Consume(buffer.data(), n);
        else
            whole.Update(buffer.data(), n);
        total += n;
    }
    if (total != archive.size) throw SubmitError(archive.path.string() + ": the archive changed while being read");
    if (multipart) return splitter.Finish();
    std::string md5 = whole.HexDigest();
    return PreparedArchive{md5, false, {PartInfo{archive.path.filename().string(), archive.size, md5}}};
}

bool PartFilesPresent(const std::vector<PartInfo>& parts, const fs::path& folder) {
    for (const auto& part : parts) {
        std::error_code ec;
        auto size = fs::file_size(folder / part.file_name, ec);
        if (ec || size != part.file_size) return false;
    }
    return true;
}

}  // namespace zr::client
