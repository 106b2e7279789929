#pragma once
// Incremental multipart/form-data parser for streamed uploads (RFC 7578 / RFC 2046), free of any
// socket or Beast type. The body arrives in pieces of any size (a boundary may be split across
// pieces); file parts (those with a `filename` parameter) go straight to files the UploadTarget
// creates, their md5 computed on the way; text fields stay in memory within a size limit. Memory
// use does not depend on the size of the file parts.
//
// Thread-safety: one object per request; not thread-safe.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/crypto.hpp"
#include "http/message.hpp"

namespace zr::http {

// The boundary of a `multipart/form-data` Content-Type value (type and parameter names are
// case-insensitive, the value may be quoted). nullopt when the type is not multipart/form-data.
// Throws zr::Error 400 ("There was an error parsing the body") when it is, but the boundary is
// missing, empty, longer than 70 characters or contains CR, LF or NUL.
std::optional<std::string> MultipartBoundary(std::string_view content_type);

struct MultipartLimits {
    std::size_t max_field_bytes = 64 * 1024;       // names + values of all text fields together -> 413
    std::size_t max_part_header_bytes = 8 * 1024;  // headers of one part -> 400
    std::size_t max_parts = 1000;                  // -> 400
};

class MultipartStream {
public:
    // `boundary` as returned by MultipartBoundary; `target` creates the file of each file part
    // and must outlive the stream.
    MultipartStream(const std::string& boundary, UploadTarget& target, MultipartLimits limits = {});
    // Closes and discards every file not handed out by TakeFiles().
    ~MultipartStream();
    MultipartStream(const MultipartStream&) = delete;
    MultipartStream& operator=(const MultipartStream&) = delete;

    // Consumes the next piece of the body. Throws zr::Error: 400 for a malformed body (FastAPI's
    // {"detail": "There was an error parsing the body"}, the reason in log_detail), 413 when the
    // text fields exceed max_field_bytes, 507 when the disk is full; FileError when a file cannot
    // be created or written. After a throw the object may only be destroyed (which discards its
    // files).
    void Feed(std::string_view data);
    // The body ended: throws zr::Error 400 unless the closing boundary was seen. Bytes after the
    // closing boundary (the epilogue) are ignored.
    void Finish();
    // After Finish(): makes every file part durable (fdatasync) and closes it. Blocking: call it
    // off the IO threads. Throws as Feed.
    void SyncFiles();

    // After Finish(): the file parts in body order. Ownership of the files passes to the caller
    // (the destructor no longer removes them).
    std::vector<UploadedFile> TakeFiles();
    // After Finish(): the text fields (name, value) in body order.
    std::vector<std::pair<std::string, std::string>> TakeFields();

    // Bytes of file content written so far (all parts).
    std::uint64_t file_bytes() const { return file_bytes_; }

private:
    enum class State { kPreamble, kDelimiterEnd, kHeaders, kBody, kEpilogue };
    enum class Tail { kStart, kDash, kCr };

    std::string_view ScanForDelimiter(std::string_view data);
    std::string_view ReadDelimiterEnd(std::string_view data);
    std::string_view ReadHeaders(std::string_view data);
    void OnDelimiter();
    void BeginPart(std::string_view header_block);
    void Emit(std::string_view data);
    void EndPart();
    void OpenFile(std::string name, std::string filename);
    void CloseFile();
    void RemoveFiles() noexcept;

    std::string delimiter_;  // "\r\n--" + boundary
    UploadTarget& target_;
    MultipartLimits limits_;
    State state_ = State::kPreamble;
    Tail tail_ = Tail::kStart;
    std::string held_;        // a prefix of delimiter_ seen at the end of the previous piece
    std::string header_buf_;  // headers of the current part while they arrive
    std::size_t parts_ = 0;
    std::size_t field_bytes_ = 0;
    std::uint64_t file_bytes_ = 0;

    // The part being read: a text field or an open file.
    bool in_file_ = false;
    std::string field_name_;
    std::string field_value_;
    std::unique_ptr<WritableFile> open_file_;
    UploadedFile file_;
    std::uint64_t flushed_ = 0;  // bytes of the current file already handed to writeback
    std::optional<crypto::Md5> md5_;

    std::vector<UploadedFile> files_;
    std::vector<std::unique_ptr<WritableFile>> finished_files_;  // parallel to files_ until SyncFiles
    std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace zr::http
