// leaderboards:list, leaderboards:create, leaderboards:build, leaderboards:show.
#include <chrono>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/listing.hpp"
#include "common/error.hpp"
#include "leaderboards/leaderboard_service.hpp"

namespace zr::cli {
namespace leaderboard_cmds {  // named, so the unity build keeps each file's helpers apart
namespace {

const std::vector<std::string> kBoardColumns = {"id",         "label",    "challenge_id",     "path_to",
                                                "entry_file", "archived", "external_entries", "static_files",
                                                "sorting_key"};

nlohmann::json TextOrNull(const std::string& text) { return text.empty() ? nlohmann::json() : nlohmann::json(text); }

nlohmann::json BoardRow(const domain::Leaderboard& board) {
    return {{"id", board.id},
            {"label", board.label},
            {"challenge_id", board.challenge_id},
            {"path_to", board.path_to},
            {"entry_file", board.entry_file},
            {"archived", board.archived},
            {"external_entries", TextOrNull(board.external_entries)},
            {"static_files", board.static_files},
            {"sorting_key", TextOrNull(board.sorting_key)}};
}

void AddList(CommandSet& commands) {
    auto json = std::make_shared<bool>(false);
    auto& command = commands.Add("leaderboards", "list", "List the leaderboards", [json](Context& context) {
        Listing listing(kBoardColumns);
        for (const auto& board : context.services().leaderboards().List()) listing.AddObject(BoardRow(board));
        listing.Print(context.out(), *json);
        return 0;
    });
    AddJsonFlag(command, *json);
}

void AddCreate(CommandSet& commands) {
    auto file = std::make_shared<std::string>();
    auto& command =
        commands.Add("leaderboards", "create", "Create leaderboards from a JSON file", [file](Context& context) {
            const auto items = ReadJsonFile(*file);
            std::vector<domain::LeaderboardId> ids;
            try {
                ids = context.services().leaderboards().CreateFromJson(items);
            } catch (const Error& e) {
                throw CliError(*file + ": " + e.message());
            }
            for (std::size_t i = 0; i < ids.size(); ++i) {
                context.out() << "created leaderboard " << ids[i] << " (" << items[i].at("label").get<std::string>()
                              << ")\n";
            }
            return 0;
        });
    command
        .add_option("-f,--from-file", *file,
                    "JSON list of {label, challenge_id, path_to, entry_file, external_entries|null, archived, "
                    "static_files, sorting_key|null}")
        ->type_name("FILE")
        ->required();
}

void PrintBuilt(Context& context, const leaderboards::BuildResult& result, std::chrono::steady_clock::duration took) {
    const auto ms = std::chrono::duration<double, std::milli>(took).count();
    context.out() << "built leaderboard " << result.id << " (" << result.label << "): " << result.entries
                  << " entries, " << result.skipped << " skipped, " << ms << " ms -> " << result.path.string() << '\n';
}

void AddBuild(CommandSet& commands) {
    struct Options {
        std::optional<domain::LeaderboardId> id;
        bool all = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add("leaderboards", "build", "Build a leaderboard's file (or every one's)",
                                 [options](Context& context) {
                                     auto& service = context.services().leaderboards();
                                     std::vector<domain::LeaderboardId> ids;
                                     if (options->all) {
                                         for (const auto& board : service.List()) ids.push_back(board.id);
                                     } else {
                                         ids.push_back(*options->id);
                                     }
                                     for (const auto id : ids) {
                                         const auto started = std::chrono::steady_clock::now();
                                         const auto result = service.Build(id);
                                         PrintBuilt(context, result, std::chrono::steady_clock::now() - started);
                                     }
                                     return 0;
                                 });
    auto* group = command.add_option_group("which", "exactly one of");
    group->add_option("ID", options->id, "The leaderboard id");
    group->add_flag("--all", options->all, "Every leaderboard");
    group->require_option(1);
}

void AddShow(CommandSet& commands) {
    auto id = std::make_shared<domain::LeaderboardId>(0);
    auto& command = commands.Add("leaderboards", "show", "Print a leaderboard's built file", [id](Context& context) {
        auto& service = context.services().leaderboards();
        const auto board = service.Get(*id);
        const auto built = service.ReadBuilt(*id);
        if (built) {
            context.out() << built->dump(2) << '\n';
            return 0;
        }
        const auto row = BoardRow(board);
        for (const auto& column : kBoardColumns) context.out() << column << ": " << CellText(row.at(column)) << '\n';
        context.out() << "not built yet (" << service.OutputPath(board).string() << ")\n";
        return 0;
    });
    command.add_option("ID", *id, "The leaderboard id")->required();
}

}  // namespace
}  // namespace leaderboard_cmds

void AddLeaderboardCommands(CommandSet& commands) {
    leaderboard_cmds::AddList(commands);
    leaderboard_cmds::AddCreate(commands);
    leaderboard_cmds::AddBuild(commands);
    leaderboard_cmds::AddShow(commands);
}

}  // namespace zr::cli
