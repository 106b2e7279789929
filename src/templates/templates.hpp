#pragma once
// Pages, e-mails and chat messages rendered from mustache template files (kainjow mustache).
//
// Templates are looked up by name ("pages/signup_form.html") first in the override folder
// (TEMPLATES_DIR) when set, then among the templates embedded in the binary (resources/templates/
// <name>.mustache). {{x}} HTML-escapes; {{{x}}} does not and is for trusted markup only.
// Partials ({{> layout}}) resolve the same way.
//
// Thread-safety: Render is thread-safe (templates are parsed per call; files are small).
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <stdexcept>
#include <string>

namespace zr::templates {

class TemplateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Engine {
public:
    explicit Engine(std::optional<std::filesystem::path> override_dir = std::nullopt);
    // Renders `name` with `data` (a JSON object; nested objects and arrays become mustache
    // sections, booleans switch sections on/off, numbers render as text, null counts as false).
    // Throws TemplateError when the template or one of its partials is missing or malformed, or
    // when a name contains ".." or starts with '/' (names never leave the templates folder).
    std::string Render(const std::string& name, const nlohmann::json& data) const;

private:
    std::optional<std::string> Load(const std::string& name) const;
    std::optional<std::filesystem::path> override_dir_;
};

}  // namespace zr::templates
