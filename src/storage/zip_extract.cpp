#include "storage/zip_extract.hpp"

#include <sys/stat.h>
#include <zip.h>

#include <cerrno>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace zr::storage {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kBufferBytes = 1 << 20;
constexpr std::uint64_t kRatioFloorBytes = 1 << 20;

struct ZipCloser {
    void operator()(zip_t* za) const { zip_discard(za); }
};
struct FileCloser {
    void operator()(zip_file_t* file) const { zip_fclose(file); }
};
using ZipHandle = std::unique_ptr<zip_t, ZipCloser>;
using EntryHandle = std::unique_ptr<zip_file_t, FileCloser>;

[[noreturn]] void Refuse(const std::string& reason) { throw UnzipRefused(reason); }

ZipHandle Open(const fs::path& archive) {
    int error = 0;
    zip_t* za = zip_open(archive.c_str(), ZIP_RDONLY, &error);
    if (za == nullptr) {
        zip_error_t details;
        zip_error_init_with_code(&details, error);
        const std::string reason = zip_error_strerror(&details);
        zip_error_fini(&details);
        Refuse("the archive cannot be opened as a zip file: " + reason);
    }
    return ZipHandle(za);
}

bool IsDriveLetter(std::string_view name) {
    return name.size() >= 2 && name[1] == ':' &&
           ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'));
}

// Checks an entry name and returns its relative path (components separated by '/' or '\\').
fs::path SafeRelativePath(std::string_view name) {
    if (name.empty()) Refuse("an entry has an empty name");
    if (name.front() == '/' || name.front() == '\\' || IsDriveLetter(name)) {
        Refuse("entry '" + std::string(name) + "' has an absolute path");
    }
    fs::path relative;
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t end = name.find_first_of("/\\", start);
        if (end == std::string_view::npos) end = name.size();
        const std::string_view part = name.substr(start, end - start);
        if (part == "..") Refuse("entry '" + std::string(name) + "' goes outside the archive folder (..)");
        if (!part.empty() && part != ".") relative /= std::string(part);
        start = end + 1;
    }
    if (relative.empty()) Refuse("entry '" + std::string(name) + "' has no file name");
    return relative;
}

// Refuses links and special files, from the Unix mode kept in the external attributes.
void CheckFileType(zip_t* za, zip_uint64_t index, std::string_view name) {
    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    if (zip_file_get_external_attributes(za, index, 0, &opsys, &attributes) != 0) return;
    if (opsys != ZIP_OPSYS_UNIX) return;
    const mode_t mode = static_cast<mode_t>(attributes >> 16);
    if (S_ISLNK(mode)) Refuse("entry '" + std::string(name) + "' is a symbolic link");
    if (S_ISCHR(mode) || S_ISBLK(mode) || S_ISFIFO(mode) || S_ISSOCK(mode)) {
        Refuse("entry '" + std::string(name) + "' is a device or special file");
    }
}

class Extractor {
public:
    Extractor(FileSystem& fs, zip_t* za, const fs::path& destination, const UnzipLimits& limits,
              std::uint64_t archive_size)
        : fs_(fs),
          za_(za),
          destination_(destination),
          limits_(limits),
          archive_size_(archive_size),
          buffer_(std::make_unique_for_overwrite<char[]>(kBufferBytes)) {}

    UnzipResult Run() {
        const zip_int64_t count = zip_get_num_entries(za_, 0);
        if (count < 0) Refuse("the archive's directory cannot be read");
        if (static_cast<std::uint64_t>(count) > limits_.max_entries) {
            Refuse("the archive has " + std::to_string(count) + " entries, more than the limit of " +
                   std::to_string(limits_.max_entries));
        }
        for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) ExtractEntry(i);
        return result_;
    }

private:
    void ExtractEntry(zip_uint64_t index) {
        const char* raw_name = zip_get_name(za_, index, ZIP_FL_ENC_GUESS);
        if (raw_name == nullptr) Refuse("an entry name cannot be read");
        const std::string_view name(raw_name);
        const fs::path relative = SafeRelativePath(name);
        const fs::path target = destination_ / relative;
        CheckFileType(za_, index, name);
        ++result_.entries;
        if (IsRepeat(index, name, relative)) return;
        if (name.back() == '/' || name.back() == '\\') {
            MakeFolders(target, name);
            return;
        }
        MakeFolders(target.parent_path(), name);
        WriteEntry(index, name, target);
    }

    // An entry named like an earlier one: the zrc client writes some files twice (its sLM21
    // archives), with the same bytes, and the copy is skipped; a second entry with other bytes
    // makes the archive ambiguous and is refused. Size and CRC-32 from the central directory.
    bool IsRepeat(zip_uint64_t index, std::string_view name, const fs::path& relative) {
        zip_stat_t stat;
        zip_stat_init(&stat);
        if (zip_stat_index(za_, index, 0, &stat) != 0) Refuse("entry '" + std::string(name) + "' cannot be read");
        const std::pair<zip_uint64_t, zip_uint32_t> content{stat.size, stat.crc};
        const auto [it, first] = seen_.emplace(relative.generic_string(), content);
        if (first) return false;
        if (it->second != content) {
            Refuse("entry '" + std::string(name) + "' appears twice in the archive with different contents");
        }
        return true;
    }

    // A folder that cannot be made because a file of an earlier entry has its name is the
    // archive's fault, not ours.
    void MakeFolders(const fs::path& folder, std::string_view name) {
        try {
            fs_.CreateDirs(folder);
        } catch (const FileError& e) {
            if (e.code().value() != EEXIST && e.code().value() != ENOTDIR) throw;
            Refuse("entry '" + std::string(name) + "' conflicts with another entry of the archive");
        }
    }

    // O_EXCL: an entry never replaces (nor writes through a link named like) an earlier one.
    void WriteEntry(zip_uint64_t index, std::string_view name, const fs::path& target) {
        EntryHandle entry(zip_fopen_index(za_, index, 0));
        if (!entry)
            Refuse("entry '" + std::string(name) + "' cannot be read: " + zip_error_strerror(zip_get_error(za_)));
        std::unique_ptr<WritableFile> out;
        try {
            out = fs_.OpenForWrite(target, FileSystem::WriteMode::kCreateNew);
        } catch (const FileError& e) {
            if (e.code().value() != EEXIST) throw;
            Refuse("entry '" + std::string(name) + "' appears twice in the archive");
        }
        while (true) {
            const zip_int64_t n = zip_fread(entry.get(), buffer_.get(), kBufferBytes);
            if (n < 0) {
                Refuse("entry '" + std::string(name) +
                       "' is corrupt: " + zip_error_strerror(zip_file_get_error(entry.get())));
            }
            if (n == 0) break;
            Count(static_cast<std::uint64_t>(n));
            out->Append(std::string_view(buffer_.get(), static_cast<std::size_t>(n)));
            out->StartWriteback();
        }
        out->Close();
    }

    void Count(std::uint64_t n) {
        result_.bytes += n;
        if (result_.bytes > limits_.max_bytes) {
            Refuse("the archive unpacks to more than the limit of " + std::to_string(limits_.max_bytes) + " bytes");
        }
        if (limits_.max_ratio > 0 && result_.bytes > kRatioFloorBytes &&
            result_.bytes / limits_.max_ratio > archive_size_) {
            Refuse("the archive unpacks to more than " + std::to_string(limits_.max_ratio) +
                   " times its size (compression ratio limit)");
        }
    }

    FileSystem& fs_;
    zip_t* za_;
    const fs::path& destination_;
    const UnzipLimits& limits_;
    std::uint64_t archive_size_;
    std::unique_ptr<char[]> buffer_;  // not zero-filled: only what zip_fread wrote is used
    UnzipResult result_;
    std::map<std::string, std::pair<zip_uint64_t, zip_uint32_t>> seen_;  // entry path -> size, CRC-32
};

}  // namespace

UnzipResult ExtractZip(FileSystem& fs, const fs::path& archive, const fs::path& destination,
                       const UnzipLimits& limits) {
    if (!fs.CreateDir(destination)) {
        throw std::runtime_error("extraction folder already exists: " + destination.string());
    }
    try {
        const ZipHandle za = Open(archive);
        std::error_code ec;
        const std::uint64_t archive_size = fs::file_size(archive, ec);
        Extractor extractor(fs, za.get(), destination, limits, ec || archive_size == 0 ? 1 : archive_size);
        UnzipResult result = extractor.Run();
        // Durable before the caller publishes it (one syncfs rather than an fsync per entry).
        fs.SyncAll(destination);
        return result;
    } catch (...) {
        fs.RemoveAll(destination);
        throw;
    }
}

}  // namespace zr::storage
