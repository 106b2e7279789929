#pragma once
// The messages of the evaluation queues (pipeline.md section 4), as JSON objects with a "type" and
// a "version". Both back-ends carry exactly these.
//
// eval_queue:   {"type": "evaluation_job", "version": 1, "job_id", "submission_id", "evaluator_id",
//                "evaluator", "executor", "script_path", "base_arguments": [...], "host": str|null,
//                "archive_md5", "time_limit_s"}
// update_queue: {"type": "evaluation_started"|"evaluation_heartbeat"|"evaluation_complete"|
//                "evaluation_failed"|"evaluation_canceled"|"worker_presence", "version": 1, "job_id",
//                "submission_id", "host", "worker", "attempt", "exit_code": int|null, "reason",
//                optional (added in version 1, absent from older workers' messages):
//                "failure_kind": "platform"|"evaluator"|null (evaluation_failed),
//                "script_sha256": str|null, "evaluator_version": str|null (evaluation_started)}
// These optional fields are ignored when not strings. An evaluation_failed message without
// "failure_kind" (or with a value this program does not know) gets the kind its exit_code implies
// (domain::DeriveFailureKind), as before the field existed.
// worker_presence: an idle worker saying it is alive (job_id and submission_id ""); a service that
// does not know it drops it with a warning.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/challenge.hpp"
#include "domain/submission_history.hpp"

namespace zr::evaluation {

inline constexpr int kMessageVersion = 1;

// A message that is not one of ours: wrong type or version, missing or mistyped field.
class MessageError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

struct Job {
    std::string job_id;  // uuid4
    std::string submission_id;
    domain::EvaluatorId evaluator_id = 0;
    std::string evaluator;  // label
    std::string executor;   // python, bash, sbatch, docker
    std::string script_path;
    std::vector<std::string> base_arguments;
    // The host whose workers run it: the evaluator's host, or the service's own host name for an
    // evaluator registered with --local (host NULL). Workers of other hosts hand the job on.
    // None (messages from elsewhere): any worker.
    std::optional<std::string> host;
    std::string archive_md5;  // md5 of input.zip (remote workers check their copy)
    std::int64_t time_limit_s = 0;
};

enum class UpdateType { kStarted, kHeartbeat, kComplete, kFailed, kCanceled, kPresence };

struct Update {
    UpdateType type = UpdateType::kStarted;
    std::string job_id;
    std::string submission_id;
    std::string host;    // worker's host name
    std::string worker;  // worker's name ("host:pid:n")
    unsigned attempt = 1;
    std::optional<int> exit_code;
    std::string reason;                               // failed/canceled: why, for out.log and jobs:list
    std::optional<domain::FailureKind> failure_kind;  // failed: always set once parsed
    std::string script_sha256;                        // started: the script's checksum ("" unknown)
    std::string evaluator_version;                    // started: index.yml's version ("" none)
};

nlohmann::json ToJson(const Job& job);
nlohmann::json ToJson(const Update& update);
// Throw MessageError naming the problem.
Job JobFromJson(const nlohmann::json& json);
Update UpdateFromJson(const nlohmann::json& json);

// "evaluation_started", ...; and back (MessageError for an unknown name).
const char* ToString(UpdateType type);
UpdateType UpdateTypeFromString(const std::string& name);

}  // namespace zr::evaluation
