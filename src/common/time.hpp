#pragma once
// Dates and datetimes in the stored formats of the first implementation, and a clock that tests
// can replace.
//   date:     "YYYY-MM-DD"
//   datetime: "YYYY-MM-DD HH:MM:SS.ffffff" (local time, no zone)
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zr {

using TimePoint = std::chrono::system_clock::time_point;
using Date = std::chrono::year_month_day;

// Source of "now". Thread-safe. Tests may subclass it to move time.
class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint Now() const { return std::chrono::system_clock::now(); }
};

// Milliseconds since the Unix epoch (the workers table and the metrics' timestamps).
inline std::int64_t UnixMillis(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// "YYYY-MM-DD HH:MM:SS.ffffff" in local time.
std::string FormatDateTime(TimePoint t);
// Parses the stored datetime form (fraction optional, 'T' accepted as separator). nullopt if malformed.
std::optional<TimePoint> ParseDateTime(std::string_view text);

// "YYYY-MM-DD".
std::string FormatDate(Date d);
// Parses "YYYY-MM-DD" (also accepts an ISO datetime, keeping the date part); nullopt if malformed
// or not a real calendar date.
std::optional<Date> ParseDate(std::string_view text);
// Parses "dd/mm/yyyy" (the admin CLI form) or ISO; nullopt if malformed.
std::optional<Date> ParseDayFirstDate(std::string_view text);
// The local calendar date of t.
Date LocalDate(TimePoint t);

}  // namespace zr
