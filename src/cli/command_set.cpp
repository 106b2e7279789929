#include "cli/command_set.hpp"

#include <fstream>

namespace zr::cli {

wiring::Services& Context::services() {
    if (!services_) services_ = std::make_unique<wiring::Services>(settings_);
    return *services_;
}

CLI::App& CommandSet::Add(std::string_view group, std::string_view name, std::string description, Action action) {
    std::string full_name(group);
    if (!name.empty()) full_name += ":" + std::string(name);
    auto command = std::make_shared<CLI::App>(std::move(description), full_name);
    command->group(std::string(group));
    CLI::App* added = app_.add_subcommand(std::move(command));
    commands_.emplace_back(added, std::move(action));
    return *added;
}

const Action* CommandSet::Chosen() const {
    for (const auto& [command, action] : commands_) {
        if (command->parsed()) return &action;
    }
    return nullptr;
}

void AddJsonFlag(CLI::App& command, bool& json) {
    command.add_flag("--json", json, "Print JSON (an array of objects) instead of a table");
}

nlohmann::json ReadJsonFile(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw CliError(path + ": cannot read the file");
    try {
        return nlohmann::json::parse(file);
    } catch (const nlohmann::json::parse_error& e) {
        std::string reason = e.what();  // "[json.exception.parse_error.101] parse error at ..."
        if (auto end = reason.find("] "); end != std::string::npos) reason.erase(0, end + 2);
        throw CliError(path + ": not valid JSON: " + reason);
    }
}

domain::User RequireUser(Context& context, domain::UserId id) {
    auto user = context.services().accounts().FindUser(id);
    if (!user) throw CliError("no user with id " + std::to_string(id));
    return *std::move(user);
}

}  // namespace zr::cli
