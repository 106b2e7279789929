#include "mail/mime.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <ctime>
#include <random>

namespace zr::mail {
namespace {

constexpr std::size_t kMaxLine = 998;          // RFC 5322 hard limit, without CRLF
constexpr std::size_t kQpLine = 76;            // RFC 2045 limit for quoted-printable lines
constexpr std::size_t kEncodedWordBytes = 45;  // 45 bytes -> 60 base64 chars -> 72-char word
constexpr std::size_t kMaxPlainHeader = 900;   // longer header values are encoded (and folded)

bool IsPrintableAscii(std::string_view text) {
    for (unsigned char c : text) {
        if (c < 0x20 || c >= 0x7f) return false;
    }
    return true;
}

std::string RandomHex(std::size_t bytes) {
    std::random_device device;
    std::string out;
    for (std::size_t i = 0; i < bytes; i += 4) out += fmt::format("{:08x}", device());
    return out.substr(0, bytes * 2);
}

void CheckAddress(std::string_view address, std::string_view what) {
    const auto at = address.find('@');
    bool ok = !address.empty() && at != std::string_view::npos && at > 0 && at + 1 < address.size() &&
              address.find('@', at + 1) == std::string_view::npos;
    for (unsigned char c : address) {
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == '"' || c == '\\') {
            ok = false;
        }
    }
    if (!ok) throw MailError(fmt::format("invalid {} address", what));
}

// Splits on LF, CRLF or lone CR; the result has no line terminators.
std::vector<std::string_view> SplitLines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\n' && text[i] != '\r') continue;
        lines.push_back(text.substr(start, i - start));
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        start = i + 1;
    }
    if (start < text.size()) lines.push_back(text.substr(start));
    return lines;
}

std::size_t CharLength(unsigned char lead) {
    if (lead >= 0xf0 && lead <= 0xf7) return 4;
    if (lead >= 0xe0) return lead <= 0xef ? 3 : 1;
    if (lead >= 0xc0) return 2;
    return 1;
}

std::string QuoteDisplayName(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// One MIME part: headers and body for `text`, choosing the transfer encoding.
std::string BuildPart(std::string_view content_type, std::string_view text) {
    const auto lines = SplitLines(text);
    bool short_lines = true;
    bool ascii = true;
    for (auto line : lines) {
        if (line.size() > kMaxLine || line.find('\0') != std::string_view::npos) short_lines = false;
        for (unsigned char c : line) ascii = ascii && c < 0x80;
    }
    std::string body;
    std::string encoding;
    if (short_lines) {
        encoding = ascii ? "7bit" : "8bit";
        for (auto line : lines) body.append(line).append("\r\n");
    } else {
        encoding = "quoted-printable";
        body = EncodeQuotedPrintable(text);
    }
    return fmt::format("Content-Type: {}; charset=utf-8\r\nContent-Transfer-Encoding: {}\r\n\r\n{}", content_type,
                       encoding, body);
}

}  // namespace

std::string Base64(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t chunk = 0;
        for (std::size_t k = 0; k < 3; ++k) {
            chunk = (chunk << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
        }
        for (std::size_t k = 0; k < 4; ++k) {
            out += k <= n ? kAlphabet[(chunk >> (18 - 6 * k)) & 0x3f] : '=';
        }
    }
    return out;
}

std::string EncodeHeaderText(std::string_view text) {
    std::string clean(text);
    for (char& c : clean) {
        if (c == '\r' || c == '\n') c = ' ';
    }
    const bool plain =
        IsPrintableAscii(clean) && clean.size() <= kMaxPlainHeader && clean.find("=?") == std::string::npos;
    if (plain) return clean;
    std::string out;
    std::size_t pos = 0;
    while (pos < clean.size()) {
        std::size_t end = pos;
        while (end < clean.size()) {
            const std::size_t len = std::min(CharLength(static_cast<unsigned char>(clean[end])), clean.size() - end);
            if (end + len - pos > kEncodedWordBytes) break;
            end += len;
        }
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + Base64(std::string_view(clean).substr(pos, end - pos)) + "?=";
        pos = end;
    }
    return out;
}

std::string FormatDate(std::chrono::system_clock::time_point when) {
    static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays.at(tm.tm_wday), tm.tm_mday,
                       kMonths.at(tm.tm_mon), tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string EncodeQuotedPrintable(std::string_view text) {
    std::string out;
    for (auto line : SplitLines(text)) {
        std::size_t width = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const auto c = static_cast<unsigned char>(line[i]);
            const bool last = i + 1 == line.size();
            const bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
            std::string token = literal ? std::string(1, static_cast<char>(c)) : fmt::format("={:02X}", c);
            // Keep room for the soft break '=' unless this token ends the line.
            const std::size_t limit = last ? kQpLine : kQpLine - 1;
            if (width + token.size() > limit) {
                out += "=\r\n";
                width = 0;
            }
            out += token;
            width += token.size();
        }
        out += "\r\n";
    }
    return out;
}

std::string BuildMime(const Message& message, std::string_view from, std::string_view from_name,
                      std::chrono::system_clock::time_point now) {
    CheckAddress(message.to, "recipient");
    CheckAddress(from, "sender");
    std::string sender(from);
    if (!from_name.empty()) {
        const bool plain = IsPrintableAscii(from_name) && from_name.find("=?") == std::string::npos;
        sender = fmt::format("{} <{}>", plain ? QuoteDisplayName(from_name) : EncodeHeaderText(from_name), from);
    }
    const std::string domain(from.substr(from.find('@') + 1));
    std::string out = fmt::format(
        "Date: {}\r\nFrom: {}\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: <{}.{}@{}>\r\n"
        "MIME-Version: 1.0\r\n",
        FormatDate(now), sender, message.to, EncodeHeaderText(message.subject), RandomHex(16),
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count(), domain);
    if (message.html_body.empty()) return out + BuildPart("text/plain", message.text_body);
    const std::string boundary = "=_zr_" + RandomHex(16);
    out += fmt::format("Content-Type: multipart/alternative; boundary=\"{}\"\r\n\r\n", boundary);
    out += "This is a multi-part message in MIME format.\r\n";
    // Each part's body ends with CRLF; the CRLF before a delimiter belongs to the delimiter, so
    // one more keeps the last line break of the text.
    out += fmt::format("--{}\r\n{}\r\n", boundary, BuildPart("text/plain", message.text_body));
    out += fmt::format("--{}\r\n{}\r\n", boundary, BuildPart("text/html", message.html_body));
    return out + fmt::format("--{}--\r\n", boundary);
}

}  // namespace zr::mail
