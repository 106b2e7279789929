// submissions:list, submissions:set, submissions:create.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/listing.hpp"
#include "submissions/submission_admin.hpp"

namespace zr::cli {
namespace submission_cmds {  // named, so the unity build keeps each file's helpers apart
namespace {

using submissions::SubmissionView;

const std::vector<std::string> kSubmissionColumns = {"id",          "user_id", "username", "track_id", "track",
                                                     "submit_date", "status",  "failure",  "reason"};
constexpr const char* kStatusNames =
    "uploading, uploaded, on_queue, validating, invalid, evaluating, completed, canceled, failed";

// A failed submission's failure kind: "platform", "evaluator", or "admin" for a status set by hand.
nlohmann::json FailureKindCell(const SubmissionView& view) {
    if (!view.failure) return nullptr;
    if (!view.failure->kind) return "admin";
    return std::string(domain::ToString(*view.failure->kind));
}

nlohmann::json ToRow(const SubmissionView& view) {
    return {{"id", view.submission.id},
            {"user_id", view.submission.user_id},
            {"username", view.username.empty() ? nlohmann::json() : nlohmann::json(view.username)},
            {"track_id", view.challenge.id},
            {"track", view.challenge.label},
            {"submit_date", FormatDateTime(view.submission.submit_date)},
            {"status", domain::ToString(view.submission.status)},
            {"failure", FailureKindCell(view)},
            {"reason", view.failure ? nlohmann::json(view.failure->reason) : nlohmann::json()}};
}

std::optional<std::int64_t> AsId(const std::string& text) {
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    try {
        return std::stoll(text);
    } catch (const std::out_of_range&) {
        return std::nullopt;
    }
}

// A user given by id or username.
domain::UserId ResolveUser(Context& context, const std::string& text) {
    if (auto id = AsId(text)) return RequireUser(context, *id).id;
    for (const auto& user : context.services().accounts().ListUsers()) {
        if (user.username == text) return user.id;
    }
    throw CliError("no user named '" + text + "'");
}

// A challenge given by id or label.
domain::ChallengeId ResolveTrack(Context& context, const std::string& text) {
    auto& challenges = context.services().challenges();
    if (auto id = AsId(text)) return challenges.Get(*id).id;  // 404 message when unknown
    for (const auto& challenge : challenges.List(true)) {
        if (challenge.label == text) return challenge.id;
    }
    throw CliError("no challenge labelled '" + text + "'");
}

domain::SubmissionStatus ParseStatus(const std::string& text) {
    auto status = domain::ParseSubmissionStatus(text);
    if (!status) throw CliError("unknown status '" + text + "' (one of " + kStatusNames + ")");
    return *status;
}

// The submission as the admin listing shows it.
SubmissionView FindView(Context& context, const std::string& id) {
    for (auto& view : context.services().submission_admin().List({})) {
        if (view.submission.id == id) return std::move(view);
    }
    throw CliError("no submission with id " + id);
}

void PrintOne(Context& context, const std::string& id, bool json) {
    Listing listing(kSubmissionColumns);
    listing.AddObject(ToRow(FindView(context, id)));
    listing.Print(context.out(), json);
}

void AddList(CommandSet& commands) {
    struct Options {
        std::string user;
        std::string track;
        std::string status;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add("submissions", "list", "List submissions, oldest first", [options](Context& context) {
        submissions::ListFilter filter;
        if (!options->user.empty()) filter.user_id = ResolveUser(context, options->user);
        if (!options->track.empty()) filter.track_id = ResolveTrack(context, options->track);
        if (!options->status.empty()) filter.status = ParseStatus(options->status);
        Listing listing(kSubmissionColumns);
        for (const auto& view : context.services().submission_admin().List(filter)) listing.AddObject(ToRow(view));
        listing.Print(context.out(), options->json);
        return 0;
    });
    command.add_option("-u,--user", options->user, "Only this user's (id or username)")->type_name("USER");
    command.add_option("-t,--track", options->track, "Only this challenge's (id or label)")->type_name("TRACK");
    command.add_option("-s,--status", options->status, std::string("Only with this status: ") + kStatusNames)
        ->type_name("STATUS");
    AddJsonFlag(command, options->json);
}

void AddSet(CommandSet& commands) {
    struct Options {
        std::string id;
        std::string status;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto& command =
        commands.Add("submissions", "set", "Set a submission's status (any status: no transition check)",
                     [options](Context& context) {
                         const auto status = ParseStatus(options->status);
                         context.services().submission_admin().SetStatus(options->id, status, /*force=*/true);
                         PrintOne(context, options->id, options->json);
                         return 0;
                     });
    command.add_option("ID", options->id, "The submission's id")->required();
    command.add_option("STATUS", options->status, kStatusNames)->required();
    AddJsonFlag(command, options->json);
}

void AddCreate(CommandSet& commands) {
    struct Options {
        domain::ChallengeId challenge_id = 0;
        domain::UserId user_id = 0;
        std::string archive;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add("submissions", "create",
                                 "Add a submission from a local zip, bypassing the API (no open-challenge check nor "
                                 "limits); prints it once unzipped",
                                 [options](Context& context) {
                                     std::error_code ec;
                                     if (!std::filesystem::is_regular_file(options->archive, ec)) {
                                         throw CliError(options->archive + ": cannot read the file");
                                     }
                                     const auto user = RequireUser(context, options->user_id);
                                     const auto id = context.services().submission_admin().CreateFromArchive(
                                         options->challenge_id, user.id, std::filesystem::absolute(options->archive));
                                     PrintOne(context, id, options->json);
                                     return 0;
                                 });
    command.add_option("CHALLENGE_ID", options->challenge_id, "The challenge (track) id")->required();
    command.add_option("USER_ID", options->user_id, "The owner's user id")->required();
    command.add_option("ARCHIVE", options->archive, "The zip file")->required();
    AddJsonFlag(command, options->json);
}

}  // namespace
}  // namespace submission_cmds

void AddSubmissionCommands(CommandSet& commands) {
    submission_cmds::AddList(commands);
    submission_cmds::AddSet(commands);
    submission_cmds::AddCreate(commands);
}

}  // namespace zr::cli
