// submissions:evaluate, submissions:cancel, jobs:list, workers:list.
#include <algorithm>
#include <array>
#include <memory>

#include "cli/commands.hpp"
#include "cli/listing.hpp"
#include "evaluation/evaluation_service.hpp"

namespace zr::cli {
namespace {

constexpr std::array<std::string_view, 5> kJobStates = {"queued", "running", "completed", "failed", "canceled"};

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
    if (job.state == "running") {
        if (auto last = job.heartbeat_at ? job.heartbeat_at : job.started_at) lease_age = since(*last);
    }
    return {{"job", job.id},
            {"submission", job.submission_id},
            {"state", job.state},
            {"attempts", job.attempts},
            {"worker", TextOrNull(job.worker)},
            {"host", TextOrNull(job.host)},
            {"created_at", FormatDateTime(job.created_at)},
            {"age", since(job.created_at)},
            {"lease_age", lease_age},
            {"exit_code", job.exit_code ? nlohmann::json(*job.exit_code) : nlohmann::json()},
            {"reason", TextOrNull(job.reason)}};
}

void AddEvaluate(CommandSet& commands) {
    auto id = std::make_shared<std::string>();
    auto& command = commands.Add("submissions", "evaluate",
                                 "(Re-)queue a submission for evaluation (from uploaded, completed, failed or "
                                 "canceled); prints the job id",
                                 [id](Context& context) {
                                     context.out() << context.services().evaluation().Enqueue(*id) << '\n';
                                     return 0;
                                 });
    command.add_option("SUBMISSION_ID", *id, "The submission's id")->required();
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

void AddJobsList(CommandSet& commands) {
    struct Options {
        std::vector<std::string> states;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto& command = commands.Add(
        "jobs", "list", "Evaluation jobs, newest first (lease_age: time since a running job's last heartbeat)",
        [options](Context& context) {
            for (const auto& state : options->states) {
                if (std::find(kJobStates.begin(), kJobStates.end(), state) == kJobStates.end()) {
                    throw CliError("unknown job state '" + state +
                                   "' (one of queued, running, completed, failed, canceled)");
                }
            }
            auto& services = context.services();
            const TimePoint now = services.clock().Now();
            Listing listing({"job", "submission", "state", "attempts", "worker", "host", "created_at", "age",
                             "lease_age", "exit_code", "reason"});
            for (const auto& job : services.evaluation().ListJobs(options->states)) {
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
            const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    services.clock().Now().time_since_epoch())
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

void AddEvaluationCommands(CommandSet& commands) {
    AddEvaluate(commands);
    AddCancel(commands);
    AddJobsList(commands);
    AddWorkersList(commands);
}

}  // namespace zr::cli
