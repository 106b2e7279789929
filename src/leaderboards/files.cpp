#include "leaderboards/files.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "common/fd.hpp"
#include "storage/profiles.hpp"

namespace zr::leaderboards::detail {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void ThrowErrno(const std::string& what, const fs::path& path) {
    throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

// The whole content of an open regular file; nullopt for anything else or a read error.
std::optional<std::string> ReadOpenFile(int fd) {
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
    std::string text;
    text.resize(static_cast<std::size_t>(info.st_size));
    std::size_t done = 0;
    while (true) {
        if (done == text.size()) text.resize(text.size() + 4096);  // the file grew
        const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    text.resize(done);
    return text;
}

// Opens `relative` under `folder` with the kernel refusing any resolution that leaves it
// (openat2 RESOLVE_BENEATH: "..", absolute symlinks, symlinks out). One syscall per file keeps a
// 10 000-entry build fast. Falls back to storage::ResolveUnder where openat2 is unavailable.
int OpenBeneath(const fs::path& folder, const std::string& relative) {
    UniqueFd dir(::open(folder.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) return -1;
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;  // O_NONBLOCK: a FIFO must not hang us
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    const long fd = ::syscall(SYS_openat2, dir.get(), relative.c_str(), &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != ENOSYS && errno != EPERM) return -1;
    auto resolved = storage::ResolveUnder(folder, relative);
    if (!resolved) return -1;
    return ::open(resolved->c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

bool HasEntryExtension(const fs::path& path) {
    const auto ext = path.extension().string();
    return ext == ".json" || ext == ".yaml" || ext == ".yml";
}

std::vector<fs::path> EntryFilesIn(const fs::path& folder) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && HasEntryExtension(it->path())) files.push_back(it->path());
    }
    if (ec) spdlog::warn("leaderboards: cannot list external entries {}: {}", folder.string(), ec.message());
    std::sort(files.begin(), files.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
    return files;
}

nlohmann::json ParseEntryFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    if (path.extension() == ".json") return nlohmann::json::parse(text.str());
    return YamlToJson(text.str());
}

// Adds the object(s) of one external file.
void AddExternal(const fs::path& path, Collected& out) {
    nlohmann::json content;
    try {
        content = ParseEntryFile(path);
    } catch (const std::exception& e) {
        spdlog::warn("leaderboards: skipping external entry {}: {}", path.string(), e.what());
        ++out.skipped;
        return;
    }
    if (content.is_object()) {
        out.entries.push_back(std::move(content));
        return;
    }
    if (!content.is_array()) {
        spdlog::warn("leaderboards: skipping external entry {}: not an object or a list", path.string());
        ++out.skipped;
        return;
    }
    for (auto& item : content) {
        if (item.is_object()) {
            out.entries.push_back(std::move(item));
        } else {
            spdlog::warn("leaderboards: skipping an item of {}: not an object", path.string());
            ++out.skipped;
        }
    }
}

}  // namespace

Collected ReadExternalEntries(const fs::path& folder) {
    Collected out;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
        spdlog::warn("leaderboards: external entries folder {} does not exist", folder.string());
        return out;
    }
    for (const auto& path : EntryFilesIn(folder)) AddExternal(path, out);
    return out;
}

std::optional<nlohmann::json> ReadEntryObject(const fs::path& folder, const std::string& relative) {
    UniqueFd fd(OpenBeneath(folder, relative));
    if (fd.get() < 0) return std::nullopt;
    auto text = ReadOpenFile(fd.get());
    if (!text) return std::nullopt;
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (!json.is_object()) return std::nullopt;
    return json;
}

FileLock::FileLock(const fs::path& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) ThrowErrno("open lock", path);
    while (::flock(fd_, LOCK_EX) != 0) {
        if (errno == EINTR) continue;
        const int error = errno;
        ::close(fd_);
        errno = error;
        ThrowErrno("flock", path);
    }
}

FileLock::~FileLock() {
    ::close(fd_);  // releases the lock
}

bool IsSafeRelativePath(const std::string& path) {
    if (path.empty() || path.front() == '/' || path.find('\0') != std::string::npos) return false;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        const std::string_view part(path.data() + start, slash - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = slash + 1;
    }
    return true;
}

}  // namespace zr::leaderboards::detail
