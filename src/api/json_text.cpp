#include "api/json_text.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace zr::api {

void AppendJsonString(std::string& out, std::string_view text) {
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte >= 0x20 && byte < 0x80 && c != '"' && c != '\\';
    });
    if (!plain) {
        // Escapes, non-ASCII and invalid UTF-8: nlohmann's rules, from nlohmann itself.
        out += nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
    }
    out += '"';
    out.append(text);
    out += '"';
}

}  // namespace zr::api
