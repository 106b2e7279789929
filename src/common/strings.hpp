#pragma once
// Small text helpers shared by modules (no I/O, no allocation beyond the results).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zr {

std::string ToLower(std::string_view text);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string_view Trim(std::string_view text);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string PercentEncode(std::string_view text);
// Decodes %XX (and '+' as space when plus_as_space). nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);
// Parses "a=1&b=x+y" (query strings and application/x-www-form-urlencoded bodies) into ordered
// pairs. nullopt on a malformed escape.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseUrlEncoded(std::string_view text);

}  // namespace zr
