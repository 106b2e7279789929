#pragma once
// Small text helpers shared by modules (no I/O, no allocation beyond the results).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zr {

std::string ToLower(std::string_view text);
std::string ToUpper(std::string_view text);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string_view Trim(std::string_view text);
// text on one line, for a message in a terminal or log: line breaks and tabs become spaces, and
// the blanks around it are trimmed.
std::string OneLine(std::string text);
// The boolean words of the first implementation (pydantic): true/false, 1/0, yes/no, on/off, any
// case, surrounding blanks ignored; nullopt for anything else.
std::optional<bool> ParseBoolWord(std::string_view text);
// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view text);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string PercentEncode(std::string_view text);
// Decodes "%XX" as Starlette/urllib's unquote does: malformed sequences ("%", "%G1") are kept
// literally; with plus_as_space (query strings, form bodies) '+' becomes ' ', paths keep it.
// The result may contain any byte, including NUL: callers decide what they accept.
std::string PercentDecode(std::string_view text, bool plus_as_space);
// Parses "a=1&b=x+y" (query strings and application/x-www-form-urlencoded bodies) into ordered
// pairs; empty items are skipped, a key without '=' has an empty value.
std::vector<std::pair<std::string, std::string>> ParseUrlEncoded(std::string_view text);

}  // namespace zr
