#pragma once
// What the HTTP handlers need, handed in once when the routes are built. Handlers are thin: they
// read the request, call one service function and serialise its result.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/account_service.hpp"
#include "api/profile_bodies.hpp"
#include "challenges/challenge_service.hpp"
#include "common/error.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "leaderboards/leaderboard_service.hpp"
#include "metrics/metrics.hpp"
#include "models/model_service.hpp"
#include "monitoring/health.hpp"
#include "settings/settings.hpp"
#include "storage/site_state.hpp"
#include "submissions/submission_reads.hpp"
#include "submissions/upload_service.hpp"
#include "templates/templates.hpp"
#include "transfer/transfer_service.hpp"

namespace zr::api {

struct ApiContext {
    accounts::AccountService& accounts;
    challenges::ChallengeService& challenges;
    const templates::Engine& templates;
    const settings::Settings& settings;
    submissions::UploadService& uploads;
    submissions::SubmissionReads& submissions;
    transfer::TransferService& transfer;
    leaderboards::LeaderboardService& leaderboards;
    models::ModelService& models;
    const monitoring::Health& health;
    const metrics::Metrics& metrics;
    // Lock mode: write routes are refused (423) while it is on.
    const storage::SiteState& site;
    // The profile routes' JSON text, kept while unchanged.
    const ProfileBodies& profile_bodies;
};

// The token of "Authorization: Bearer <token>" (scheme in any case, blanks trimmed); nullopt when
// the header is absent, of another scheme or empty. The one bearer parser of every route.
std::optional<std::string_view> BearerToken(const http::Request& request);

// Resolves a route's declared authentication (http::Auth) for the transport, once per request:
//   kSession, kActiveUser  the caller's session (accounts::Caller): 401 {"detail": "Not
//                          authenticated"} without a token, otherwise as AccountService::Authenticate;
//   kWorkerToken           TransferService::Authorize (404 when remote workers are off, 401);
//   kMetricsToken          ZR_METRICS_TOKEN when set: 401 "Not authenticated" / "Invalid metrics token".
http::Authenticator MakeAuthenticator(ApiContext& ctx);

// The caller the route's declared authentication found; rethrows its error (401, 406...) when it
// failed. Only for routes declaring kSession or kActiveUser.
const accounts::Caller& CallerOf(const http::Request& request);
// The caller of an Auth::kOptionalUser route: nullptr when no token was sent (a bad one throws).
const accounts::Caller* OptionalCallerOf(const http::Request& request);
// Rethrows the error of the route's declared authentication, if it failed.
void RequireAuthenticated(const http::Request& request);

// The UploadTarget a route's prepare step returned (Request::upload), as the type it made.
template <class Target>
const Target& UploadOf(const http::Request& request) {
    const auto* target = dynamic_cast<const Target*>(request.upload.get());
    if (target == nullptr) {
        throw Error::Detail(ErrorKind::kInternal, "Internal Server Error", "no upload target for " + request.path);
    }
    return *target;
}
// The last file part of a streamed upload named `field`, or nullptr.
const http::UploadedFile* FileField(const http::Request& request, std::string_view field);

// An HTML page rendered from pages/<name>.html with the site-wide fields added, with
// Cache-Control: no-store (the transport adds the security headers of HTML, security_headers.hpp).
http::Response Page(const ApiContext& ctx, const std::string& name, nlohmann::json data, int status = 200);
// The result page of a form (sign-up, e-mail verification, password update).
struct PageMessage {
    std::string heading;             // the page's <h1> and <title>
    std::vector<std::string> lines;  // one paragraph each
    bool success = true;
    std::string link_url = {};  // an optional link below
    std::string link_text = {};
    int status = 200;  // the first implementation answered its form pages 200, refusals included
};
http::Response MessagePage(const ApiContext& ctx, const PageMessage& message);

}  // namespace zr::api
