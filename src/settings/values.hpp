#pragma once
// Parsing and printing of setting values (internal to zr_settings, exposed for its unit tests).
//
// Every parser takes `var`, the full variable name (e.g. "ZR_PORT"), and on a bad value throws
// SettingsError(var, "<var>: <problem>: '<value>'"). Surrounding blanks are ignored.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace zr::settings::detail {

// true/false, 1/0, yes/no, on/off, any case.
bool ParseBool(const std::string& var, std::string_view text);
// 1..65535, or 0..65535 when allow_zero (0 = let the system pick).
std::uint16_t ParsePort(const std::string& var, std::string_view text, bool allow_zero);
// A decimal integer >= min_value that fits an unsigned.
unsigned ParseUnsigned(const std::string& var, std::string_view text, unsigned min_value);
// Bytes, positive: "1048576", "64K", "600M", "1G" (also "KB"/"KiB", any case; all powers of 1024).
std::size_t ParseSize(const std::string& var, std::string_view text);
// Seconds: "3600", or number+unit parts with units d/h/m/s: "7d", "45m", "1h30m". At least
// min_seconds, at most 36500d (so that now() + value fits a clock).
std::chrono::seconds ParseDuration(const std::string& var, std::string_view text, std::chrono::seconds min_seconds);
// A JSON array of strings, or a plain comma-separated list; blanks trimmed, empty items and
// duplicates dropped (first occurrence kept). "" gives an empty list.
// One of `choices` (compared case-insensitively; returned as spelled in `choices`).
std::string ParseChoice(const std::string& var, std::string_view text, std::initializer_list<const char*> choices);
std::vector<std::string> ParseList(const std::string& var, std::string_view text);
// Checks that each entry is an IP address or network ("10.0.0.0/8"), as common::AddressSet takes.
void CheckAddresses(const std::string& var, const std::vector<std::string>& entries);
// A JSON object whose values are strings. "" gives an empty map.
std::map<std::string, std::string> ParseMap(const std::string& var, std::string_view text);

// Inverses for display: the largest exact unit ("7d", "45m", "90s"); "64K", "600M" or plain bytes.
std::string FormatDuration(std::chrono::seconds value);
// A duration that may be shorter than a second: "250ms", or anything ParseDuration takes; within
// [min, max].
std::chrono::milliseconds ParseMillis(const std::string& var, std::string_view text, std::chrono::milliseconds min,
                                      std::chrono::milliseconds max);
std::string FormatMillis(std::chrono::milliseconds value);
// {"pool": ["host", ...], ...}: every pool with at least one host, no host twice in one pool.
std::map<std::string, std::vector<std::string>> ParsePools(const std::string& var, std::string_view text);
std::string FormatPools(const std::map<std::string, std::vector<std::string>>& pools);
std::string FormatSize(std::size_t bytes);
// JSON text of a list / map.
std::string FormatList(const std::vector<std::string>& items);
std::string FormatMap(const std::map<std::string, std::string>& items);

}  // namespace zr::settings::detail
