#pragma once
// What the first implementation's Python stack made of a JSON request body, so that our 422s say
// the same thing:
//   - FindPythonJsonError: where and why CPython's json.loads (its C scanner, as FastAPI called
//     it) rejects a text: the message ("Expecting value", "Expecting ',' delimiter", ...) and the
//     position, line and column, counted in code points as Python does;
//   - PythonStr: str() of a JSON scalar, as pydantic v1 coerced numbers and booleans given for a
//     `str` field ("True", "1.5", "1000000000000000.0").
// Pure functions, no state: safe from any thread.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace zr::api {

struct PythonJsonError {
    std::string msg;      // e.g. "Expecting property name enclosed in double quotes"
    std::size_t pos = 0;  // code points from the start of the text
    std::size_t lineno = 1;
    std::size_t colno = 1;

    // str() of Python's JSONDecodeError: "<msg>: line L column C (char P)".
    std::string Text() const;
};

// `text` must be valid UTF-8 without a byte order mark. nullopt when Python accepts the text
// (it also accepts NaN, Infinity, -Infinity and lone surrogate escapes, which RFC 8259 does not).
// Iterative: any nesting depth is fine.
std::optional<PythonJsonError> FindPythonJsonError(std::string_view text);
// The error `msg` at a byte offset of `text` (a UTF-8 character boundary), with Python's
// code point position, line and column.
PythonJsonError PythonJsonErrorAt(std::string_view text, std::size_t byte_offset, std::string msg);

// str(value) in Python for a JSON boolean or number: "True"/"False", integers in decimal, floats
// with repr()'s shortest round-trip digits and its switch to exponent notation (1e+16, 1e-05).
// Precondition: value is a boolean or a number.
std::string PythonStr(const nlohmann::json& value);

}  // namespace zr::api
