#include "queue/body.hpp"

namespace zr::queue::detail {

std::string EncodeBody(const nlohmann::json& message) {
    return message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json DecodeBody(std::string_view text) {
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (!parsed.is_discarded() && parsed.is_object()) return parsed;
    // Round trip through a replacing dump: the raw text may hold bytes that are not UTF-8.
    const std::string quoted =
        nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return nlohmann::json{{"raw", nlohmann::json::parse(quoted)}};
}

}  // namespace zr::queue::detail
