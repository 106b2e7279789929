#include "evaluation/messages.hpp"

#include <array>
#include <utility>

namespace zr::evaluation {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<UpdateType, const char*>, 6> kUpdateNames = {{
    {UpdateType::kStarted, "evaluation_started"},
    {UpdateType::kHeartbeat, "evaluation_heartbeat"},
    {UpdateType::kComplete, "evaluation_complete"},
    {UpdateType::kFailed, "evaluation_failed"},
    {UpdateType::kCanceled, "evaluation_canceled"},
    {UpdateType::kPresence, "worker_presence"},
}};

const json& Field(const json& message, const char* key) {
    auto it = message.find(key);
    if (it == message.end()) throw MessageError(std::string("message without \"") + key + "\"");
    return *it;
}

std::string Text(const json& message, const char* key) {
    const json& value = Field(message, key);
    if (!value.is_string()) throw MessageError(std::string("\"") + key + "\" is not a string");
    return value.get<std::string>();
}

std::int64_t Integer(const json& message, const char* key) {
    const json& value = Field(message, key);
    if (!value.is_number_integer()) throw MessageError(std::string("\"") + key + "\" is not an integer");
    return value.get<std::int64_t>();
}

// The message's "type", after checking it is an object of our version.
std::string TypeOf(const json& message) {
    if (!message.is_object()) throw MessageError("message is not a JSON object");
    std::string type = Text(message, "type");
    if (Integer(message, "version") != kMessageVersion) {
        throw MessageError("message " + type + " has an unsupported version");
    }
    return type;
}

// An optional text field added after version 1 was in use: anything but a string reads as "" (a
// failed update must never be dropped for an extra field).
std::string OptionalText(const json& message, const char* key) {
    auto it = message.find(key);
    return it != message.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json TextOrNull(const std::string& text) { return text.empty() ? json() : json(text); }

}  // namespace

const char* ToString(UpdateType type) {
    for (const auto& [value, name] : kUpdateNames) {
        if (value == type) return name;
    }
    return "evaluation_unknown";
}

UpdateType UpdateTypeFromString(const std::string& name) {
    for (const auto& [value, text] : kUpdateNames) {
        if (name == text) return value;
    }
    throw MessageError("unknown update type \"" + name + "\"");
}

json ToJson(const Job& job) {
    return {{"type", "evaluation_job"},
            {"version", kMessageVersion},
            {"job_id", job.job_id},
            {"submission_id", job.submission_id},
            {"evaluator_id", job.evaluator_id},
            {"evaluator", job.evaluator},
            {"executor", job.executor},
            {"script_path", job.script_path},
            {"base_arguments", job.base_arguments},
            {"host", job.host ? json(*job.host) : json()},
            {"archive_md5", job.archive_md5},
            {"time_limit_s", job.time_limit_s}};
}

json ToJson(const Update& update) {
    return {{"type", ToString(update.type)},
            {"version", kMessageVersion},
            {"job_id", update.job_id},
            {"submission_id", update.submission_id},
            {"host", update.host},
            {"worker", update.worker},
            {"attempt", update.attempt},
            {"exit_code", update.exit_code ? json(*update.exit_code) : json()},
            {"reason", update.reason},
            {"failure_kind", update.failure_kind ? json(domain::ToString(*update.failure_kind)) : json()},
            {"script_sha256", TextOrNull(update.script_sha256)},
            {"evaluator_version", TextOrNull(update.evaluator_version)}};
}

Job JobFromJson(const json& message) {
    if (TypeOf(message) != "evaluation_job") throw MessageError("not an evaluation_job message");
    Job job;
    job.job_id = Text(message, "job_id");
    job.submission_id = Text(message, "submission_id");
    job.evaluator_id = Integer(message, "evaluator_id");
    job.evaluator = Text(message, "evaluator");
    job.executor = Text(message, "executor");
    job.script_path = Text(message, "script_path");
    const json& arguments = Field(message, "base_arguments");
    if (!arguments.is_array()) throw MessageError("\"base_arguments\" is not a list");
    for (const json& argument : arguments) {
        if (!argument.is_string()) throw MessageError("\"base_arguments\" holds a non-string");
        job.base_arguments.push_back(argument.get<std::string>());
    }
    const json& host = Field(message, "host");
    if (host.is_string()) {
        job.host = host.get<std::string>();
    } else if (!host.is_null()) {
        throw MessageError("\"host\" is neither a string nor null");
    }
    job.archive_md5 = Text(message, "archive_md5");
    job.time_limit_s = Integer(message, "time_limit_s");
    return job;
}

Update UpdateFromJson(const json& message) {
    Update update;
    update.type = UpdateTypeFromString(TypeOf(message));
    update.job_id = Text(message, "job_id");
    update.submission_id = Text(message, "submission_id");
    update.host = Text(message, "host");
    update.worker = Text(message, "worker");
    const std::int64_t attempt = Integer(message, "attempt");
    if (attempt < 1) throw MessageError("\"attempt\" must be at least 1");
    update.attempt = static_cast<unsigned>(attempt);
    const json& exit_code = Field(message, "exit_code");
    if (exit_code.is_number_integer()) {
        update.exit_code = exit_code.get<int>();
    } else if (!exit_code.is_null()) {
        throw MessageError("\"exit_code\" is neither an integer nor null");
    }
    update.reason = Text(message, "reason");
    if (update.type == UpdateType::kFailed) {
        update.failure_kind = domain::ParseFailureKind(OptionalText(message, "failure_kind"));
        if (!update.failure_kind) update.failure_kind = domain::DeriveFailureKind(update.exit_code);
    }
    update.script_sha256 = OptionalText(message, "script_sha256");
    update.evaluator_version = OptionalText(message, "evaluator_version");
    return update;
}

}  // namespace zr::evaluation
