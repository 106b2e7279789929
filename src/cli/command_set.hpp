#pragma once
// The pieces shared by every admin command: the context a command runs in, the registry that
// names commands `group:command` for CLI11, and the error a command raises to stop with a message.
//
// Not thread-safe: one command runs per process.
#include <CLI/CLI.hpp>
#include <functional>
#include <istream>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/user.hpp"
#include "settings/settings.hpp"
#include "wiring/services.hpp"

namespace zr::cli {

// A failure detected by the command line itself (unreadable file, unknown id, ...). The message
// is printed as "zr: <message>" and the process exits with status 1.
class CliError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Where a command reads and writes. `interactive` is true when `in` is a terminal (prompts hide
// passwords only then).
struct Streams {
    std::istream& in;
    std::ostream& out;
    std::ostream& err;
    bool interactive = false;
};

// What a running command may use. The services (database, mail) are built on first use, so that
// commands which do not need them (check:settings) work without a data folder; they are destroyed
// with the context, which flushes queued e-mails.
class Context {
public:
    Context(const settings::Settings& settings, Streams streams) : settings_(settings), streams_(streams) {}

    const settings::Settings& settings() const { return settings_; }
    // Throws settings::SettingsError / db::DbError when the data folder or database is unusable.
    wiring::Services& services();
    std::istream& in() { return streams_.in; }
    std::ostream& out() { return streams_.out; }
    std::ostream& err() { return streams_.err; }
    bool interactive() const { return streams_.interactive; }

private:
    const settings::Settings& settings_;
    Streams streams_;
    std::unique_ptr<wiring::Services> services_;
};

// Runs a parsed command; returns the exit status.
using Action = std::function<int(Context&)>;

// Registers `group:name` subcommands on a CLI11 app. CLI11 refuses ':' in add_subcommand(name),
// but accepts an App built separately under that name, and matches it on the command line.
class CommandSet {
public:
    explicit CommandSet(CLI::App& app) : app_(app) {}

    // Adds the command `<group>:<name>` (or just `group` when name is empty), shown under
    // `group` in `zr --help`. The returned app stays owned by the parent app.
    CLI::App& Add(std::string_view group, std::string_view name, std::string description, Action action);
    // The action of the command chosen on the command line, or nullptr if none was.
    const Action* Chosen() const;

private:
    CLI::App& app_;
    std::vector<std::pair<CLI::App*, Action>> commands_;
};

// Adds `--json` to a listing command.
void AddJsonFlag(CLI::App& command, bool& json);

// The parsed content of a JSON file; CliError naming the file when unreadable or not JSON.
nlohmann::json ReadJsonFile(const std::string& path);

// The user with this id; CliError "no user with id N" otherwise.
domain::User RequireUser(Context& context, domain::UserId id);

}  // namespace zr::cli
