// pydantic v1's AnyHttpUrl and datetime (pydantic 1.10 networks.py and datetime_parse.py), for
// the second API generation's model fields: the same accepted values and the same 422 items.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "api/fields.hpp"
#include "common/strings.hpp"

namespace zr::api {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// Python's whitespace (str.strip(), the regular expressions' \s) in the ASCII range.
bool IsPythonSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f'); }

std::string_view StripPython(std::string_view text) {
    while (!text.empty() && IsPythonSpace(text.front())) text.remove_prefix(1);
    while (!text.empty() && IsPythonSpace(text.back())) text.remove_suffix(1);
    return text;
}

std::size_t CodePointCount(std::string_view text) {
    std::size_t count = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++count;
    }
    return count;
}

// Python's repr() of a str, for the messages that quote one.
std::string PythonRepr(std::string_view text) {
    const bool has_single = text.find('\'') != std::string_view::npos;
    const char quote = has_single && text.find('"') == std::string_view::npos ? '"' : '\'';
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(1, quote);
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == quote || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        } else {
            out += c;
        }
    }
    out += quote;
    return out;
}

// ---------------------------------------------------------------------------------------------
// URLs

struct UrlIssue {
    std::string msg;
    std::string type;
    nlohmann::json ctx = nullptr;
};

std::optional<UrlIssue> HostIssue() { return UrlIssue{"URL host invalid", "value_error.url.host"}; }

// One label of a host name: 1 to 63 characters, no '-' at either end, made of letters, digits,
// '_' and '-' (international names: also every character from 'a' up, as pydantic's range
// a-\U00040000 does).
bool IsHostLabel(std::string_view label, bool international) {
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    if (CodePointCount(label) > 63) return false;
    for (const char c : label) {
        const auto byte = static_cast<unsigned char>(c);
        const bool ascii_ok = IsAsciiAlpha(c) || IsDigit(c) || c == '_' || c == '-';
        if (!ascii_ok && !(international && byte >= 'a')) return false;
    }
    return true;
}

bool IsHostName(std::string_view host, bool international) {
    if (host.ends_with('.')) host.remove_suffix(1);  // one trailing dot is allowed
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = host.find('.', start);
        if (!IsHostLabel(host.substr(start, dot == std::string_view::npos ? dot : dot - start), international)) {
            return false;
        }
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

// Length of the IPv4 address "d.d.d.d" (1 to 3 digits each) at the start of `text` when one
// followed by the end or one of "/:#?" is there, else 0.
std::size_t Ipv4Length(std::string_view text) {
    std::size_t pos = 0;
    for (int group = 0; group < 4; ++group) {
        if (group > 0) {
            if (pos >= text.size() || text[pos] != '.') return 0;
            ++pos;
        }
        std::size_t digits = 0;
        while (pos < text.size() && IsDigit(text[pos]) && digits < 3) ++pos, ++digits;
        if (digits == 0) return 0;
    }
    if (pos < text.size() && std::string_view("/:#?").find(text[pos]) == std::string_view::npos) return 0;
    return pos;
}

// Length of "[hex*:[hex:]+]" at the start of `text` followed by the end or one of "/:#?", else 0.
std::size_t Ipv6Length(std::string_view text) {
    if (!text.starts_with('[')) return 0;
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return 0;
    const std::string_view inside = text.substr(1, close - 1);
    const std::size_t colon = inside.find(':');
    if (colon == std::string_view::npos || colon + 1 == inside.size()) return 0;
    for (const char c : inside) {
        if (!IsDigit(c) && c != ':' && !((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return 0;
    }
    if (close + 1 < text.size() && std::string_view("/:#?").find(text[close + 1]) == std::string_view::npos) return 0;
    return close + 1;
}

// Where the optional "user[:password]@" at the start of `text` ends (after the '@'), or 0. As the
// regular expression (?:[^\s:/]*(?::[^\s/]*)?@)? matches: the last '@' of the password's run when
// there is one, else the last '@' of the user's run.
std::size_t UserInfoLength(std::string_view text) {
    std::size_t user_end = 0;
    while (user_end < text.size() && !IsPythonSpace(text[user_end]) && text[user_end] != ':' && text[user_end] != '/') {
        ++user_end;
    }
    if (user_end < text.size() && text[user_end] == ':') {
        std::size_t end = user_end + 1;
        while (end < text.size() && !IsPythonSpace(text[end]) && text[end] != '/') ++end;
        const std::size_t at = text.substr(0, end).rfind('@');
        if (at != std::string_view::npos && at > user_end) return at + 1;
    }
    const std::size_t at = text.substr(0, user_end).rfind('@');
    return at == std::string_view::npos ? 0 : at + 1;
}

// Length of the run at the start of `text` of characters that are not blanks nor in `stops`.
std::size_t RunLength(std::string_view text, std::string_view stops) {
    std::size_t n = 0;
    while (n < text.size() && !IsPythonSpace(text[n]) && stops.find(text[n]) == std::string_view::npos) ++n;
    return n;
}

// pydantic's checks in its order: scheme, port, characters left over, host.
std::optional<UrlIssue> CheckHttpUrl(std::string_view url) {
    std::size_t scheme_end = 0;
    if (!url.empty() && IsAsciiAlpha(url[0])) {
        scheme_end = 1;
        while (scheme_end < url.size() && (IsAsciiAlpha(url[scheme_end]) || IsDigit(url[scheme_end]) ||
                                           std::string_view("+-.").find(url[scheme_end]) != std::string_view::npos)) {
            ++scheme_end;
        }
    }
    if (scheme_end < 2 || url.substr(scheme_end, 3) != "://") {
        return UrlIssue{"invalid or missing URL scheme", "value_error.url.scheme"};
    }
    const std::string scheme = ToLower(url.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") {
        return UrlIssue{"URL scheme not permitted", "value_error.url.scheme",
                        nlohmann::json{{"allowed_schemes", nlohmann::json::array({"http", "https"})}}};
    }
    std::string_view rest = url.substr(scheme_end + 3);
    rest.remove_prefix(UserInfoLength(rest));
    std::size_t host_length = Ipv4Length(rest);
    bool is_name = false;
    if (host_length == 0) host_length = Ipv6Length(rest);
    if (host_length == 0) {
        host_length = RunLength(rest, "/:?#");
        is_name = host_length > 0;
    }
    const std::string_view host = rest.substr(0, host_length);
    rest.remove_prefix(host_length);
    if (rest.size() > 1 && rest[0] == ':' && IsDigit(rest[1])) {
        std::size_t digits = 1;
        while (digits < rest.size() && IsDigit(rest[digits])) ++digits;
        const std::string_view port = rest.substr(1, digits - 1);
        const std::string_view significant = port.substr(std::min(port.find_first_not_of('0'), port.size()));
        if (significant.size() > 5 || (significant.size() == 5 && significant > "65535")) {
            return UrlIssue{"URL port invalid, port cannot exceed 65535", "value_error.url.port"};
        }
        rest.remove_prefix(digits);
    }
    if (rest.starts_with('/')) rest.remove_prefix(RunLength(rest, "?#"));
    if (rest.starts_with('?')) rest.remove_prefix(1 + RunLength(rest.substr(1), "#"));
    if (rest.starts_with('#')) rest.remove_prefix(1 + RunLength(rest.substr(1), "#"));
    if (!rest.empty()) {
        return UrlIssue{"URL invalid, extra characters found after valid URL: " + PythonRepr(rest),
                        "value_error.url.extra",
                        {{"extra", std::string(rest)}}};
    }
    if (host.empty()) return HostIssue();
    if (is_name && !IsHostName(host, false) && !IsHostName(host, true)) return HostIssue();
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Datetimes

ValidationIssue InvalidDateTime(const nlohmann::json& loc) {
    return {loc, "invalid datetime format", "value_error.datetime"};
}

// What our TimePoint (nanoseconds since 1970 in 64 bits) can hold, with a margin for zones.
constexpr int kFirstYear = 1678;
constexpr int kLastYear = 2261;
constexpr double kMaxUnixSeconds = 9.2e9;

// Python's float() of a text: blanks around, a sign, digits with single '_' between them, a
// fraction, an exponent, or inf / infinity / nan. nullopt when it is not one.
std::optional<double> PythonFloatText(std::string_view text) {
    text = StripPython(text);
    std::string plain;
    std::size_t pos = 0;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) plain += text[pos++];
    const std::string word = ToLower(text.substr(pos));
    if (word == "inf" || word == "infinity") return plain == "-" ? -INFINITY : INFINITY;
    if (word == "nan") return NAN;
    // Digits with single underscores between two digits; returns how many digits were read.
    auto digits = [&]() {
        std::size_t count = 0;
        while (pos < text.size()) {
            if (IsDigit(text[pos])) {
                plain += text[pos++];
                ++count;
            } else if (text[pos] == '_' && count > 0 && pos + 1 < text.size() && IsDigit(text[pos + 1])) {
                ++pos;
            } else {
                break;
            }
        }
        return count;
    };
    std::size_t mantissa = digits();
    if (pos < text.size() && text[pos] == '.') {
        plain += text[pos++];
        mantissa += digits();
    }
    if (mantissa == 0) return std::nullopt;
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
        plain += text[pos++];
        if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) plain += text[pos++];
        if (digits() == 0) return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;
    return std::strtod(plain.c_str(), nullptr);
}

// pydantic's from_unix_seconds: beyond 3e20 is datetime.max (or min), beyond 2e10 milliseconds.
std::optional<TimePoint> FromUnixSeconds(double seconds, const nlohmann::json& loc,
                                         std::vector<ValidationIssue>& issues) {
    if (std::isnan(seconds)) {
        issues.push_back({loc, "cannot convert float NaN to integer", "value_error"});
        return std::nullopt;
    }
    constexpr double kMaxNumber = 3e20;
    constexpr double kWatershed = 2e10;
    if (std::fabs(seconds) <= kMaxNumber) {
        while (std::fabs(seconds) > kWatershed) seconds /= 1000;
    }
    if (std::fabs(seconds) > kMaxUnixSeconds) {
        issues.push_back(InvalidDateTime(loc));
        return std::nullopt;
    }
    const auto micros = std::llround(seconds * 1e6);
    return TimePoint(std::chrono::microseconds(micros));
}

// Reads 1 to `max` digits at text[pos]; nullopt when there is none.
std::optional<int> ReadDigits(std::string_view text, std::size_t& pos, std::size_t max) {
    int value = 0;
    std::size_t count = 0;
    while (pos < text.size() && count < max && IsDigit(text[pos])) {
        value = value * 10 + (text[pos++] - '0');
        ++count;
    }
    if (count == 0) return std::nullopt;
    return value;
}

struct DateTimeParts {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, micro = 0;
    std::optional<int> offset_minutes;  // none: local time
};

// The pattern of pydantic's datetime_re; ranges are checked by the caller.
std::optional<DateTimeParts> MatchDateTime(std::string_view text) {
    if (text.ends_with('\n')) text.remove_suffix(1);  // Python's `$` also matches before it
    DateTimeParts p;
    std::size_t pos = 0;
    auto expect = [&](char c) { return pos < text.size() && text[pos] == c ? (++pos, true) : false; };
    const std::size_t year_start = pos;
    auto year = ReadDigits(text, pos, 4);
    if (!year || pos - year_start != 4 || !expect('-')) return std::nullopt;
    auto month = ReadDigits(text, pos, 2);
    if (!month || !expect('-')) return std::nullopt;
    auto day = ReadDigits(text, pos, 2);
    if (!day || !(expect('T') || expect(' '))) return std::nullopt;
    auto hour = ReadDigits(text, pos, 2);
    if (!hour || !expect(':')) return std::nullopt;
    auto minute = ReadDigits(text, pos, 2);
    if (!minute) return std::nullopt;
    p.year = *year;
    p.month = *month;
    p.day = *day;
    p.hour = *hour;
    p.minute = *minute;
    if (expect(':')) {
        auto second = ReadDigits(text, pos, 2);
        if (!second) return std::nullopt;
        p.second = *second;
        if (expect('.')) {
            const std::size_t start = pos;
            auto micro = ReadDigits(text, pos, 6);
            if (!micro) return std::nullopt;
            p.micro = *micro;
            for (std::size_t kept = pos - start; kept < 6; ++kept) p.micro *= 10;  // ".5" is 500000
            std::size_t dropped = 0;  // up to six more digits are allowed and ignored
            while (pos < text.size() && dropped < 6 && IsDigit(text[pos])) ++pos, ++dropped;
        }
    }
    if (expect('Z')) {
        p.offset_minutes = 0;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const int sign = text[pos++] == '-' ? -1 : 1;
        const std::size_t start = pos;
        auto hours = ReadDigits(text, pos, 2);
        if (!hours || pos - start != 2) return std::nullopt;
        int minutes = 0;
        const std::size_t colon = pos;
        expect(':');
        const std::size_t mm_start = pos;
        if (auto mm = ReadDigits(text, pos, 2); mm && pos - mm_start == 2) {
            minutes = *mm;
        } else {
            pos = colon;  // "(?::?\d{2})?" did not match: nothing of it is taken
        }
        p.offset_minutes = sign * (*hours * 60 + minutes);
    }
    if (pos != text.size()) return std::nullopt;
    return p;
}

std::optional<TimePoint> ToTimePoint(const DateTimeParts& p) {
    using namespace std::chrono;
    if (p.year < kFirstYear || p.year > kLastYear || p.hour > 23 || p.minute > 59 || p.second > 59) {
        return std::nullopt;
    }
    if (p.offset_minutes && std::abs(*p.offset_minutes) >= 24 * 60) return std::nullopt;
    const year_month_day date{year(p.year), month(static_cast<unsigned>(p.month)), day(static_cast<unsigned>(p.day))};
    if (!date.ok()) return std::nullopt;
    if (!p.offset_minutes) {
        // Local time, as the stored form is read.
        const Date d = date;
        std::string text = FormatDate(d);
        char clock[32];
        std::snprintf(clock, sizeof clock, " %02d:%02d:%02d.%06d", p.hour, p.minute, p.second, p.micro);
        return ParseDateTime(text + clock);
    }
    const auto utc = sys_days(date) + hours(p.hour) + minutes(p.minute) + seconds(p.second) + microseconds(p.micro) -
                     minutes(*p.offset_minutes);
    return time_point_cast<TimePoint::duration>(utc);
}

}  // namespace

std::optional<std::string> PydanticHttpUrl(const nlohmann::json& value, const nlohmann::json& loc,
                                           std::vector<ValidationIssue>& issues) {
    const auto text = PydanticStr(value, loc, issues);
    if (!text) return std::nullopt;
    const std::string_view url = StripPython(*text);
    constexpr std::size_t kMaxLength = 65536;
    if (url.empty()) {
        issues.push_back({loc,
                          "ensure this value has at least 1 characters",
                          "value_error.any_str.min_length",
                          {{"limit_value", 1}}});
        return std::nullopt;
    }
    if (CodePointCount(url) > kMaxLength) {
        issues.push_back({loc,
                          "ensure this value has at most 65536 characters",
                          "value_error.any_str.max_length",
                          {{"limit_value", kMaxLength}}});
        return std::nullopt;
    }
    if (auto issue = CheckHttpUrl(url)) {
        issues.push_back({loc, std::move(issue->msg), std::move(issue->type), std::move(issue->ctx)});
        return std::nullopt;
    }
    return std::string(url);
}

std::optional<TimePoint> PydanticDateTime(const nlohmann::json& value, const nlohmann::json& loc,
                                          std::vector<ValidationIssue>& issues) {
    if (value.is_boolean()) return FromUnixSeconds(value.get<bool>() ? 1 : 0, loc, issues);
    if (value.is_number()) return FromUnixSeconds(value.get<double>(), loc, issues);
    if (!value.is_string()) {
        issues.push_back({loc, "invalid type; expected datetime, string, bytes, int or float", "type_error"});
        return std::nullopt;
    }
    const std::string& text = value.get_ref<const std::string&>();
    if (auto number = PythonFloatText(text)) return FromUnixSeconds(*number, loc, issues);
    const auto parts = MatchDateTime(text);
    auto time = parts ? ToTimePoint(*parts) : std::nullopt;
    if (!time) issues.push_back(InvalidDateTime(loc));
    return time;
}

std::optional<std::string> Fields::OptionalHttpUrl(const std::string& name) {
    auto it = values_.find(name);
    if (it == values_.end() || it->is_null()) return std::nullopt;
    return PydanticHttpUrl(*it, nlohmann::json::array({location_, name}), issues_);
}

std::optional<TimePoint> Fields::OptionalDateTime(const std::string& name) {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    const nlohmann::json loc = nlohmann::json::array({location_, name});
    if (it->is_null()) {
        issues_.push_back({loc, "none is not an allowed value", "type_error.none.not_allowed"});
        return std::nullopt;
    }
    return PydanticDateTime(*it, loc, issues_);
}

}  // namespace zr::api
