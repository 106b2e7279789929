// Zip intake of submitted archives (storage::ExtractZip, libzip underneath) on a private temporary
// folder. Input: the archive's bytes.
//
// The archive is written to <tmp>/jail/a/b/archive.zip and extracted to <tmp>/jail/a/b/out, so an
// entry that climbs out ("../x", "../../x", through a symlink, ...) would land inside the jail.
// Properties: the only exceptions are UnzipRefused (a bad archive) — never an I/O error of ours;
// after a refusal `out` is gone; after a success `out` holds only folders and regular files whose
// sizes add up to the bytes reported; the jail never holds anything but the archive and `out`.
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "common/file_system.hpp"
#include "fuzz_support.hpp"
#include "storage/zip_extract.hpp"

namespace {

namespace fs = std::filesystem;

// Small enough that a few KiB of input can reach every limit (1 MiB is where the ratio check
// starts).
constexpr zr::storage::UnzipLimits kLimits{.max_bytes = 4 << 20, .max_entries = 64, .max_ratio = 200};

void WriteFile(const fs::path& path, const std::uint8_t* data, std::size_t size) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    ZR_FUZZ_CHECK(out.good(), path.string());
}

// Everything under the jail but out/'s content must be one of the paths we made.
void CheckJail(const fs::path& jail, const fs::path& out) {
    const std::set<fs::path> expected = {jail / "a", jail / "a/b", jail / "a/b/archive.zip", out};
    for (auto it = fs::recursive_directory_iterator(jail); it != fs::recursive_directory_iterator(); ++it) {
        if (it->path() == out) {
            it.disable_recursion_pending();
            continue;
        }
        ZR_FUZZ_CHECK(expected.contains(it->path()), "written outside the extraction folder: " + it->path().string());
    }
}

// Only folders and regular files (no symlink, device or fifo), `bytes` in all.
void CheckExtracted(const fs::path& out, const zr::storage::UnzipResult& result) {
    std::uint64_t bytes = 0;
    for (const auto& entry : fs::recursive_directory_iterator(out)) {
        const auto status = fs::symlink_status(entry.path());
        ZR_FUZZ_CHECK(fs::is_directory(status) || fs::is_regular_file(status), entry.path().string());
        if (fs::is_regular_file(status)) bytes += fs::file_size(entry.path());
    }
    ZR_FUZZ_CHECK(bytes == result.bytes, std::to_string(bytes) + " != " + std::to_string(result.bytes));
    ZR_FUZZ_CHECK(result.bytes <= kLimits.max_bytes, std::to_string(result.bytes));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fs::path jail = zr::fuzz::ProcessTempDir("zip") / "jail";
    const fs::path folder = jail / "a" / "b";
    const fs::path archive = folder / "archive.zip";
    const fs::path out = folder / "out";
    fs::create_directories(folder);
    WriteFile(archive, data, size);
    zr::PosixFileSystem file_system;
    try {
        const auto result = zr::storage::ExtractZip(file_system, archive, out, kLimits);
        CheckExtracted(out, result);
    } catch (const zr::storage::UnzipRefused&) {
        ZR_FUZZ_CHECK(!fs::exists(fs::symlink_status(out)), "out/ left after a refusal");
    }
    CheckJail(jail, out);
    fs::remove_all(jail);
    return 0;
}
