#pragma once
// Test helper (header only, shared by storage_* and submissions_* tests): hand-made zip files
// written with libzip, including the dangerous entries the service must refuse.
#include <zip.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace zr::testing_zip {

struct Entry {
    std::string name;
    std::string content;
    std::optional<unsigned> unix_mode;  // full st_mode (type + permissions) stored in the attributes
    bool directory = false;
};

inline void MakeZip(const std::filesystem::path& path, const std::vector<Entry>& entries) {
    int error = 0;
    zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    if (za == nullptr) throw std::runtime_error("zip_open failed");
    for (const Entry& entry : entries) {
        zip_int64_t index = -1;
        if (entry.directory) {
            index = zip_dir_add(za, entry.name.c_str(), ZIP_FL_ENC_UTF_8);
        } else {
            zip_source_t* source = zip_source_buffer(za, entry.content.data(), entry.content.size(), 0);
            index = zip_file_add(za, entry.name.c_str(), source, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
            if (index < 0) zip_source_free(source);
        }
        if (index < 0) {
            zip_discard(za);
            throw std::runtime_error("cannot add " + entry.name + " to the zip");
        }
        if (entry.unix_mode) {
            zip_file_set_external_attributes(za, static_cast<zip_uint64_t>(index), 0, ZIP_OPSYS_UNIX,
                                             static_cast<zip_uint32_t>(*entry.unix_mode) << 16);
        }
    }
    if (zip_close(za) != 0) {
        zip_discard(za);
        throw std::runtime_error("zip_close failed");
    }
}

}  // namespace zr::testing_zip
