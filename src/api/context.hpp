#pragma once
// What the HTTP handlers need, handed in once when the routes are built. Handlers are thin: they
// read the request, call one service function and serialise its result.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "accounts/account_service.hpp"
#include "challenges/challenge_service.hpp"
#include "http/message.hpp"
#include "leaderboards/leaderboard_service.hpp"
#include "metrics/metrics.hpp"
#include "monitoring/health.hpp"
#include "settings/settings.hpp"
#include "submissions/submission_service.hpp"
#include "templates/templates.hpp"
#include "transfer/transfer_service.hpp"

namespace zr::api {

struct ApiContext {
    accounts::AccountService& accounts;
    challenges::ChallengeService& challenges;
    const templates::Engine& templates;
    const settings::Settings& settings;
    submissions::SubmissionService& submissions;
    transfer::TransferService& transfer;
    leaderboards::LeaderboardService& leaderboards;
    const monitoring::Health& health;
    const metrics::Metrics& metrics;
};

// The caller from "Authorization: Bearer <token>". 401 {"detail": "Not authenticated"} without a
// bearer header; otherwise as AccountService::Authenticate.
accounts::Caller RequireCaller(ApiContext& ctx, const http::Request& request, accounts::AuthLevel level);

// An HTML page rendered from pages/<name>.html with the site-wide fields added.
http::Response Page(const ApiContext& ctx, const std::string& name, nlohmann::json data, int status = 200);
// The result page of a form (sign-up, e-mail verification, password update).
struct PageMessage {
    std::string heading;             // the page's <h1> and <title>
    std::vector<std::string> lines;  // one paragraph each
    bool success = true;
    std::string link_url = {};  // an optional link below
    std::string link_text = {};
};
http::Response MessagePage(const ApiContext& ctx, const PageMessage& message);

}  // namespace zr::api
