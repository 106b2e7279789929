// challenges:list, challenges:new, challenges:set.
#include <memory>
#include <set>

#include "challenges/challenge_service.hpp"
#include "cli/commands.hpp"
#include "cli/listing.hpp"
#include "cli/prompt.hpp"
#include "common/error.hpp"

namespace zr::cli {
namespace challenge_cmds {  // named, so the unity build keeps each file's helpers apart
namespace {

const std::vector<std::string> kChallengeColumns = {"id",     "label", "start_date", "end_date",
                                                    "active", "url",   "evaluator",  "auto_eval"};

// The API's challenge object and whether completed uploads are queued by themselves.
nlohmann::json ChallengeRow(const domain::Challenge& challenge) {
    nlohmann::json row = challenges::ToJson(challenge);
    row["auto_eval"] = challenge.auto_eval;
    return row;
}

nlohmann::json NewChallengeJson(const domain::NewChallenge& challenge) {
    return {{"label", challenge.label},
            {"start_date", FormatDate(challenge.start_date)},
            {"end_date", challenge.end_date ? nlohmann::json(FormatDate(*challenge.end_date)) : nlohmann::json()},
            {"active", challenge.active},
            {"url", challenge.url},
            {"evaluator", challenge.evaluator ? nlohmann::json(*challenge.evaluator) : nlohmann::json()}};
}

void AddList(CommandSet& commands) {
    struct Options {
        bool include_all = false;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add("challenges", "list", "List open challenges", [options](Context& context) {
        Listing listing(kChallengeColumns);
        for (const auto& challenge : context.services().challenges().List(options->include_all)) {
            listing.AddObject(ChallengeRow(challenge));
        }
        listing.Print(context.out(), options->json);
        return 0;
    });
    command.add_flag("-a,--include-all", options->include_all, "Also list inactive and expired challenges");
    AddJsonFlag(command, options->json);
}

domain::NewChallenge AskChallenge(Context& context) {
    Prompter prompter(context.in(), context.err(), context.interactive());
    domain::NewChallenge challenge;
    challenge.label = prompter.AskRequired("label");
    challenge.url = prompter.AskRequired("url");
    challenge.start_date = ParseDateAnswer(prompter.AskRequired("start date (dd/mm/yyyy)"), "start date");
    challenge.end_date = ParseOptionalDateAnswer(prompter.Ask("end date (dd/mm/yyyy, empty for none)"), "end date");
    challenge.active = prompter.AskYesNo("active", false);
    auto evaluator = prompter.Ask("evaluator id (empty for none)");
    if (!evaluator.empty()) {
        try {
            std::size_t used = 0;
            challenge.evaluator = std::stoll(evaluator, &used);
            if (used != evaluator.size()) throw std::invalid_argument(evaluator);
        } catch (const std::logic_error&) {
            throw CliError("evaluator: not an id: '" + evaluator + "'");
        }
    }
    return challenge;
}

std::vector<domain::NewChallenge> ParseFile(challenges::ChallengeService& service, const std::string& path) {
    auto json = ReadJsonFile(path);
    try {
        return service.ParseChallengeList(json);
    } catch (const Error& e) {
        throw CliError(path + ": " + e.message());
    }
}

// Labels must be new and distinct; checked for the whole list before anything is written.
void CheckLabels(const std::vector<domain::NewChallenge>& list, const std::vector<domain::Challenge>& existing) {
    std::set<std::string> labels;
    for (const auto& challenge : existing) labels.insert(challenge.label);
    for (const auto& challenge : list) {
        if (!labels.insert(challenge.label).second) {
            throw CliError("a challenge labelled '" + challenge.label + "' already exists");
        }
    }
}

void AddNew(CommandSet& commands) {
    struct Options {
        std::string from_file;
        bool dry_run = false;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add(
        "challenges", "new", "Create challenges (asks for the fields, or reads a file)", [options](Context& context) {
            auto& service = context.services().challenges();
            std::vector<domain::NewChallenge> list;
            if (options->from_file.empty()) {
                list.push_back(AskChallenge(context));
            } else {
                list = ParseFile(service, options->from_file);
            }
            CheckLabels(list, service.List(true));
            if (options->dry_run) {
                Listing listing({"label", "start_date", "end_date", "active", "url", "evaluator"});
                for (const auto& challenge : list) listing.AddObject(NewChallengeJson(challenge));
                listing.Print(context.out(), options->json);
                context.err() << "dry run: " << list.size() << " challenge(s) not created\n";
                return 0;
            }
            for (const auto& challenge : list) {
                auto id = service.Create(challenge);
                context.out() << "created challenge " << id << " (" << challenge.label << ")\n";
            }
            return 0;
        });
    command
        .add_option("-f,--from-file", options->from_file,
                    "JSON list of {label, start_date, end_date|null, url, active, evaluator|null}")
        ->type_name("FILE");
    command.add_flag("--dry-run", options->dry_run, "Check and print what would be created; write nothing");
    command.add_flag("--json", options->json, "With --dry-run, print JSON instead of a table");
}

void AddSet(CommandSet& commands) {
    struct Options {
        domain::ChallengeId id = 0;
        std::string field;
        std::string value;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add("challenges", "set", "Change one field of a challenge", [options](Context& context) {
        auto challenge = context.services().challenges().Set(options->id, options->field, options->value);
        Listing listing(kChallengeColumns);
        listing.AddObject(ChallengeRow(challenge));
        listing.Print(context.out(), options->json);
        return 0;
    });
    command.add_option("ID", options->id, "The challenge's id")->required();
    command.add_option("FIELD", options->field, "label, start_date, end_date, active, url, evaluator or auto_eval")
        ->required();
    command
        .add_option("VALUE", options->value,
                    "The new value; dates as dd/mm/yyyy (ISO accepted), 'null' clears end_date/evaluator, "
                    "true/false for active and auto_eval")
        ->required();
    AddJsonFlag(command, options->json);
}

}  // namespace
}  // namespace challenge_cmds

void AddChallengeCommands(CommandSet& commands) {
    challenge_cmds::AddList(commands);
    challenge_cmds::AddNew(commands);
    challenge_cmds::AddSet(commands);
}

}  // namespace zr::cli
