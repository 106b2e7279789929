#include "api/python_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace zr::api {
namespace {

// The scanner works on bytes: every character JSON's grammar names is ASCII, so a multi-byte
// character can only be inside a string or be the offending character itself. Positions are
// turned into code points at the end (FindPythonJsonError). The rules mirror CPython's
// Modules/_json.c (scan_once_unicode, _parse_object_unicode, _parse_array_unicode,
// scanstring_unicode, _match_number_unicode) and Lib/json/decoder.py (decode, raw_decode).
class Scanner {
public:
    explicit Scanner(std::string_view s) : s_(s), n_(s.size()) {}

    // The byte position and message of the first error, or nullopt.
    std::optional<std::pair<std::size_t, const char*>> Run();

private:
    struct Failure {
        std::size_t at;
        const char* msg;
    };

    std::size_t SkipSpace(std::size_t i) const {
        while (i < n_ && (s_[i] == ' ' || s_[i] == '\t' || s_[i] == '\n' || s_[i] == '\r')) ++i;
        return i;
    }
    bool IsDigit(std::size_t i) const { return i < n_ && s_[i] >= '0' && s_[i] <= '9'; }
    bool Literal(std::size_t i, std::string_view word) const { return s_.substr(i, word.size()) == word; }
    static int HexValue(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    // scanstring_unicode: `i` is just after the opening quote; returns the position after the
    // closing quote, or sets failure_.
    std::optional<std::size_t> String(std::size_t i);
    // Four hex digits at i..i+3 (all present); nullopt when one is not a hex digit.
    std::optional<unsigned> Hex4(std::size_t i) const;
    // _match_number_unicode: the end of the number at i, or nullopt ("Expecting value" at i).
    std::optional<std::size_t> Number(std::size_t i) const;
    // After '{' and whitespace, or after ',' and whitespace in an object: the key and ':'.
    // Returns the position of the value (whitespace skipped), or sets failure_.
    std::optional<std::size_t> Key(std::size_t i);

    std::string_view s_;
    std::size_t n_;
    std::optional<Failure> failure_;
};

std::optional<unsigned> Scanner::Hex4(std::size_t i) const {
    unsigned value = 0;
    for (std::size_t k = i; k < i + 4; ++k) {
        const int digit = HexValue(s_[k]);
        if (digit < 0) return std::nullopt;
        value = value * 16 + static_cast<unsigned>(digit);
    }
    return value;
}

std::optional<std::size_t> Scanner::String(std::size_t end) {
    const std::size_t begin = end - 1;
    while (true) {
        std::size_t next = end;
        char c = 0;
        for (; next < n_; ++next) {
            c = s_[next];
            if (c == '"' || c == '\\') break;
            if (static_cast<unsigned char>(c) <= 0x1f) {
                failure_ = Failure{next, "Invalid control character at"};
                return std::nullopt;
            }
        }
        if (next >= n_ || (c != '"' && c != '\\')) {
            failure_ = Failure{begin, "Unterminated string starting at"};
            return std::nullopt;
        }
        ++next;
        if (c == '"') return next;
        if (next == n_) {
            failure_ = Failure{begin, "Unterminated string starting at"};
            return std::nullopt;
        }
        c = s_[next];
        if (c != 'u') {
            end = next + 1;
            if (std::string_view("\"\\/bfnrt").find(c) == std::string_view::npos) {
                failure_ = Failure{end - 2, "Invalid \\escape"};
                return std::nullopt;
            }
            continue;
        }
        ++next;
        end = next + 4;
        if (end >= n_) {
            failure_ = Failure{next - 1, "Invalid \\uXXXX escape"};
            return std::nullopt;
        }
        const auto unit = Hex4(next);
        if (!unit) {
            failure_ = Failure{end - 5, "Invalid \\uXXXX escape"};
            return std::nullopt;
        }
        // A high surrogate followed by "\u": the second escape must be four hex digits too (a
        // second unit that is not a low surrogate is then read again on its own).
        if (*unit >= 0xd800 && *unit <= 0xdbff && end + 6 < n_ && s_[end] == '\\' && s_[end + 1] == 'u') {
            const auto low = Hex4(end + 2);
            if (!low) {
                failure_ = Failure{end + 1, "Invalid \\uXXXX escape"};
                return std::nullopt;
            }
            if (*low >= 0xdc00 && *low <= 0xdfff) end += 6;
        }
    }
}

std::optional<std::size_t> Scanner::Number(std::size_t i) const {
    if (n_ == 0) return std::nullopt;
    const std::size_t last = n_ - 1;
    std::size_t idx = i;
    if (s_[idx] == '-') {
        ++idx;
        if (idx > last) return std::nullopt;
    }
    if (s_[idx] >= '1' && s_[idx] <= '9') {
        ++idx;
        while (IsDigit(idx)) ++idx;
    } else if (s_[idx] == '0') {
        ++idx;
    } else {
        return std::nullopt;
    }
    if (idx < last && s_[idx] == '.' && IsDigit(idx + 1)) {
        idx += 2;
        while (IsDigit(idx)) ++idx;
    }
    if (idx < last && (s_[idx] == 'e' || s_[idx] == 'E')) {
        const std::size_t e_start = idx;
        ++idx;
        if (idx < last && (s_[idx] == '-' || s_[idx] == '+')) ++idx;
        while (IsDigit(idx)) ++idx;
        if (!IsDigit(idx - 1)) idx = e_start;  // no exponent digits: the number ends before the 'e'
    }
    return idx;
}

std::optional<std::size_t> Scanner::Key(std::size_t i) {
    if (i >= n_ || s_[i] != '"') {
        failure_ = Failure{i, "Expecting property name enclosed in double quotes"};
        return std::nullopt;
    }
    const auto after = String(i + 1);
    if (!after) return std::nullopt;
    i = SkipSpace(*after);
    if (i >= n_ || s_[i] != ':') {
        failure_ = Failure{i, "Expecting ':' delimiter"};
        return std::nullopt;
    }
    return SkipSpace(i + 1);
}

std::optional<std::pair<std::size_t, const char*>> Scanner::Run() {
    auto failed = [this] { return std::make_pair(failure_->at, failure_->msg); };
    std::vector<char> open;  // '{' or '[' of the containers being read
    std::size_t i = SkipSpace(0);
    while (true) {
        // One value at i (scan_once_unicode).
        if (i >= n_) return std::make_pair(i, "Expecting value");
        const char c = s_[i];
        if (c == '"') {
            const auto after = String(i + 1);
            if (!after) return failed();
            i = *after;
        } else if (c == '{' || c == '[') {
            const std::size_t j = SkipSpace(i + 1);
            const char close = c == '{' ? '}' : ']';
            if (j < n_ && s_[j] == close) {
                i = j + 1;
            } else {
                open.push_back(c);
                if (c == '{') {
                    const auto value = Key(j);
                    if (!value) return failed();
                    i = *value;
                } else {
                    i = j;
                }
                continue;
            }
        } else if (Literal(i, "null") || Literal(i, "true") || Literal(i, "NaN")) {
            i += c == 'N' ? 3 : 4;
        } else if (Literal(i, "false")) {
            i += 5;
        } else if (Literal(i, "Infinity")) {
            i += 8;
        } else if (Literal(i, "-Infinity")) {
            i += 9;
        } else if (const auto end = Number(i)) {
            i = *end;
        } else {
            return std::make_pair(i, "Expecting value");
        }
        // The value is complete: close the containers it completes, then expect the next one.
        while (true) {
            i = SkipSpace(i);
            if (open.empty()) {
                if (i != n_) return std::make_pair(i, "Extra data");
                return std::nullopt;
            }
            const char kind = open.back();
            if (i < n_ && s_[i] == (kind == '{' ? '}' : ']')) {
                open.pop_back();
                ++i;
                continue;
            }
            if (i >= n_ || s_[i] != ',') return std::make_pair(i, "Expecting ',' delimiter");
            i = SkipSpace(i + 1);
            if (kind == '{') {
                const auto value = Key(i);
                if (!value) return failed();
                i = *value;
            }
            break;
        }
    }
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// Python's repr() of a finite double: the shortest round-trip digits, in positional notation when
// the decimal point falls within -4 < point <= 16, else d.ddde±XX.
std::string PythonFloatRepr(double value) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));  // "-1.2345e+17"
    std::string sign;
    if (!text.empty() && text.front() == '-') {
        sign = "-";
        text.remove_prefix(1);
    }
    const std::size_t e = text.find('e');
    std::string digits;
    for (const char c : text.substr(0, e)) {
        if (c != '.') digits += c;
    }
    int exponent = 0;
    std::string_view exponent_text = text.substr(e + 1);
    if (!exponent_text.empty() && exponent_text.front() == '+') exponent_text.remove_prefix(1);
    std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
    const int point = exponent + 1;  // digits before the decimal point
    const int count = static_cast<int>(digits.size());
    if (point > -4 && point <= 16) {
        if (point <= 0) return sign + "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
        if (point >= count) return sign + digits + std::string(static_cast<std::size_t>(point - count), '0') + ".0";
        return sign + digits.substr(0, static_cast<std::size_t>(point)) + "." +
               digits.substr(static_cast<std::size_t>(point));
    }
    std::string out = sign + digits.substr(0, 1);
    if (count > 1) out += "." + digits.substr(1);
    const int shown = point - 1;
    out += shown < 0 ? "e-" : "e+";
    const std::string magnitude = std::to_string(std::abs(shown));
    if (magnitude.size() < 2) out += '0';
    return out + magnitude;
}

}  // namespace

std::string PythonJsonError::Text() const {
    return msg + ": line " + std::to_string(lineno) + " column " + std::to_string(colno) + " (char " +
           std::to_string(pos) + ")";
}

std::optional<PythonJsonError> FindPythonJsonError(std::string_view text) {
    const auto found = Scanner(text).Run();
    if (!found) return std::nullopt;
    return PythonJsonErrorAt(text, found->first, found->second);
}

PythonJsonError PythonJsonErrorAt(std::string_view text, std::size_t byte_offset, std::string msg) {
    const std::size_t at = std::min(byte_offset, text.size());
    PythonJsonError error;
    error.msg = std::move(msg);
    std::size_t last_newline = 0;  // code point index of the last '\n' before `at`, plus one
    for (std::size_t b = 0; b < at; ++b) {
        if (IsContinuationByte(text[b])) continue;
        ++error.pos;
        if (text[b] == '\n') {
            ++error.lineno;
            last_newline = error.pos;
        }
    }
    error.colno = error.pos - last_newline + 1;
    return error;
}

std::string PythonStr(const nlohmann::json& value) {
    if (value.is_boolean()) return value.get<bool>() ? "True" : "False";
    if (value.is_number_integer()) return value.dump();
    return PythonFloatRepr(value.get<double>());
}

}  // namespace zr::api
