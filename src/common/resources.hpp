#pragma once
// Files shipped inside the binary: templates, static assets, SQL migrations, the OpenAPI document.
// They come from the repository's resources/ folder, embedded at build time.
#include <optional>
#include <string_view>
#include <vector>

namespace zr::resources {

// The content of resources/<path> (e.g. "templates/page.html.mustache"), or nullopt.
// The returned view lives as long as the program.
std::optional<std::string_view> Find(std::string_view path);

// Paths of all embedded files whose path starts with `prefix`, sorted.
std::vector<std::string_view> List(std::string_view prefix);

}  // namespace zr::resources
