#include "cli/cli.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "client/submit.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"
#include "db/database.hpp"

namespace zr::cli {
namespace cli_main {  // named, so the unity build keeps each file's helpers apart
namespace {

constexpr const char* kFooter =
    "Settings come from ZR_* environment variables (see 'zr check:settings --info').\n"
    "Exit status: 0 on success, 1 when a command fails, 2 for a usage error.";

std::string DescribeValidation(const Error& error) {
    std::string text;
    for (const auto& issue : error.issues()) {
        if (!text.empty()) text += "; ";
        std::string field;
        if (issue.loc.is_array() && !issue.loc.empty()) {
            const auto& last = issue.loc.back();
            field = last.is_string() ? last.get<std::string>() : last.dump();
        }
        text += field.empty() ? issue.msg : field + ": " + issue.msg;
    }
    return text.empty() ? error.message() : text;
}

void AddServe(CommandSet& commands, const ServeFunction& serve) {
    struct Options {
        std::string host;
        int port = -1;
    };
    auto options = std::make_shared<Options>();
    auto& command =
        commands.Add("serve", "", "Run the HTTP service until SIGINT/SIGTERM", [options, &serve](Context& context) {
            settings::Settings settings = context.settings();
            if (!options->host.empty()) settings.host = options->host;
            if (options->port >= 0) settings.port = static_cast<std::uint16_t>(options->port);
            return serve(settings);
        });
    command.add_option("--host", options->host, "Address to listen on (default ZR_HOST, 127.0.0.1)");
    command.add_option("--port", options->port, "Port to listen on (default ZR_PORT, 8000)")
        ->check(CLI::Range(0, 65535));
}

void BuildApp(CLI::App& app, CommandSet& commands, const ServeFunction& serve) {
    app.set_version_flag("--version", std::string("zr ") + ZR_VERSION);
    app.footer(kFooter);
    app.require_subcommand(1);
    AddServe(commands, serve);
    AddUserCommands(commands);
    AddChallengeCommands(commands);
    AddSubmissionCommands(commands);
    AddModelCommands(commands);
    AddEvaluationCommands(commands);
    AddLeaderboardCommands(commands);
    AddEvaluatorCommands(commands);
    AddMessagingCommands(commands);
    AddSettingsCommands(commands);
    AddLockCommands(commands);
    AddWorkerCommand(commands);
    client::AddSubmitCommand(commands);
}

// "zr: <reason> (see 'zr <command> --help')" for a command line CLI11 refused.
std::string UsageError(const CLI::App& app, const std::vector<std::string>& args, const CLI::ParseError& error) {
    std::string command;
    for (const auto* chosen : app.get_subcommands()) command = chosen->get_name() + " ";
    if (command.empty() && !args.empty() && !args.front().empty() && args.front()[0] != '-') {
        return "unknown command '" + args.front() + "' (see 'zr --help')";
    }
    return OneLine(error.what()) + " (see 'zr " + command + "--help')";
}

// Parses; returns the exit status when the process should stop here (help, version, usage error).
std::optional<int> Parse(CLI::App& app, const std::vector<std::string>& args, Streams streams) {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed
    try {
        app.parse(reversed);
        return std::nullopt;
    } catch (const CLI::CallForHelp&) {
        streams.out << app.help();  // the chosen command's help when there is one
        return kExitOk;
    } catch (const CLI::CallForAllHelp&) {
        streams.out << app.help("", CLI::AppFormatMode::All);
        return kExitOk;
    } catch (const CLI::CallForVersion& e) {
        streams.out << e.what() << '\n';
        return kExitOk;
    } catch (const CLI::ParseError& e) {
        streams.err << "zr: " << UsageError(app, args, e) << '\n';
        return kExitUsage;
    }
}

// Admin commands print their results on stdout; the services' log lines go to stderr, and only
// warnings and errors (a failed e-mail) unless ZR_DEBUG is set.
void SendLogsToStderr(bool debug) {
    // Not registered by name: Run may be called more than once in a process (tests).
    auto logger = std::make_shared<spdlog::logger>("zr-admin", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    logger->set_level(debug ? spdlog::level::debug : spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
}

int RunChosen(const Action& action, bool is_serve, Streams streams) {
    auto loaded = settings::LoadFromEnvironment();
    if (!is_serve) SendLogsToStderr(loaded.settings.debug);
    for (const auto& warning : loaded.warnings) streams.err << "zr: warning: " << OneLine(warning) << '\n';
    Context context(loaded.settings, streams);
    return action(context);
}

// `zr submit` runs on a participant's machine and reads ZR_TOKEN / ZR_API_URL itself: the
// service's settings (and warnings that these are unknown settings) do not concern it.
int RunClient(const Action& action, Streams streams) {
    const settings::Settings defaults;
    Context context(defaults, streams);
    return action(context);
}

}  // namespace
}  // namespace cli_main

std::string DescribeError(const std::exception& error) {
    using namespace cli_main;
    if (const auto* zr_error = dynamic_cast<const Error*>(&error)) {
        if (zr_error->kind() == ErrorKind::kValidation) return OneLine(DescribeValidation(*zr_error));
        return OneLine(zr_error->message());
    }
    if (dynamic_cast<const db::DbError*>(&error) != nullptr) return OneLine(std::string("database: ") + error.what());
    return OneLine(error.what());
}

int Run(const std::vector<std::string>& args, const ServeFunction& serve, Streams streams) {
    using namespace cli_main;
    try {
        CLI::App app("Zerospeech challenge backend: the service and its admin commands.", "zr");
        CommandSet commands(app);
        BuildApp(app, commands, serve);
        if (auto status = Parse(app, args, streams)) return *status;
        const Action* action = commands.Chosen();
        if (action == nullptr) {
            streams.err << "zr: no command given (see 'zr --help')\n";
            return kExitUsage;
        }
        if (app.got_subcommand("submit")) return RunClient(*action, streams);
        return RunChosen(*action, app.got_subcommand("serve"), streams);
    } catch (const std::exception& e) {
        streams.err << "zr: " << DescribeError(e) << '\n';
        return kExitFailure;
    } catch (...) {
        streams.err << "zr: unexpected failure\n";
        return kExitFailure;
    }
}

int Main(int argc, const char* const* argv, const ServeFunction& serve) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return Run(args, serve, Streams{std::cin, std::cout, std::cerr, isatty(STDIN_FILENO) == 1});
}

}  // namespace zr::cli
