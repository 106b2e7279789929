// The streamed multipart/form-data parser of upload routes (http::MultipartStream) and the
// Content-Type boundary reader. Input: the Content-Type value on the first line, the body after.
//
// The same body is fed three ways: whole, one byte at a time, and in pseudo-random pieces (sizes
// drawn from the input, so a crash replays). Properties: the three agree (same fields, same file
// parts with the same sizes and md5s, or the same error status); a refusal is a 4xx; each file's
// md5 and size are those of the bytes on disk; a parser destroyed before TakeFiles() discards every
// file its UploadTarget created, and nothing but the taken files is ever left in the spool folder.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/file_system.hpp"
#include "crypto/crypto.hpp"
#include "error_check.hpp"
#include "fuzz_support.hpp"
#include "http/multipart_stream.hpp"

namespace {

namespace fs = std::filesystem;
using zr::http::MultipartStream;

// Creates the file parts in the spool folder, as the application's targets do in a submission's
// tmp/, and counts them.
class SpoolTarget : public zr::http::UploadTarget {
public:
    explicit SpoolTarget(fs::path spool) : spool_(std::move(spool)) {}
    zr::SpoolFile CreateFile() override {
        const fs::path path = spool_ / (".upload-" + std::to_string(created++) + ".part");
        return zr::SpoolFile{path, fs_.OpenForWrite(path, zr::FileSystem::WriteMode::kCreateNew)};
    }
    void DiscardFile(const fs::path& path) noexcept override {
        ++discarded;
        fs_.Remove(path);
    }
    std::size_t created = 0;
    std::size_t discarded = 0;

private:
    fs::path spool_;
    zr::PosixFileSystem fs_;
};

// Small limits so that short inputs reach them.
constexpr zr::http::MultipartLimits kLimits{.max_field_bytes = 1024, .max_part_header_bytes = 512, .max_parts = 32};

struct Outcome {
    int status = 200;  // the error's status when the body is refused
    std::vector<std::pair<std::string, std::string>> fields;
    std::vector<std::string> files;  // "field|filename|size|md5"

    bool operator==(const Outcome&) const = default;
    std::string Describe() const {
        std::ostringstream out;
        out << status << " fields:";
        for (const auto& [name, value] : fields) out << " [" << name << "=" << value << "]";
        out << " files:";
        for (const auto& file : files) out << " [" << file << "]";
        return out.str();
    }
};

std::string ReadFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool SpoolIsEmpty(const fs::path& spool) { return fs::is_empty(spool); }

// Feeds `body` in the pieces given by `next_piece` (sizes >= 1).
template <class NextPiece>
Outcome Run(const std::string& boundary, std::string_view body, const fs::path& spool, NextPiece next_piece) {
    Outcome outcome;
    SpoolTarget target(spool);
    std::size_t taken = 0;
    {
        MultipartStream stream(boundary, target, kLimits);
        try {
            while (!body.empty()) {
                const std::size_t n = std::min(next_piece(), body.size());
                stream.Feed(body.substr(0, n));
                body.remove_prefix(n);
            }
            stream.Finish();
        } catch (const zr::Error& e) {
            zr::fuzz::CheckClientError(e);
            outcome.status = zr::ToHttpStatus(e.kind());
        }
        if (outcome.status == 200) {
            outcome.fields = stream.TakeFields();
            stream.SyncFiles();
            const auto files = stream.TakeFiles();
            taken = files.size();
            for (const auto& file : files) {
                const std::string content = ReadFile(file.path);
                ZR_FUZZ_CHECK(content.size() == file.size, file.path.string());
                ZR_FUZZ_CHECK(zr::crypto::Md5Hex(content) == file.md5, file.path.string());
                ZR_FUZZ_CHECK(file.path.parent_path() == spool, file.path.string());
                outcome.files.push_back(file.field + "|" + file.filename + "|" + std::to_string(file.size) + "|" +
                                        file.md5);
                fs::remove(file.path);
            }
        }
    }
    ZR_FUZZ_CHECK(SpoolIsEmpty(spool), "files left in the spool folder");
    ZR_FUZZ_CHECK(target.discarded == target.created - taken, std::to_string(target.created) + " created, " +
                                                                  std::to_string(taken) + " taken, " +
                                                                  std::to_string(target.discarded) + " discarded");
    return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body = zr::fuzz::AsText(data, size);
    const std::string_view content_type = zr::fuzz::TakeLine(body);
    std::optional<std::string> boundary;
    try {
        boundary = zr::http::MultipartBoundary(content_type);
    } catch (const zr::Error& e) {
        zr::fuzz::CheckClientError(e);
        return 0;
    }
    if (!boundary) return 0;
    const fs::path& spool = zr::fuzz::ProcessTempDir("multipart");

    const Outcome whole = Run(*boundary, body, spool, [&] { return body.size(); });
    const Outcome bytes = Run(*boundary, body, spool, [] { return std::size_t{1}; });
    ZR_FUZZ_CHECK(whole == bytes, "whole: " + whole.Describe() + "\nbyte by byte: " + bytes.Describe());
    zr::fuzz::InputRandom random(zr::fuzz::AsText(data, size));
    const std::size_t largest = random.Between1And(64);
    const Outcome pieces = Run(*boundary, body, spool, [&] { return random.Between1And(largest); });
    ZR_FUZZ_CHECK(whole == pieces, "whole: " + whole.Describe() + "\npieces: " + pieces.Describe());
    return 0;
}
