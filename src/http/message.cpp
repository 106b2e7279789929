#include "http/message.hpp"

#include <nlohmann/json.hpp>

namespace zr::http {

std::string_view ToString(Method m) {
    switch (m) {
        case Method::kGet:
            return "GET";
        case Method::kHead:
            return "HEAD";
        case Method::kPost:
            return "POST";
        case Method::kPut:
            return "PUT";
        case Method::kDelete:
            return "DELETE";
        case Method::kPatch:
            return "PATCH";
        case Method::kOptions:
            return "OPTIONS";
        case Method::kOther:
            return "OTHER";
    }
    return "OTHER";
}

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

}  // namespace

std::optional<std::string_view> Request::Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (EqualsIgnoreCase(key, name)) return std::string_view(value);
    }
    return std::nullopt;
}

Response Response::Json(int status, const nlohmann::json& value) {
    Response r;
    r.status = status;
    // Invalid UTF-8 in a string must not turn a response into an exception.
    r.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

Response Response::JsonText(int status, std::string json) {
    Response r;
    r.status = status;
    r.body = std::move(json);
    return r;
}

Response Response::Html(int status, std::string html) {
    Response r;
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::move(html);
    return r;
}

Response Response::Empty(int status) {
    Response r;
    r.status = status;
    r.content_type.clear();
    return r;
}

Response Response::Redirect(int status, std::string location) {
    Response r;
    r.status = status;
    r.content_type.clear();
    r.headers.emplace_back("Location", std::move(location));
    return r;
}

}  // namespace zr::http
