#include "api/routes.hpp"

#include "api/handlers.hpp"

namespace zr::api {
namespace {

using http::Method;
using HandlerFn = http::Response (*)(ApiContext&, http::Request&);

struct Limits {
    std::size_t max_body = 0;  // 0 = the JSON default from settings
    bool offload = false;      // CPU-heavy (password hashing): run on the blocking pool
};

// Room for the multipart framing and text fields around the part itself.
constexpr std::size_t kMultipartOverhead = 128 * 1024;

// PUT .../submission/upload: the body is streamed to the submission's tmp/ once the spool check
// (caller, owner, part name) has passed.
void AddUpload(http::Router& router, ApiContext& ctx) {
    http::RouteOptions options;
    options.max_body = ctx.settings.max_upload_part_bytes + kMultipartOverhead;
    options.upload_spool = [&ctx](http::Request& request) { return PrepareSubmissionUpload(ctx, request); };
    router.Add(
        Method::kPut, "/challenges/{challenge_id}/submission/upload",
        [&ctx](http::Request& request) { return UploadSubmissionPart(ctx, request); }, options);
}

// Remote workers: /worker/jobs/*. The scores zip is streamed to the submission's tmp/ once the
// spool check (token, running job) has passed; unzipping it runs on the blocking pool.
void AddWorkerRoutes(http::Router& router, ApiContext& ctx) {
    auto route = [&ctx](auto fn) { return [&ctx, fn](http::Request& request) { return fn(ctx, request); }; };
    http::RouteOptions small;
    small.max_body = ctx.settings.max_json_body;
    router.Add(Method::kGet, "/worker/jobs/{job_id}", route(WorkerJob), small);
    router.Add(Method::kGet, "/worker/jobs/{job_id}/input", route(WorkerJobInput), small);
    http::RouteOptions log;
    log.max_body = transfer::TransferService::kMaxLogBytes;
    router.Add(Method::kPost, "/worker/jobs/{job_id}/log", route(WorkerJobLog), log);
    http::RouteOptions scores;
    scores.max_body = ctx.settings.max_upload_part_bytes + kMultipartOverhead;
    scores.offload = true;
    scores.upload_spool = [&ctx](http::Request& request) { return PrepareWorkerScores(ctx, request); };
    router.Add(Method::kPut, "/worker/jobs/{job_id}/scores", route(WorkerJobScores), scores);
}

}  // namespace

http::Router BuildRouter(ApiContext& ctx) {
    http::Router router;
    const std::size_t json = ctx.settings.max_json_body;
    auto add = [&](Method method, const char* path, HandlerFn fn, Limits limits = {}) {
        http::RouteOptions options;
        options.max_body = limits.max_body ? limits.max_body : json;
        options.offload = limits.offload;
        router.Add(
            method, path, [&ctx, fn](http::Request& request) { return fn(ctx, request); }, options);
    };
    const Limits hashing{.offload = true};

    // GET /: the settings do not change while serving, so the answer is serialised once.
    http::RouteOptions root_options;
    root_options.max_body = json;
    router.Add(
        Method::kGet, "/",
        [body = RootJson(ctx.settings)](http::Request&) { return http::Response::JsonText(200, body); }, root_options);
    add(Method::kGet, "/docs", DocsPage);
    add(Method::kGet, "/docs/assets/{file}", DocsAsset);
    add(Method::kGet, "/openapi.json", OpenApi);
    add(Method::kGet, "/health", Health);
    add(Method::kGet, "/metrics", MetricsText);
    add(Method::kGet, "/static/{path:path}", StaticFile);

    add(Method::kPost, "/auth/login", Login, hashing);
    add(Method::kDelete, "/auth/logout", Logout);
    add(Method::kPut, "/auth/signup", SignupJson, hashing);
    add(Method::kPost, "/auth/signup", SignupForm, hashing);
    add(Method::kPost, "/auth/password/reset", PasswordResetRequest);
    add(Method::kPost, "/auth/password/update", PasswordUpdatePage, hashing);
    add(Method::kPut, "/auth/password/update", PasswordUpdateApi, hashing);

    add(Method::kGet, "/page/new-user", NewUserPage);
    add(Method::kGet, "/page/email-verify", EmailVerifyPage);
    add(Method::kGet, "/page/password-update", PasswordUpdateFormPage);
    add(Method::kGet, "/page/request-password-update", RequestPasswordUpdatePage);

    add(Method::kGet, "/users/", CurrentUser);
    add(Method::kGet, "/users/profile", GetProfile);
    add(Method::kPost, "/users/profile", UpdateProfile);

    add(Method::kGet, "/challenges/", ListChallenges);
    add(Method::kGet, "/challenges/{challenge_id}", GetChallenge);
    add(Method::kGet, "/challenges/{challenge_id}/leaderboard", ChallengeLeaderboards);
    add(Method::kGet, "/leaderboards/", ListLeaderboards);
    add(Method::kGet, "/leaderboards/{leaderboard_id}/json", LeaderboardJson);

    add(Method::kPost, "/challenges/{challenge_id}/submission/create", CreateSubmission);
    add(Method::kGet, "/challenges/{challenge_id}/submission/upload", SubmissionUploadState);
    AddUpload(router, ctx);
    add(Method::kGet, "/users/submissions", ListUserSubmissions);
    add(Method::kGet, "/users/submissions/tracks/{track_id}", ListUserTrackSubmissions);
    add(Method::kGet, "/users/submissions/{submission_id}", GetUserSubmission);
    add(Method::kGet, "/users/submissions/{submission_id}/status", UserSubmissionStatus);
    add(Method::kGet, "/users/submissions/{submission_id}/log", UserSubmissionLog);
    add(Method::kGet, "/users/submissions/{submission_id}/scores", UserSubmissionScores);
    AddWorkerRoutes(router, ctx);
    return router;
}

}  // namespace zr::api
