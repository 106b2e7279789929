#pragma once
// Internal to zr_queue: message bodies on the wire / in the table.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace zr::queue::detail {

// The JSON text stored or sent for a message.
std::string EncodeBody(const nlohmann::json& message);

// The message a stored/received body holds: the object itself, or {"raw": "<text>"} when the
// body is not a JSON object (bytes that are not UTF-8 are replaced, so the result always dumps).
nlohmann::json DecodeBody(std::string_view text);

}  // namespace zr::queue::detail
