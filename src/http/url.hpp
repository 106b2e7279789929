#pragma once
// Percent-decoding of URL components (RFC 3986), as Starlette/urllib's `unquote` does it.
#include <string>
#include <string_view>

namespace zr::http {

// Decodes "%XX" sequences. Malformed sequences ("%", "%G1") are kept literally. When
// plus_as_space is set (query strings and form bodies) '+' becomes ' '; paths keep '+'.
// The result may contain any byte, including NUL: callers decide what they accept.
std::string PercentDecode(std::string_view text, bool plus_as_space);

}  // namespace zr::http
