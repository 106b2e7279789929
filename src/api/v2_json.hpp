#pragma once
// The JSON objects of the second API generation (api-v2.md section 1.3 "Object shapes"), built
// from our records: the one place where v2 names are mapped onto ours (section 4.2), shared by
// every v2 handler (keys in nlohmann::json order: clients parse by name).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "domain/challenge.hpp"
#include "domain/user.hpp"

namespace zr::api::v2 {

// "2026-12-07T11:54:23.187419": ISO 8601, local time, no zone, microseconds (pydantic's output).
std::string IsoDateTime(TimePoint time);
nlohmann::json IsoDateTimeOrNull(const std::optional<TimePoint>& time);

// Benchmark: label, start_date, end_date|null, active, url, evaluator|null, auto_eval.
nlohmann::json BenchmarkJson(const domain::Challenge& challenge);
// The same object's JSON text written directly (GET /benchmarks/{label}/info: no tree to build),
// byte for byte BenchmarkJson's dump.
std::string BenchmarkText(const domain::Challenge& challenge);
// Model: id, user_id, created_at, description, gpu_budget, train_set, authors, institution,
// team, paper_url, code_url.
nlohmann::json ModelJson(const domain::Model& model);
// Submission: id, user_id, benchmark_id (the challenge's label), model_id, submit_date, status,
// auto_eval, has_scores, evaluator_id, author_label — auto_eval and evaluator_id falling back to
// the challenge's (section 4.2). `with_user` false leaves user_id out (public listings, section 5
// row 26).
nlohmann::json SubmissionJson(const domain::Submission& submission, const domain::Challenge& challenge,
                              bool with_user = true);
// {"items": [...]}: the envelope of every v2 listing, one to_json(item) per item.
template <class Range, class ToJson>
nlohmann::json ItemsJson(const Range& range, ToJson to_json) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& item : range) items.push_back(to_json(item));
    return {{"items", std::move(items)}};
}

// Leaderboard: label, benchmark_id (the challenge's label), archived, static_files, sorting_key.
nlohmann::json LeaderboardJson(const domain::Leaderboard& board, std::string_view challenge_label);

// Profile: username, affiliation, first_name, last_name, verified, email, created|null, then the
// profile file's other keys. Account fields come from the account (the file's "email",
// "verified" and "created" are ignored: section 4.2, and so is a "token" key, which zrc could not
// take); the three text fields are strings, "" when
// the file lacks them or holds null (zrc's CurrentUser needs strings: section 1.3 P1-b).
// `profile_file` is the stored profile object (empty for none).
nlohmann::json ProfileJson(const domain::User& user, const nlohmann::json& profile_file);
// The keys of a Profile that belong to the account, never written to the profile file.
bool IsAccountProfileKey(std::string_view key);

}  // namespace zr::api::v2
