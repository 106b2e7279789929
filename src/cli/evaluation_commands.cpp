// submissions:evaluate, submissions:cancel, jobs:list, workers:list.
#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/listing.hpp"
#include "evaluation/evaluation_service.hpp"

namespace zr::cli {
namespace evaluation_cmds {  // named, so the unity build keeps each file's helpers apart
namespace {

// "42s", "3m05s", "2h07m", "3d04h": short enough for a table column.
std::string FormatAge(std::chrono::seconds age) {
    const long long s = std::max<long long>(age.count(), 0);
    auto two = [](long long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
    if (s < 60) return std::to_string(s) + "s";
    if (s < 3600) return std::to_string(s / 60) + "m" + two(s % 60) + "s";
    if (s < 86400) return std::to_string(s / 3600) + "h" + two(s % 3600 / 60) + "m";
    return std::to_string(s / 86400) + "d" + two(s % 86400 / 3600) + "h";
}

nlohmann::json TextOrNull(const std::string& text) { return text.empty() ? nlohmann::json() : nlohmann::json(text); }

nlohmann::json JobRow(const evaluation::JobView& job, TimePoint now) {
    auto since = [now](TimePoint t) { return FormatAge(std::chrono::duration_cast<std::chrono::seconds>(now - t)); };
    nlohmann::json lease_age;
    if (job.state == domain::JobState::kRunning) {
        if (auto last = job.heartbeat_at ? job.heartbeat_at : job.started_at) lease_age = since(*last);
    }
    return {{"job", job.id},
            {"submission", job.submission_id},
            {"state", domain::ToString(job.state)},
            {"attempts", job.attempts},
            {"worker", TextOrNull(job.worker)},
            {"host", TextOrNull(job.host)},
            {"created_at", FormatDateTime(job.created_at)},
            {"age", since(job.created_at)},
            {"lease_age", lease_age},
            {"exit_code", job.exit_code ? nlohmann::json(*job.exit_code) : nlohmann::json()},
            {"reason", TextOrNull(job.reason)},
            {"evaluator", TextOrNull(job.evaluator_label)},
            {"failure", TextOrNull(job.failure_kind)}};
}

void RequeueChallenge(Context& context, domain::ChallengeId challenge_id, bool dry_run) {
    const auto rerun = context.services().evaluation().EnqueueChallenge(challenge_id, dry_run);
    for (const auto& [submission, job] : rerun.queued) {
        context.out() << submission << (dry_run ? "" : " " + job) << '\n';
    }
    for (const auto& [submission, why] : rerun.skipped) context.out() << submission << " skipped: " << why << '\n';
    context.out() << (dry_run ? "would queue " : "queued ") << rerun.queued.size()
                  << " completed submission(s) of challenge " << rerun.challenge_label << " again";
    if (!rerun.skipped.empty()) context.out() << " (" << rerun.skipped.size() << " skipped)";
    context.out() << (dry_run ? " (dry run: nothing changed)" : "; their current scores are kept as a previous version")
                  << '\n';
}

void AddEvaluate(CommandSet& commands) {
    struct Options {
        std::string id;
        bool all = false;
        std::optional<domain::ChallengeId> challenge;
        bool dry_run = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add(
        "submissions", "evaluate",
        "(Re-)queue a submission for evaluation (from uploaded, completed, failed, canceled, no_eval, no_auto_eval "
        "or excluded) and print the job "
        "id; or, with --all --challenge ID, every completed submission of a challenge (after an evaluator fix: "
        "their scores are kept as a previous version and stay on the leaderboards until the new ones are in)",
        [options](Context& context) {
            if (options->all != options->challenge.has_value()) {
                throw CliError(
                    "--all and --challenge go together (re-queue every completed submission of a challenge)");
            }
            if (options->all == !options->id.empty()) {
                throw CliError("give either a SUBMISSION_ID or --all --challenge ID");
            }
            if (options->dry_run && !options->all) throw CliError("--dry-run goes with --all --challenge ID");
            if (options->all) {
                RequeueChallenge(context, *options->challenge, options->dry_run);
            } else {
                context.out() << context.services().evaluation().Enqueue(options->id) << '\n';
            }
            return 0;
        });
    command.add_option("SUBMISSION_ID", options->id, "The submission's id");
    command.add_flag("--all", options->all, "Every completed submission of the --challenge");
    command.add_option("--challenge", options->challenge, "The challenge's id (with --all)")->type_name("ID");
    command.add_flag("--dry-run", options->dry_run, "With --all: list what would be queued, change nothing");
}

// `zr submissions:scores`: one row per score version.
nlohmann::json VersionRow(const evaluation::ScoreVersionView& view) {
    const auto& version = view.version;
    const auto& job = view.job;
    auto time = [](const std::optional<TimePoint>& t) {
        return t ? nlohmann::json(FormatDateTime(*t)) : nlohmann::json();
    };
    std::string label = version.evaluator_label;
    if (label.empty() && job) label = job->evaluator_label;
    std::string sha = version.script_sha256;
    if (sha.empty() && job) sha = job->script_sha256;
    return {
        {"version", version.version},
        {"job", version.job_id ? nlohmann::json(*version.job_id) : nlohmann::json()},
        {"recorded_at", version.version > 0 ? nlohmann::json(FormatDateTime(version.created_at)) : nlohmann::json()},
        {"evaluator", TextOrNull(label)},
        {"script_sha256", TextOrNull(sha)},
        {"evaluator_version", job ? TextOrNull(job->evaluator_version) : nlohmann::json()},
        {"host", job ? TextOrNull(job->host) : nlohmann::json()},
        {"executor", job ? TextOrNull(job->executor) : nlohmann::json()},
        {"started_at", job ? time(job->started_at) : nlohmann::json()},
        {"finished_at", job ? time(job->finished_at) : nlohmann::json()},
        {"exit_code", job && job->exit_code ? nlohmann::json(*job->exit_code) : nlohmann::json()},
        {"location", TextOrNull(view.location)},
        {"shown", view.shown},
        {"entries", view.entries}};
}

void AddScores(CommandSet& commands) {
    struct Options {
        std::string id;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add(
        "submissions", "scores",
        "A submission's score versions, oldest first: the evaluation (job, evaluator, script sha256, host, "
        "executor, times, exit code) and the leaderboard entries of each; shown = the version the leaderboards rank",
        [options](Context& context) {
            const auto history = context.services().evaluation().History(options->id);
            nlohmann::json rows = nlohmann::json::array();
            for (const auto& view : history.versions) rows.push_back(VersionRow(view));
            if (options->json) {
                context.out() << nlohmann::json({{"submission", history.submission.id},
                                                 {"challenge", history.challenge_label},
                                                 {"status", domain::ToString(history.submission.status)},
                                                 {"versions", rows}})
                                     .dump(2)
                              << '\n';
                return 0;
            }
            context.out() << "submission " << history.submission.id << " (" << history.challenge_label << ", "
                          << domain::ToString(history.submission.status) << "): " << rows.size()
                          << " score version(s)\n";
            if (rows.empty()) return 0;
            Listing listing({"version", "job", "evaluator", "script_sha256", "host", "executor", "started_at",
                             "finished_at", "exit_code", "shown", "location", "entries"});
            for (auto row : rows) {
                row["script_sha256"] = row["script_sha256"].is_string()
                                           ? nlohmann::json(row["script_sha256"].get<std::string>().substr(0, 12))
                                           : row["script_sha256"];
                row["entries"] = row["entries"].dump();
                listing.AddObject(row);
            }
            listing.Print(context.out(), false);
            return 0;
        });
    command.add_option("SUBMISSION_ID", options->id, "The submission's id")->required();
    AddJsonFlag(command, options->json);
}

void AddCancel(CommandSet& commands) {
    auto id = std::make_shared<std::string>();
    auto& command =
        commands.Add("submissions", "cancel", "Cancel a queued or running evaluation (a running evaluator is stopped)",
                     [id](Context& context) {
                         context.services().evaluation().Cancel(*id);
                         context.out() << "submission " << *id << " canceled\n";
                         return 0;
                     });
    command.add_option("SUBMISSION_ID", *id, "The submission's id")->required();
}

// publish, exclude, include: an organiser's say on what the leaderboards show.
void AddModeration(CommandSet& commands, const char* name, const char* help,
                   std::vector<leaderboards::BuildResult> (evaluation::EvaluationService::*move)(std::string_view),
                   const char* done) {
    auto id = std::make_shared<std::string>();
    auto& command = commands.Add("submissions", name, help, [id, move, done](Context& context) {
        const auto rebuilt = (context.services().evaluation().*move)(*id);
        context.out() << "submission " << *id << ' ' << done << '\n';
        for (const auto& board : rebuilt) {
            context.out() << "leaderboard " << board.id << " (" << board.label << "): " << board.entries
                          << " entries\n";
        }
        return 0;
    });
    command.add_option("SUBMISSION_ID", *id, "The submission's id")->required();
}

void AddJobsList(CommandSet& commands) {
    struct Options {
        std::vector<std::string> states;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add(
        "jobs", "list", "Evaluation jobs, newest first (lease_age: time since a running job's last heartbeat)",
        [options](Context& context) {
            std::vector<domain::JobState> states;
            for (const auto& text : options->states) {
                const auto state = domain::ParseJobState(text);
                if (!state) {
                    throw CliError("unknown job state '" + text +
                                   "' (one of queued, running, completed, failed, canceled)");
                }
                states.push_back(*state);
            }
            auto& services = context.services();
            const TimePoint now = services.clock().Now();
            Listing listing({"job", "submission", "state", "attempts", "worker", "host", "created_at", "age",
                             "lease_age", "exit_code", "reason", "evaluator", "failure"});
            for (const auto& job : services.evaluation().ListJobs(states)) {
                listing.AddObject(JobRow(job, now));
            }
            listing.Print(context.out(), options->json);
            return 0;
        });
    command
        .add_option("-s,--state", options->states,
                    "Only jobs in this state (repeatable): queued, running, "
                    "completed, failed, canceled")
        ->type_name("STATE");
    AddJsonFlag(command, options->json);
}

void AddWorkersList(CommandSet& commands) {
    auto json = std::make_shared<bool>(false);
    auto& command = commands.Add(
        "workers", "list",
        "Evaluation workers the service heard from, most recent first (idle ones announce themselves every "
        "third of ZR_EVAL_LEASE; job: the one it runs)",
        [json](Context& context) {
            auto& services = context.services();
            const auto now_ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(services.clock().Now().time_since_epoch())
                    .count();
            const auto lease_ms = std::chrono::duration_cast<std::chrono::milliseconds>(services.settings().eval_lease);
            auto ago = [now_ms](std::int64_t ms) { return FormatAge(std::chrono::seconds((now_ms - ms) / 1000)); };
            Listing listing({"worker", "host", "last_seen", "active", "job", "first_seen"});
            for (const auto& worker : services.evaluation().ListWorkers()) {
                listing.AddObject({{"worker", worker.name},
                                   {"host", worker.host},
                                   {"last_seen", ago(worker.last_seen_ms) + " ago"},
                                   {"active", now_ms - worker.last_seen_ms <= lease_ms.count()},
                                   {"job", TextOrNull(worker.job_id)},
                                   {"first_seen", ago(worker.first_seen_ms) + " ago"}});
            }
            listing.Print(context.out(), *json);
            return 0;
        });
    AddJsonFlag(command, *json);
}

}  // namespace
}  // namespace evaluation_cmds

void AddEvaluationCommands(CommandSet& commands) {
    evaluation_cmds::AddEvaluate(commands);
    evaluation_cmds::AddCancel(commands);
    evaluation_cmds::AddScores(commands);
    evaluation_cmds::AddModeration(
        commands, "publish",
        "Publish the scores a submission carries (has_scores; status no_eval or no_auto_eval): it becomes completed "
        "and its own leaderboard entry is ranked (an evaluator's entry, once there is one, wins); rebuilds its "
        "challenge's leaderboards",
        &evaluation::EvaluationService::Publish, "published (completed)");
    evaluation_cmds::AddModeration(
        commands, "exclude",
        "Keep a submission (completed, no_eval or no_auto_eval) out of every leaderboard: status excluded; rebuilds "
        "its challenge's leaderboards (back with submissions:include, or submissions:evaluate to evaluate it again)",
        &evaluation::EvaluationService::Exclude, "excluded");
    evaluation_cmds::AddModeration(
        commands, "include", "Put an excluded submission back on the leaderboards (status completed); rebuilds them",
        &evaluation::EvaluationService::Include, "included (completed)");
    evaluation_cmds::AddJobsList(commands);
    evaluation_cmds::AddWorkersList(commands);
}

}  // namespace zr::cli
