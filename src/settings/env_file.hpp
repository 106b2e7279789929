#pragma once
// Reading KEY=value files (the ZR_ENV_FILE / ./.env format; internal to zr_settings).
//
// One assignment a line: `KEY=value` or `export KEY=value`. Blank lines and lines starting with
// '#' are skipped. A value may be wrapped in single quotes (taken literally) or double quotes
// (\" \\ \n \t escapes understood); an unquoted value ends at a " #" comment and is trimmed.
// Values span one line only.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zr::settings::detail {

using Assignments = std::vector<std::pair<std::string, std::string>>;

// The assignments of `text`, in order. Throws SettingsError naming ZR_ENV_FILE, with `origin`
// (e.g. the file name) and the line number, on a malformed line.
Assignments ParseEnvText(std::string_view text, const std::string& origin);
// Same for a file. Throws SettingsError naming ZR_ENV_FILE if it cannot be read.
Assignments ReadEnvFile(const std::filesystem::path& path);

}  // namespace zr::settings::detail
