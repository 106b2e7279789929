#pragma once
// Form bodies: application/x-www-form-urlencoded and (small, in-memory) multipart/form-data.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.hpp"

namespace zr::api {

using FormPairs = std::vector<std::pair<std::string, std::string>>;

// The fields of a form body, in order. An absent or unknown Content-Type is read as urlencoded.
// nullopt when a multipart body is malformed (no boundary, no closing line).
std::optional<FormPairs> ParseFormBody(const http::Request& request);

// multipart/form-data: the boundary parameter of a Content-Type value, or nullopt.
std::optional<std::string> MultipartBoundary(std::string_view content_type);
// Splits a multipart/form-data body into (field name, content) pairs.
std::optional<FormPairs> ParseMultipart(std::string_view body, std::string_view boundary);

}  // namespace zr::api
