#pragma once
// JSON text written directly, for the hot read routes where building an nlohmann tree first cost
// more than the work itself (bench/README.md). The output is byte for byte what
// http::Response::Json (nlohmann's dump, invalid UTF-8 replaced) writes for the same value.
#include <string>
#include <string_view>

namespace zr::api {

// Appends `text` as a JSON string literal (quotes and escapes included).
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace zr::api
