#include "api/v2_json.hpp"

#include <string>

#include "api/json_text.hpp"

namespace zr::api::v2 {
namespace {

nlohmann::json TextOrNull(const std::optional<std::string>& text) {
    return text ? nlohmann::json(*text) : nlohmann::json();
}

}  // namespace

std::string IsoDateTime(TimePoint time) {
    std::string text = FormatDateTime(time);  // "YYYY-MM-DD HH:MM:SS.ffffff"
    if (text.size() > 10 && text[10] == ' ') text[10] = 'T';
    return text;
}

nlohmann::json IsoDateTimeOrNull(const std::optional<TimePoint>& time) {
    return time ? nlohmann::json(IsoDateTime(*time)) : nlohmann::json();
}

nlohmann::json BenchmarkJson(const domain::Challenge& challenge) {
    nlohmann::json out = nlohmann::json::object();
    out["label"] = challenge.label;
    out["start_date"] = FormatDate(challenge.start_date);
    out["end_date"] = challenge.end_date ? nlohmann::json(FormatDate(*challenge.end_date)) : nlohmann::json();
    out["active"] = challenge.active;
    out["url"] = challenge.url;
    out["evaluator"] = challenge.evaluator ? nlohmann::json(*challenge.evaluator) : nlohmann::json();
    out["auto_eval"] = challenge.auto_eval;
    return out;
}

std::string BenchmarkText(const domain::Challenge& challenge) {
    // nlohmann's key order: active, auto_eval, end_date, evaluator, label, start_date, url.
    std::string out = challenge.active ? R"({"active":true,"auto_eval":)" : R"({"active":false,"auto_eval":)";
    out += challenge.auto_eval ? "true" : "false";
    out += R"(,"end_date":)";
    if (challenge.end_date) {
        AppendJsonString(out, FormatDate(*challenge.end_date));
    } else {
        out += "null";
    }
    out += R"(,"evaluator":)";
    out += challenge.evaluator ? std::to_string(*challenge.evaluator) : "null";
    out += R"(,"label":)";
    AppendJsonString(out, challenge.label);
    out += R"(,"start_date":)";
    AppendJsonString(out, FormatDate(challenge.start_date));
    out += R"(,"url":)";
    AppendJsonString(out, challenge.url);
    out += '}';
    return out;
}

nlohmann::json ModelJson(const domain::Model& model) {
    nlohmann::json out = nlohmann::json::object();
    out["id"] = model.id;
    out["user_id"] = model.user_id;
    out["created_at"] = IsoDateTimeOrNull(model.created_at);
    out["description"] = model.description;
    out["gpu_budget"] = TextOrNull(model.gpu_budget);
    out["train_set"] = model.train_set;
    out["authors"] = model.authors;
    out["institution"] = model.institution;
    out["team"] = TextOrNull(model.team);
    out["paper_url"] = TextOrNull(model.paper_url);
    out["code_url"] = TextOrNull(model.code_url);
    return out;
}

nlohmann::json SubmissionJson(const domain::Submission& submission, const domain::Challenge& challenge,
                              bool with_user) {
    nlohmann::json out = nlohmann::json::object();
    out["id"] = submission.id;
    if (with_user) out["user_id"] = submission.user_id;
    out["benchmark_id"] = challenge.label;
    out["model_id"] = TextOrNull(submission.model_id);
    out["submit_date"] = IsoDateTime(submission.submit_date);
    out["status"] = domain::ToString(submission.status);
    out["auto_eval"] = submission.EffectiveAutoEval(challenge);
    out["has_scores"] = submission.has_scores;
    const auto evaluator = submission.EffectiveEvaluator(challenge);
    out["evaluator_id"] = evaluator ? nlohmann::json(*evaluator) : nlohmann::json();
    out["author_label"] = TextOrNull(submission.author_label);
    return out;
}

nlohmann::json LeaderboardJson(const domain::Leaderboard& board, std::string_view challenge_label) {
    nlohmann::json out = nlohmann::json::object();
    out["label"] = board.label;
    out["benchmark_id"] = challenge_label;
    out["archived"] = board.archived;
    out["static_files"] = board.static_files;
    out["sorting_key"] = board.sorting_key.empty() ? nlohmann::json() : nlohmann::json(board.sorting_key);
    return out;
}

bool IsAccountProfileKey(std::string_view key) { return key == "email" || key == "verified" || key == "created"; }

nlohmann::json ProfileJson(const domain::User& user, const nlohmann::json& profile_file) {
    // A text field as pydantic's str would take it: numbers and booleans by their JSON text.
    auto text = [&](const char* key) -> std::string {
        const auto it = profile_file.find(key);
        if (it == profile_file.end() || it->is_null()) return "";
        if (it->is_string()) return it->get<std::string>();
        return it->dump();
    };
    nlohmann::json out = nlohmann::json::object();
    out["username"] = user.username;
    out["affiliation"] = text("affiliation");
    out["first_name"] = text("first_name");
    out["last_name"] = text("last_name");
    out["verified"] = user.IsVerified();
    out["email"] = user.email;
    out["created"] = IsoDateTimeOrNull(user.created_at);
    if (profile_file.is_object()) {
        for (const auto& [key, value] : profile_file.items()) {
            // zrc builds CurrentUser(token=..., **profile): a "token" key would be given twice.
            if (!out.contains(key) && !IsAccountProfileKey(key) && key != "token") out[key] = value;
        }
    }
    return out;
}

}  // namespace zr::api::v2
