#include "storage/zip_create.hpp"

#include <zip.h>

#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace zr::storage {
namespace fs = std::filesystem;
namespace {

// Owns an archive being written; discarded unless closed.
class ZipWriter {
public:
    explicit ZipWriter(const fs::path& path) : path_(path) {
        int error = 0;
        zip_ = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
        if (zip_ == nullptr) {
            zip_error_t details;
            zip_error_init_with_code(&details, error);
            const std::string message = zip_error_strerror(&details);
            zip_error_fini(&details);
            throw std::runtime_error("cannot create " + path.string() + ": " + message);
        }
    }
    ~ZipWriter() {
        if (zip_ != nullptr) zip_discard(zip_);
    }
    ZipWriter(const ZipWriter&) = delete;
    ZipWriter& operator=(const ZipWriter&) = delete;

    void AddFolder(const std::string& name) {
        if (zip_dir_add(zip_, name.c_str(), ZIP_FL_ENC_UTF_8) < 0) Fail(name);
    }
    // The file is read when the archive is closed.
    void AddFile(const std::string& name, const fs::path& file) {
        zip_source_t* source = zip_source_file(zip_, file.c_str(), 0, -1);
        if (source == nullptr) Fail(name);
        if (zip_file_add(zip_, name.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
            zip_source_free(source);
            Fail(name);
        }
    }
    void Close() {
        if (zip_close(zip_) != 0) Fail("(closing)");
        zip_ = nullptr;
    }

private:
    [[noreturn]] void Fail(const std::string& name) {
        throw std::runtime_error("cannot zip " + name + " into " + path_.string() + ": " + zip_strerror(zip_));
    }
    fs::path path_;
    zip_t* zip_ = nullptr;
};

// An end-of-central-directory record alone: a valid zip holding nothing.
void WriteEmptyZip(const fs::path& path) {
    static constexpr char kEmpty[22] = {'P', 'K', 5, 6};
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(kEmpty, sizeof kEmpty);
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

ZipCreated CreateZip(const fs::path& folder, const fs::path& archive) {
    if (!fs::is_directory(folder)) throw std::runtime_error("not a folder: " + folder.string());
    ZipCreated result;
    try {
        ZipWriter writer(archive);
        // The iterator does not follow symbolic links to folders by default.
        for (auto it = fs::recursive_directory_iterator(folder); it != fs::recursive_directory_iterator(); ++it) {
            const fs::file_status status = it->symlink_status();
            const std::string name = fs::relative(it->path(), folder).generic_string();
            if (fs::is_directory(status)) {
                writer.AddFolder(name + "/");
            } else if (fs::is_regular_file(status)) {
                writer.AddFile(name, it->path());
            } else {
                ++result.skipped;
                continue;
            }
            ++result.entries;
        }
        writer.Close();
        // libzip writes nothing for an archive without entries: write the empty zip ourselves.
        if (result.entries == 0) WriteEmptyZip(archive);
    } catch (...) {
        std::error_code ec;
        fs::remove(archive, ec);
        throw;
    }
    return result;
}

}  // namespace zr::storage
