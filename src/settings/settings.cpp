#include "settings/settings.hpp"

#include <unistd.h>

#include <climits>
#include <set>
#include <string_view>
#include <utility>

#include "common/strings.hpp"
#include "settings/env_file.hpp"
#include "settings/key_table.hpp"
#include "settings/values.hpp"

namespace zr::settings {
namespace {

namespace fs = std::filesystem;
using detail::Assignments;
using detail::KeySpec;

constexpr std::string_view kPrefix = "ZR_";
constexpr std::string_view kEnvFileName = "ENV_FILE";
constexpr char kMask[] = "********";
// Debian's python3-flasgger ships Swagger UI 3 here.
constexpr char kDebianSwaggerUiDir[] = "/usr/lib/python3/dist-packages/flasgger/ui3/static";

bool HasPrefix(std::string_view name) { return name.size() >= kPrefix.size() && ToUpper(name.substr(0, 3)) == kPrefix; }

// The name after ZR_ (given with or without the prefix, any case).
std::string_view Unprefixed(std::string_view name) { return HasPrefix(name) ? name.substr(kPrefix.size()) : name; }

std::string MachineHostName() {
    char buffer[HOST_NAME_MAX + 1] = {};
    if (gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
    return buffer;
}

std::optional<fs::path> DebianSwaggerUi() {
    std::error_code ec;
    const fs::path dir = kDebianSwaggerUiDir;
    if (fs::is_regular_file(dir / "swagger-ui-bundle.js", ec) && fs::is_regular_file(dir / "swagger-ui.css", ec)) {
        return dir;
    }
    return std::nullopt;
}

Settings DefaultSettings() {
    Settings s;
    s.hostname = MachineHostName();
    for (const char* host : {"localhost:1313", "zerospeech.com", "api.zerospeech.com"}) {
        s.origins.push_back(std::string("http://") + host);
        s.origins.push_back(std::string("https://") + host);
    }
    s.swagger_ui_dir = DebianSwaggerUi();
    return s;
}

void FillDerivedDirs(Settings& s) {
    for (auto [dir, leaf] : {std::pair{&s.static_dir, "_static"},
                             {&s.user_data_dir, "user_data"},
                             {&s.submission_dir, "submissions"},
                             {&s.leaderboard_dir, "leaderboards"},
                             {&s.archive_dir, "archive"},
                             {&s.worker_dir, "worker"}}) {
        if (dir->empty()) *dir = s.data_folder / leaf;
    }
}

// Folders named by the settings that must already exist.
void CheckOptionalDir(const std::optional<fs::path>& dir, const std::string& var) {
    std::error_code ec;
    if (dir && !fs::is_directory(*dir, ec)) {
        throw SettingsError(var, var + ": '" + dir->string() + "' is not a directory");
    }
}

const KeySpec* FindKey(std::string_view unprefixed) {
    const std::string upper = ToUpper(unprefixed);
    for (const KeySpec& spec : detail::KeyTable()) {
        if (ToUpper(spec.name) == upper) return &spec;
    }
    return nullptr;
}

std::string VarName(const KeySpec& spec) { return std::string(kPrefix) + spec.name; }

// Applies the assignments (later ones win) on top of the defaults.
LoadResult Load(const Assignments& assignments) {
    LoadResult result{DefaultSettings(), {}};
    std::map<const KeySpec*, std::string> chosen;
    std::set<std::string> unknown;
    for (const auto& [name, value] : assignments) {
        const std::string_view key = Unprefixed(name);
        if (ToUpper(key) == kEnvFileName) continue;
        if (const KeySpec* spec = FindKey(key)) {
            chosen[spec] = value;
        } else if (unknown.insert(ToUpper(key)).second) {
            result.warnings.push_back("unknown setting " + std::string(kPrefix) + std::string(key) + " ignored");
        }
    }
    for (const KeySpec& spec : detail::KeyTable()) {
        auto it = chosen.find(&spec);
        if (it != chosen.end()) spec.apply(result.settings, VarName(spec), it->second);
    }
    FillDerivedDirs(result.settings);
    CheckOptionalDir(result.settings.templates_dir, "ZR_TEMPLATES_DIR");
    CheckOptionalDir(result.settings.swagger_ui_dir, "ZR_SWAGGER_UI_DIR");
    return result;
}

Assignments WithPrefixOnly(Assignments assignments) {
    std::erase_if(assignments, [](const auto& entry) { return !HasPrefix(entry.first); });
    return assignments;
}

void CheckWritableDir(const fs::path& dir, const std::string& var) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec) || access(dir.c_str(), W_OK | X_OK) != 0) {
        throw SettingsError(var, var + ": '" + dir.string() + "' is not a writable directory");
    }
}

}  // namespace

LoadResult LoadFrom(const std::map<std::string, std::string>& vars) {
    return Load(Assignments(vars.begin(), vars.end()));
}

LoadResult LoadFrom(const std::map<std::string, std::string>& vars, const std::filesystem::path& env_file) {
    Assignments all = WithPrefixOnly(detail::ReadEnvFile(env_file));
    all.insert(all.end(), vars.begin(), vars.end());
    return Load(all);
}

LoadResult LoadFromEnvironment() {
    std::map<std::string, std::string> vars;
    std::optional<std::string> env_file;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const std::size_t eq = text.find('=');
        if (eq == std::string_view::npos || !HasPrefix(text.substr(0, eq))) continue;
        const std::string name(text.substr(0, eq)), value(text.substr(eq + 1));
        if (ToUpper(Unprefixed(name)) == kEnvFileName) env_file = value;
        vars[name] = value;
    }
    if (!env_file) {
        std::error_code ec;
        if (fs::is_regular_file(".env", ec)) env_file = ".env";
    }
    // ZR_ENV_FILE set to "" means: no env file at all.
    if (env_file && !env_file->empty()) return LoadFrom(vars, *env_file);
    return LoadFrom(vars);
}

void PrepareDataFolder(const Settings& settings) {
    const std::string data_var = "ZR_DATA_FOLDER";
    std::error_code ec;
    if (!fs::exists(settings.data_folder, ec)) {
        throw SettingsError(data_var, data_var + ": '" + settings.data_folder.string() + "' does not exist");
    }
    CheckWritableDir(settings.data_folder, data_var);
    const std::pair<const fs::path*, const char*> sub_folders[] = {{&settings.static_dir, "ZR_STATIC_DIR"},
                                                                   {&settings.user_data_dir, "ZR_USER_DATA_DIR"},
                                                                   {&settings.submission_dir, "ZR_SUBMISSION_DIR"},
                                                                   {&settings.leaderboard_dir, "ZR_LEADERBOARD_DIR"},
                                                                   {&settings.archive_dir, "ZR_ARCHIVE_DIR"}};
    for (const auto& [dir, var] : sub_folders) {
        fs::create_directories(*dir, ec);
        if (ec) {
            throw SettingsError(var, std::string(var) + ": cannot create '" + dir->string() + "': " + ec.message());
        }
        CheckWritableDir(*dir, var);
    }
}

const std::vector<KeyInfo>& Keys() {
    static const std::vector<KeyInfo> keys = [] {
        std::vector<KeyInfo> out;
        for (const KeySpec& spec : detail::KeyTable()) {
            out.push_back({spec.name, spec.default_value, spec.description});
        }
        return out;
    }();
    return keys;
}

std::map<std::string, std::string> Describe(const Settings& settings, bool mask_secrets) {
    std::map<std::string, std::string> out;
    for (const KeySpec& spec : detail::KeyTable()) {
        std::string value = spec.describe(settings);
        if (spec.secret && mask_secrets && !value.empty()) value = kMask;
        out.emplace(spec.name, std::move(value));
    }
    return out;
}

}  // namespace zr::settings
