#include "common/time.hpp"

#include <cstdio>
#include <ctime>

namespace zr {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `width` decimal digits at text[pos] (no sign); nullopt otherwise.
std::optional<int> Digits(std::string_view text, std::size_t pos, std::size_t width) {
    if (pos + width > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (!IsDigit(text[i])) return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

std::optional<Date> MakeDate(int y, int m, int d) {
    Date date{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
              std::chrono::day(static_cast<unsigned>(d))};
    if (!date.ok()) return std::nullopt;
    return date;
}

}  // namespace

std::string FormatDateTime(TimePoint t) {
    using namespace std::chrono;
    // floor, not truncation: before 1970 the fraction must still count forward from the second.
    const auto secs = floor<seconds>(t);
    const auto micros = duration_cast<microseconds>(t - secs).count();
    std::time_t tt = system_clock::to_time_t(secs);
    std::tm tm{};
    localtime_r(&tt, &tm);
    // Sized for the widest value of every field, so nothing can be truncated.
    char buf[128];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06lld", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(micros));
    return buf;
}

std::optional<TimePoint> ParseDateTime(std::string_view text) {
    auto date = ParseDate(text.substr(0, 10));
    if (!date || text.size() < 19 || (text[10] != ' ' && text[10] != 'T') || text[13] != ':' || text[16] != ':') {
        return std::nullopt;
    }
    auto h = Digits(text, 11, 2), mi = Digits(text, 14, 2), s = Digits(text, 17, 2);
    if (!h || !mi || !s || *h > 23 || *mi > 59 || *s > 60) return std::nullopt;
    long long micros = 0;
    if (text.size() > 19) {
        if (text[19] != '.') return std::nullopt;
        std::string_view frac = text.substr(20);
        if (frac.empty() || frac.size() > 9) return std::nullopt;
        for (char c : frac) {
            if (!IsDigit(c)) return std::nullopt;
        }
        // Digits beyond the sixth (sub-microsecond) are dropped.
        for (std::size_t i = 0; i < 6; ++i) {
            micros = micros * 10 + (i < frac.size() ? frac[i] - '0' : 0);
        }
    }
    std::tm tm{};
    tm.tm_year = static_cast<int>(date->year()) - 1900;
    tm.tm_mon = static_cast<int>(static_cast<unsigned>(date->month())) - 1;
    tm.tm_mday = static_cast<int>(static_cast<unsigned>(date->day()));
    tm.tm_hour = *h;
    tm.tm_min = *mi;
    tm.tm_sec = *s;
    tm.tm_isdst = -1;
    std::time_t tt = mktime(&tm);
    return std::chrono::system_clock::from_time_t(tt) + std::chrono::microseconds(micros);
}

std::string FormatDate(Date d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                  static_cast<unsigned>(d.day()));
    return buf;
}

std::optional<Date> ParseDate(std::string_view text) {
    if (text.size() > 10 && (text[10] == 'T' || text[10] == ' ')) text = text.substr(0, 10);
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    auto y = Digits(text, 0, 4), m = Digits(text, 5, 2), d = Digits(text, 8, 2);
    if (!y || !m || !d) return std::nullopt;
    return MakeDate(*y, *m, *d);
}

std::optional<Date> ParseDayFirstDate(std::string_view text) {
    if (text.size() == 10 && text[2] == '/' && text[5] == '/') {
        auto d = Digits(text, 0, 2), m = Digits(text, 3, 2), y = Digits(text, 6, 4);
        if (!y || !m || !d) return std::nullopt;
        return MakeDate(*y, *m, *d);
    }
    return ParseDate(text);
}

Date LocalDate(TimePoint t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    return *MakeDate(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

}  // namespace zr
