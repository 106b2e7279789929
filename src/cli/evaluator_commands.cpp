// evaluator:discover, evaluator:list, evaluator:hosts.
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/listing.hpp"
#include "evaluators/evaluators.hpp"

namespace zr::cli {
namespace evaluator_cmds {  // named, so the unity build keeps each file's helpers apart
namespace {

constexpr const char* kThisHost = "(this host)";

// Tables show the host as "(this host)" and the arguments space-separated; JSON keeps null and
// a list of strings.
std::vector<nlohmann::json> EvaluatorRow(const domain::Evaluator& evaluator, bool json) {
    const auto arguments = evaluators::SplitArguments(evaluator.base_arguments);
    nlohmann::json host =
        evaluator.host ? nlohmann::json(*evaluator.host) : (json ? nlohmann::json() : nlohmann::json(kThisHost));
    std::string joined;
    for (const auto& argument : arguments) joined += (joined.empty() ? "" : " ") + argument;
    return {evaluator.id,       evaluator.label,       std::move(host),
            evaluator.executor, evaluator.script_path, json ? nlohmann::json(arguments) : nlohmann::json(joined)};
}

const std::vector<std::string> kEvaluatorColumns = {"id", "label", "host", "executor", "script_path", "base_arguments"};

struct DiscoverOptions {
    std::string host;
    bool local = false;
    bool json = false;
};

// The host to read, nullopt for this host. `--local HOST` is the first implementation's syntax
// (HOST was always given): accepted when HOST is this host's name as the settings give it.
std::optional<std::string> ChosenHost(const DiscoverOptions& options, const std::string& this_host) {
    if (!options.local) {
        if (options.host.empty()) throw CliError("give HOST or --local");
        return options.host;
    }
    if (!options.host.empty() && options.host != this_host) {
        throw CliError("--local reads this host (" + this_host + "), not '" + options.host +
                       "': drop --local to read " + options.host + " over ssh");
    }
    return std::nullopt;
}

void AddDiscover(CommandSet& commands) {
    auto options = std::make_shared<DiscoverOptions>();
    auto& command =
        commands.Add("evaluator", "discover", "Read a host's index.yml (in its bin folder) and register its evaluators",
                     [options](Context& context) {
                         const auto host = ChosenHost(*options, context.settings().hostname);
                         evaluators::EvaluatorService service(context.services().database(), context.settings());
                         const auto result = service.Discover(host);
                         std::vector<std::string> columns = {"result"};
                         columns.insert(columns.end(), kEvaluatorColumns.begin(), kEvaluatorColumns.end());
                         Listing listing(columns);
                         auto add = [&](const std::vector<domain::Evaluator>& list, const char* what) {
                             for (const auto& evaluator : list) {
                                 auto row = EvaluatorRow(evaluator, options->json);
                                 row.insert(row.begin(), what);
                                 listing.Add(std::move(row));
                             }
                         };
                         add(result.added, "added");
                         add(result.updated, "updated");
                         add(result.unchanged, "unchanged");
                         listing.Print(context.out(), options->json);
                         if (!options->json) {
                             context.out() << result.added.size() << " added, " << result.updated.size() << " updated, "
                                           << result.unchanged.size() << " unchanged\n";
                         }
                         return 0;
                     });
    command.add_option("HOST", options->host,
                       "A host of ZR_HOSTS / ZR_REMOTE_BIN, read over ssh; after --local, this host's name "
                       "(ZR_HOSTNAME) only");
    command.add_flag("--local", options->local,
                     "Read this host's bin folder (ZR_REMOTE_BIN[ZR_HOSTNAME]); '--local HOST' is accepted when HOST "
                     "is this host");
    AddJsonFlag(command, options->json);
}

void AddList(CommandSet& commands) {
    auto json = std::make_shared<bool>(false);
    auto& command = commands.Add("evaluator", "list", "List the registered evaluators", [json](Context& context) {
        evaluators::EvaluatorService service(context.services().database(), context.settings());
        Listing listing(kEvaluatorColumns);
        for (const auto& evaluator : service.List()) listing.Add(EvaluatorRow(evaluator, *json));
        listing.Print(context.out(), *json);
        return 0;
    });
    AddJsonFlag(command, *json);
}

void AddHosts(CommandSet& commands) {
    auto json = std::make_shared<bool>(false);
    auto& command =
        commands.Add("evaluator", "hosts",
                     "List the evaluation hosts and pools of the settings (ZR_HOSTS, ZR_REMOTE_BIN, ZR_REMOTE_STORAGE, "
                     "ZR_POOLS)",
                     [json](Context& context) {
                         evaluators::EvaluatorService service(context.services().database(), context.settings());
                         Listing listing({"host", "bin_dir", "storage_dir", "local", "machines"});
                         for (const auto& host : service.Hosts()) {
                             auto text = [](const std::string& value) {
                                 return value.empty() ? nlohmann::json() : nlohmann::json(value);
                             };
                             const nlohmann::json machines =
                                 host.machines.empty() ? nlohmann::json() : nlohmann::json(host.machines);
                             listing.Add({host.host, text(host.bin_dir), text(host.storage_dir), host.local, machines});
                         }
                         listing.Print(context.out(), *json);
                         return 0;
                     });
    AddJsonFlag(command, *json);
}

}  // namespace
}  // namespace evaluator_cmds

void AddEvaluatorCommands(CommandSet& commands) {
    evaluator_cmds::AddDiscover(commands);
    evaluator_cmds::AddList(commands);
    evaluator_cmds::AddHosts(commands);
}

}  // namespace zr::cli
