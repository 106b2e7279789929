// models:list.
#include <algorithm>
#include <map>
#include <memory>

#include "cli/commands.hpp"
#include "cli/listing.hpp"

namespace zr::cli {
namespace model_cmds {  // named, so the unity build keeps each file's helpers apart
namespace {

const std::vector<std::string> kModelColumns = {"id",         "user_id",     "username",  "created_at",
                                                "authors",    "institution", "team",      "train_set",
                                                "gpu_budget", "description", "paper_url", "code_url"};

nlohmann::json TextOrNull(const std::optional<std::string>& text) {
    return text ? nlohmann::json(*text) : nlohmann::json();
}

nlohmann::json ToRow(const domain::Model& model, const std::string& username) {
    return {{"id", model.id},
            {"user_id", model.user_id},
            {"username", username.empty() ? nlohmann::json() : nlohmann::json(username)},
            {"created_at", model.created_at ? nlohmann::json(FormatDateTime(*model.created_at)) : nlohmann::json()},
            {"authors", model.authors},
            {"institution", model.institution},
            {"team", TextOrNull(model.team)},
            {"train_set", model.train_set},
            {"gpu_budget", TextOrNull(model.gpu_budget)},
            {"description", model.description},
            {"paper_url", TextOrNull(model.paper_url)},
            {"code_url", TextOrNull(model.code_url)}};
}

// A user given by id or username, as submissions:list takes one.
domain::UserId ResolveUser(Context& context, const std::map<domain::UserId, std::string>& usernames,
                           const std::string& text) {
    const bool is_id = !text.empty() && text.size() < 19 &&
                       std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (is_id) return RequireUser(context, std::stoll(text)).id;
    for (const auto& [id, username] : usernames) {
        if (username == text) return id;
    }
    throw CliError("no user named '" + text + "'");
}

void AddList(CommandSet& commands) {
    struct Options {
        std::string user;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add(
        "models", "list", "List the models of the second API generation, oldest first", [options](Context& context) {
            std::map<domain::UserId, std::string> usernames;
            for (const auto& user : context.services().accounts().ListUsers())
                usernames.emplace(user.id, user.username);
            auto& models = context.services().models();
            std::vector<domain::Model> list;
            if (options->user.empty()) {
                list = models.List();
            } else {
                list = models.ListByUser(ResolveUser(context, usernames, options->user));
            }
            Listing listing(kModelColumns);
            for (const auto& model : list) {
                const auto name = usernames.find(model.user_id);
                listing.AddObject(ToRow(model, name == usernames.end() ? std::string() : name->second));
            }
            listing.Print(context.out(), options->json);
            return 0;
        });
    command.add_option("-u,--user", options->user, "Only this user's (id or username)")->type_name("USER");
    AddJsonFlag(command, options->json);
}

}  // namespace
}  // namespace model_cmds

void AddModelCommands(CommandSet& commands) { model_cmds::AddList(commands); }

}  // namespace zr::cli
