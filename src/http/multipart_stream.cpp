#include "http/multipart_stream.hpp"

#include <algorithm>
#include <cstring>

#include "common/error.hpp"
#include "common/strings.hpp"

namespace zr::http {

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kParseError = "There was an error parsing the body";
constexpr std::size_t kMaxBoundary = 70;  // RFC 2046
// Like RocksDB's bytes_per_sync: dirty pages are handed to the disk every few MiB instead of
// piling up until the final fdatasync.
constexpr std::uint64_t kWritebackBytes = 8 * 1024 * 1024;

[[noreturn]] void Malformed(std::string why) {
    throw Error::Detail(ErrorKind::kInvalidInput, std::string(kParseError), "multipart: " + std::move(why));
}

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string_view Trim(std::string_view text) {
    const std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// Reads a quoted-string starting after its opening quote at value[*i]; false when unterminated.
bool ReadQuoted(std::string_view value, std::size_t* i, std::string* out) {
    while (*i < value.size()) {
        const char c = value[(*i)++];
        if (c == '"') return true;
        if (c == '\\' && *i < value.size()) {
            out->push_back(value[(*i)++]);
        } else {
            out->push_back(c);
        }
    }
    return false;
}

// Splits a header value into its leading token (lower-cased) and its ";"-separated parameters
// (names lower-cased, quoted values unquoted). False for an unterminated or misplaced quote.
bool ParseHeaderValue(std::string_view value, std::string* type, Params* params) {
    std::size_t i = value.find(';');
    *type = Lower(Trim(value.substr(0, i)));
    while (i < value.size()) {
        ++i;  // the ';'
        const std::size_t key_start = i;
        while (i < value.size() && value[i] != '=' && value[i] != ';') ++i;
        std::string key = Lower(Trim(value.substr(key_start, i - key_start)));
        std::string parameter;
        if (i < value.size() && value[i] == '=') {
            ++i;
            while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
            if (i < value.size() && value[i] == '"') {
                ++i;
                if (!ReadQuoted(value, &i, &parameter)) return false;
                while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
                if (i < value.size() && value[i] != ';') return false;
            } else {
                const std::size_t start = i;
                i = std::min(value.find(';', i), value.size());
                parameter = Trim(value.substr(start, i - start));
            }
        }
        if (!key.empty()) params->emplace_back(std::move(key), std::move(parameter));
    }
    return true;
}

const std::string* FindParam(const Params& params, std::string_view name) {
    for (const auto& [key, value] : params) {
        if (key == name) return &value;
    }
    return nullptr;
}

// RFC 5987 ext-value: charset'language'percent-encoded (we keep the bytes as they are).
std::optional<std::string> DecodeExtValue(std::string_view value) {
    const std::size_t first = value.find('\'');
    if (first == std::string_view::npos) return std::nullopt;
    const std::size_t second = value.find('\'', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    return zr::PercentDecode(value.substr(second + 1), false);
}

}  // namespace

std::optional<std::string> MultipartBoundary(std::string_view content_type) {
    std::string type;
    Params params;
    const bool parsed = ParseHeaderValue(content_type, &type, &params);
    if (type != "multipart/form-data") return std::nullopt;
    if (!parsed) Malformed("bad Content-Type parameters");
    const std::string* boundary = FindParam(params, "boundary");
    if (boundary == nullptr || boundary->empty() || boundary->size() > kMaxBoundary ||
        boundary->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        Malformed("missing or invalid boundary");
    }
    return *boundary;
}

MultipartStream::MultipartStream(const std::string& boundary, UploadTarget& target, MultipartLimits limits)
    : delimiter_("\r\n--" + boundary), target_(target), limits_(limits) {
    // The first delimiter has no CRLF before it: pretend one was seen.
    held_ = "\r\n";
}

MultipartStream::~MultipartStream() { RemoveFiles(); }

void MultipartStream::RemoveFiles() noexcept {
    if (open_file_) {
        open_file_.reset();
        target_.DiscardFile(file_.path);
    }
    for (const auto& file : files_) target_.DiscardFile(file.path);
    files_.clear();
    finished_files_.clear();
}

void MultipartStream::Feed(std::string_view data) {
    while (!data.empty()) {
        switch (state_) {
            case State::kPreamble:
            case State::kBody:
                data = ScanForDelimiter(data);
                break;
            case State::kDelimiterEnd:
                data = ReadDelimiterEnd(data);
                break;
            case State::kHeaders:
                data = ReadHeaders(data);
                break;
            case State::kEpilogue:
                return;
        }
    }
}

// The delimiter starts with the only '\r' it contains (a boundary has no CR), so a delimiter can
// only begin at a '\r': memchr finds the candidates and a mismatch rules out everything up to the
// next '\r'. held_ keeps a possible delimiter start cut by the end of the previous piece.
std::string_view MultipartStream::ScanForDelimiter(std::string_view data) {
    if (!held_.empty()) {
        const std::size_t need = delimiter_.size() - held_.size();
        const std::size_t k = std::min(need, data.size());
        if (data.substr(0, k) == std::string_view(delimiter_).substr(held_.size(), k)) {
            if (k < need) {
                held_.append(data.substr(0, k));
                return {};
            }
            held_.clear();
            OnDelimiter();
            return data.substr(k);
        }
        const std::string held = std::move(held_);
        held_.clear();
        Emit(held);
    }
    std::size_t from = 0;
    for (;;) {
        const void* cr = std::memchr(data.data() + from, '\r', data.size() - from);
        if (cr == nullptr) {
            Emit(data);
            return {};
        }
        const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(cr) - data.data());
        const std::size_t k = std::min(data.size() - at, delimiter_.size());
        if (std::memcmp(data.data() + at, delimiter_.data(), k) == 0) {
            Emit(data.substr(0, at));
            if (k < delimiter_.size()) {
                held_.assign(data.substr(at));
                return {};
            }
            OnDelimiter();
            return data.substr(at + k);
        }
        from = at + 1;
    }
}

void MultipartStream::OnDelimiter() {
    if (state_ == State::kBody) EndPart();
    state_ = State::kDelimiterEnd;
    tail_ = Tail::kStart;
}

// After a delimiter: "--" ends the body; otherwise optional blanks (transport padding) and CRLF.
std::string_view MultipartStream::ReadDelimiterEnd(std::string_view data) {
    for (std::size_t i = 0; i < data.size(); ++i) {
        const char c = data[i];
        if (tail_ == Tail::kDash) {
            if (c != '-') Malformed("bad closing delimiter");
            state_ = State::kEpilogue;
            return {};
        }
        if (tail_ == Tail::kCr) {
            if (c != '\n') Malformed("bad line end after a delimiter");
            state_ = State::kHeaders;
            header_buf_.clear();
            return data.substr(i + 1);
        }
        if (c == '-') {
            tail_ = Tail::kDash;
        } else if (c == '\r') {
            tail_ = Tail::kCr;
        } else if (c != ' ' && c != '\t') {
            Malformed("unexpected byte after a delimiter");
        }
    }
    return {};
}

std::string_view MultipartStream::ReadHeaders(std::string_view data) {
    const std::size_t old = header_buf_.size();
    const std::size_t room = limits_.max_part_header_bytes + 4 - std::min(old, limits_.max_part_header_bytes + 4);
    header_buf_.append(data.substr(0, room));
    std::size_t end;
    std::size_t block;  // length of the header lines, without the blank line
    if (header_buf_.size() >= 2 && header_buf_.compare(0, 2, "\r\n") == 0) {
        block = 0;
        end = 2;
    } else {
        block = header_buf_.find("\r\n\r\n", old < 3 ? 0 : old - 3);
        if (block == std::string::npos) {
            // Full (the limit + room for the blank line) and no end in sight: too large, however the
            // body is cut into pieces.
            if (header_buf_.size() >= limits_.max_part_header_bytes + 4) Malformed("part header too large");
            return data.substr(std::min(room, data.size()));
        }
        end = block + 4;
    }
    header_buf_.resize(block);
    BeginPart(header_buf_);
    state_ = State::kBody;
    return data.substr(end - old);
}

void MultipartStream::BeginPart(std::string_view header_block) {
    if (++parts_ > limits_.max_parts) Malformed("too many parts");
    std::optional<std::string> disposition;
    while (!header_block.empty()) {
        const std::size_t eol = std::min(header_block.find("\r\n"), header_block.size());
        const std::string_view line = header_block.substr(0, eol);
        header_block.remove_prefix(std::min(eol + 2, header_block.size()));
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) Malformed("bad part header line");
        if (Lower(Trim(line.substr(0, colon))) == "content-disposition") {
            disposition = std::string(line.substr(colon + 1));
        }
    }
    if (!disposition) Malformed("part without Content-Disposition");
    std::string type;
    Params params;
    if (!ParseHeaderValue(*disposition, &type, &params) || type != "form-data") {
        Malformed("bad Content-Disposition");
    }
    const std::string* name = FindParam(params, "name");
    if (name == nullptr) Malformed("part without a name");
    const std::string* filename = FindParam(params, "filename");
    std::optional<std::string> ext_filename;
    if (const std::string* ext = FindParam(params, "filename*")) ext_filename = DecodeExtValue(*ext);
    if (filename == nullptr && !ext_filename) {
        in_file_ = false;
        field_name_ = *name;
        field_value_.clear();
        field_bytes_ += name->size();
        if (field_bytes_ > limits_.max_field_bytes) {
            throw Error::Detail(ErrorKind::kTooLarge, "Request body too large", "multipart: fields too large");
        }
        return;
    }
    OpenFile(*name, ext_filename ? *ext_filename : *filename);
}

void MultipartStream::OpenFile(std::string name, std::string filename) {
    file_ = UploadedFile{};
    file_.field = std::move(name);
    file_.filename = std::move(filename);
    SpoolFile spool = target_.CreateFile();
    file_.path = std::move(spool.path);
    open_file_ = std::move(spool.file);
    md5_.emplace();
    in_file_ = true;
    flushed_ = 0;
}

void MultipartStream::Emit(std::string_view data) {
    if (state_ != State::kBody || data.empty()) return;  // the preamble is dropped
    if (!in_file_) {
        field_bytes_ += data.size();
        if (field_bytes_ > limits_.max_field_bytes) {
            throw Error::Detail(ErrorKind::kTooLarge, "Request body too large", "multipart: fields too large");
        }
        field_value_.append(data);
        return;
    }
    md5_->Update(data.data(), data.size());
    open_file_->Append(data);
    file_.size += data.size();
    file_bytes_ += data.size();
    if (file_.size - flushed_ >= kWritebackBytes) {
        // Start writing back what we have (no waiting), so the final sync has little left.
        open_file_->StartWriteback();
        flushed_ = file_.size;
    }
}

void MultipartStream::EndPart() {
    if (!in_file_) {
        fields_.emplace_back(std::move(field_name_), std::move(field_value_));
        return;
    }
    CloseFile();
}

// The file stays open until SyncFiles: syncing a file needs it open, and reopening each one
// would cost a system call per part.
void MultipartStream::CloseFile() {
    file_.md5 = md5_->HexDigest();
    md5_.reset();
    files_.push_back(file_);
    finished_files_.push_back(std::move(open_file_));
    in_file_ = false;
}

void MultipartStream::Finish() {
    if (state_ != State::kEpilogue) Malformed("body ended before the closing delimiter");
}

void MultipartStream::SyncFiles() {
    for (auto& file : finished_files_) {
        file->Sync();
        file->Close();
    }
    finished_files_.clear();
}

std::vector<UploadedFile> MultipartStream::TakeFiles() {
    std::vector<UploadedFile> files = std::move(files_);
    files_.clear();
    return files;
}

std::vector<std::pair<std::string, std::string>> MultipartStream::TakeFields() {
    std::vector<std::pair<std::string, std::string>> fields = std::move(fields_);
    fields_.clear();
    return fields;
}

}  // namespace zr::http
