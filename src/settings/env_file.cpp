#include "settings/env_file.hpp"

#include <fstream>
#include <optional>
#include <sstream>

#include "common/strings.hpp"
#include "settings/settings.hpp"
#include "settings/values.hpp"

namespace zr::settings::detail {
namespace {

constexpr char kEnvFileVar[] = "ZR_ENV_FILE";

[[noreturn]] void FailLine(const std::string& origin, std::size_t line_no, std::string_view why) {
    throw SettingsError(kEnvFileVar, std::string(kEnvFileVar) + ": " + origin + ":" + std::to_string(line_no) + ": " +
                                         std::string(why));
}

bool IsKeyChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsValidKey(std::string_view key) {
    if (key.empty() || (key.front() >= '0' && key.front() <= '9')) return false;
    for (char c : key) {
        if (!IsKeyChar(c)) return false;
    }
    return true;
}

std::optional<char> Unescape(char c) {
    switch (c) {
        case 'n':
            return '\n';
        case 't':
            return '\t';
        case '"':
            return '"';
        case '\\':
            return '\\';
        default:
            return std::nullopt;
    }
}

// The value of a double-quoted text (starting after the opening quote), and what follows the
// closing quote; nullopt if the quote is not closed.
std::optional<std::pair<std::string, std::string_view>> DoubleQuoted(std::string_view text) {
    std::string value;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '"') return std::pair{value, text.substr(i + 1)};
        if (text[i] == '\\' && i + 1 < text.size()) {
            if (auto c = Unescape(text[i + 1])) {
                value += *c;
                ++i;
                continue;
            }
        }
        value += text[i];
    }
    return std::nullopt;
}

// An unquoted value: up to a comment that follows a blank, trimmed.
std::string Unquoted(std::string_view text) {
    for (std::size_t i = 1; i < text.size(); ++i) {
        if (text[i] == '#' && (text[i - 1] == ' ' || text[i - 1] == '\t')) {
            text = text.substr(0, i);
            break;
        }
    }
    return std::string(Trim(text));
}

bool OnlyCommentLeft(std::string_view rest) {
    rest = Trim(rest);
    return rest.empty() || rest.front() == '#';
}

std::string ParseValue(std::string_view raw, const std::string& origin, std::size_t line_no) {
    raw = Trim(raw);
    if (raw.empty()) return {};
    if (raw.front() == '\'') {
        const std::size_t close = raw.find('\'', 1);
        if (close == std::string_view::npos) FailLine(origin, line_no, "unterminated quote");
        if (!OnlyCommentLeft(raw.substr(close + 1))) FailLine(origin, line_no, "text after quote");
        return std::string(raw.substr(1, close - 1));
    }
    if (raw.front() == '"') {
        auto quoted = DoubleQuoted(raw.substr(1));
        if (!quoted) FailLine(origin, line_no, "unterminated quote");
        if (!OnlyCommentLeft(quoted->second)) FailLine(origin, line_no, "text after quote");
        return std::move(quoted->first);
    }
    return Unquoted(raw);
}

}  // namespace

Assignments ParseEnvText(std::string_view text, const std::string& origin) {
    Assignments out;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const std::size_t end = text.find('\n');
        std::string_view line = Trim(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        if (line.empty() || line.front() == '#') continue;
        if (line.substr(0, 7) == "export ") line = Trim(line.substr(7));
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos) FailLine(origin, line_no, "expected KEY=value");
        const std::string_view key = Trim(line.substr(0, eq));
        if (!IsValidKey(key)) FailLine(origin, line_no, "not a variable name before '='");
        out.emplace_back(std::string(key), ParseValue(line.substr(eq + 1), origin, line_no));
    }
    return out;
}

Assignments ReadEnvFile(const std::filesystem::path& path) {
    std::error_code ec;
    std::ifstream in(path, std::ios::binary);
    if (!in || std::filesystem::is_directory(path, ec)) {
        throw SettingsError(kEnvFileVar, std::string(kEnvFileVar) + ": cannot read '" + path.string() + "'");
    }
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) {
        throw SettingsError(kEnvFileVar, std::string(kEnvFileVar) + ": cannot read '" + path.string() + "'");
    }
    return ParseEnvText(content.str(), path.string());
}

}  // namespace zr::settings::detail
