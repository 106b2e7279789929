// check:settings: the effective settings, the known keys, how to set them, and whether lock mode
// is on. Needs no database.
#include <algorithm>
#include <cctype>
#include <memory>

#include "cli/commands.hpp"
#include "cli/listing.hpp"
#include "common/file_system.hpp"
#include "storage/site_state.hpp"

namespace zr::cli {
namespace settings_cmds {  // named, so the unity build keeps each file's helpers apart
namespace {

constexpr const char* kInfo = R"(How settings are given:
  - Each setting is an environment variable named ZR_<KEY> (e.g. ZR_DATA_FOLDER=/srv/zr/data);
    keys match case-insensitively.
  - If ZR_ENV_FILE names a file, its KEY=value lines are read first (./.env when ZR_ENV_FILE is
    unset); real environment variables override them.
  - Lists, sets and maps are JSON: ZR_HOSTS='["gpu1"]', ZR_REMOTE_BIN='{"gpu1": "/srv/evaluators"}'.
  - Durations are seconds or 7d / 12h / 45m / 30s.
  - An unknown ZR_ key is a warning; an invalid value stops the program with a message naming it.
Commands: 'zr check:settings' prints every effective value (secrets masked), '--keys' lists the
keys with their defaults and meaning, '--get KEY' prints one value.
)";

std::string Canonical(std::string_view key) {
    std::string upper(key);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (upper.rfind("ZR_", 0) == 0) upper.erase(0, 3);
    return upper;
}

// Every effective value, in the order of settings::Keys(), then any key Describe adds beyond them.
std::vector<std::pair<std::string, std::string>> EffectiveValues(const settings::Settings& settings) {
    auto described = settings::Describe(settings);
    std::vector<std::pair<std::string, std::string>> values;
    for (const auto& key : settings::Keys()) {
        auto it = described.find(key.name);
        if (it == described.end()) continue;
        values.emplace_back(it->first, it->second);
        described.erase(it);
    }
    for (auto& [name, value] : described) values.emplace_back(name, value);
    return values;
}

struct Options {
    std::string get;
    bool keys = false;
    bool info = false;
    bool json = false;
};

int Run(const Options& options, Context& context) {
    if (options.info) {
        context.out() << kInfo;
        return 0;
    }
    if (options.keys) {
        // The default last: some defaults are long lists that would push the other columns away.
        Listing listing({"key", "description", "default"});
        for (const auto& key : settings::Keys()) listing.Add({key.name, key.description, key.default_value});
        listing.Print(context.out(), options.json);
        return 0;
    }
    auto values = EffectiveValues(context.settings());
    // Not a setting, but what an organiser checking the set-up wants to see next to them.
    PosixFileSystem fs;
    const storage::SiteState site(fs, context.settings().data_folder);
    const auto reason = site.LockReason();
    values.emplace_back("LOCK_MODE", !reason           ? "off"
                                     : reason->empty() ? "on (zr api:unlock to leave it)"
                                                       : "on: " + *reason + " (zr api:unlock to leave it)");
    if (!options.get.empty()) {
        for (const auto& [name, value] : values) {
            if (Canonical(name) == Canonical(options.get)) {
                context.out() << (options.json ? nlohmann::json(value).dump() : value) << '\n';
                return 0;
            }
        }
        throw CliError("unknown setting '" + options.get + "' (see zr check:settings --keys)");
    }
    Listing listing({"key", "value"});
    for (const auto& [name, value] : values) listing.Add({name, value});
    listing.Print(context.out(), options.json);
    return 0;
}

}  // namespace
}  // namespace settings_cmds

void AddSettingsCommands(CommandSet& commands) {
    using namespace settings_cmds;
    auto options = std::make_shared<Options>();
    auto& command = commands.Add("check", "settings", "Print the effective settings (secrets masked)",
                                 [options](Context& context) { return Run(*options, context); });
    auto* get =
        command.add_option("--get", options->get, "Print the value of one key (e.g. DATA_FOLDER)")->type_name("KEY");
    auto* keys = command.add_flag("--keys", options->keys, "List every key with its default and meaning");
    command.add_flag("--info", options->info, "Explain how settings are given")->excludes(get, keys);
    keys->excludes(get);
    AddJsonFlag(command, options->json);
}

}  // namespace zr::cli
