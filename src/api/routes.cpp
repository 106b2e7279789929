#include "api/routes.hpp"

#include "api/fields.hpp"
#include "api/handlers.hpp"

namespace zr::api {
namespace {

using http::Auth;
using http::Method;
using HandlerFn = http::Response (*)(ApiContext&, http::Request&);
// Handlers of JSON bodies, which get the body decoded before the caller is checked (as FastAPI
// did: malformed JSON is a 422 even without a token).
using JsonHandlerFn = http::Response (*)(ApiContext&, http::Request&, Fields body);
using PrepareFn = std::shared_ptr<http::UploadTarget> (*)(ApiContext&, http::Request&);

struct Options {
    Auth auth = Auth::kNone;
    std::size_t max_body = 0;  // 0 = the JSON default from settings
    bool offload = false;      // CPU-heavy (password hashing): run on the blocking pool
    // Password hashing: 503 at once when too many requests wait for a hashing thread.
    bool refuse_when_busy = false;
    // Runs on the IO thread before an offloaded handler is queued (RouteOptions::screen).
    void (*screen)(ApiContext&, const http::Request&) = nullptr;
    // A write route (POST, PUT, DELETE, PATCH) that stays open in lock mode (readonly.lock): login,
    // logout and the workers' routes, which change no participant data.
    bool lock_exempt = false;
};

bool IsWrite(Method method) {
    return method == Method::kPost || method == Method::kPut || method == Method::kDelete || method == Method::kPatch;
}

// Room for the multipart framing and text fields around the part itself.
constexpr std::size_t kMultipartOverhead = 128 * 1024;

// The one place routes are added. The declared authentication is resolved by the transport before
// the body, and a failure answered by it before the prepare step or the handler; JSON-body routes
// defer that answer until their body is decoded, as FastAPI did.
class Table {
public:
    Table(http::Router& router, ApiContext& ctx) : router_(router), ctx_(ctx) {}

    void Add(Method method, const char* path, HandlerFn fn, Options options = {}) {
        ApiContext& ctx = ctx_;
        router_.Add(
            method, path, [&ctx, fn](http::Request& request) { return fn(ctx, request); },
            RouteOptions(method, options));
    }

    void AddJson(Method method, const char* path, JsonHandlerFn fn, Options options = {}) {
        ApiContext& ctx = ctx_;
        router_.Add(
            method, path,
            [&ctx, fn](http::Request& request) {
                Fields body = Fields::FromJsonBody(request);
                RequireAuthenticated(request);
                return fn(ctx, request, std::move(body));
            },
            RouteOptions(method, options, /*defer_auth_failure=*/true));
    }

    // A streamed upload: `prepare` runs before the body, the handler once the parts are on disk.
    void AddUpload(Method method, const char* path, PrepareFn prepare, HandlerFn fn, Options options) {
        ApiContext& ctx = ctx_;
        http::RouteOptions route = RouteOptions(method, options);
        route.prepare_upload = [&ctx, prepare](http::Request& request) { return prepare(ctx, request); };
        router_.Add(
            method, path, [&ctx, fn](http::Request& request) { return fn(ctx, request); }, route);
    }

    // A handler that needs nothing of the context.
    void AddFixed(Method method, const char* path, http::Handler handler) {
        router_.Add(method, path, std::move(handler), RouteOptions(method, {}));
    }

private:
    http::RouteOptions RouteOptions(Method method, const Options& options, bool defer_auth_failure = false) const {
        http::RouteOptions route;
        route.auth = options.auth;
        route.defer_auth_failure = defer_auth_failure;
        route.max_body = options.max_body != 0 ? options.max_body : ctx_.settings.max_json_body;
        route.offload = options.offload;
        route.refuse_when_busy = options.refuse_when_busy;
        if (options.screen != nullptr) {
            route.screen = [&ctx = ctx_, screen = options.screen](const http::Request& request) {
                screen(ctx, request);
            };
        }
        // Lock mode is checked before the body (an upload is refused before its first byte), with
        // one stat of readonly.lock per write request.
        if (IsWrite(method) && !options.lock_exempt) {
            route.admit = [&site = ctx_.site, &settings = ctx_.settings](const http::Request&) {
                if (site.Locked()) throw LockedError(settings);
            };
        }
        return route;
    }

    http::Router& router_;
    ApiContext& ctx_;
};

}  // namespace

http::Router BuildRouter(ApiContext& ctx) {
    http::Router router;
    router.SetAuthenticator(MakeAuthenticator(ctx));
    Table table(router, ctx);
    const Options hashing{.offload = true, .refuse_when_busy = true};
    const Options user{.auth = Auth::kActiveUser};
    const Options worker{.auth = Auth::kWorkerToken, .lock_exempt = true};
    const std::size_t part_body = ctx.settings.max_upload_part_bytes + kMultipartOverhead;

    // GET /: the settings do not change while serving, so the answer is serialised once.
    table.AddFixed(Method::kGet, "/", [body = RootJson(ctx.settings, ctx.site.installed_at())](http::Request&) {
        return http::Response::JsonText(200, body);
    });
    table.Add(Method::kGet, "/docs", DocsPage);
    table.Add(Method::kGet, "/docs/assets/{file}", DocsAsset);
    table.Add(Method::kGet, "/docs/init.js", DocsInitScript);
    table.Add(Method::kGet, "/openapi.json", OpenApi);
    table.Add(Method::kGet, "/health", Health);
    table.Add(Method::kGet, "/metrics", MetricsText, {.auth = Auth::kMetricsToken});
    table.Add(Method::kGet, "/static/{path:path}", StaticFile);

    table.Add(Method::kPost, "/auth/login", Login,
              {.offload = true, .refuse_when_busy = true, .screen = ScreenLogin, .lock_exempt = true});
    table.Add(Method::kDelete, "/auth/logout", Logout, {.auth = Auth::kSession, .lock_exempt = true});
    table.Add(Method::kPut, "/auth/signup", SignupJson, hashing);
    table.Add(Method::kPost, "/auth/signup", SignupForm, hashing);
    table.Add(Method::kPost, "/auth/password/reset", PasswordResetRequest);
    table.Add(Method::kPost, "/auth/password/update", PasswordUpdatePage, hashing);
    table.Add(Method::kPut, "/auth/password/update", PasswordUpdateApi, hashing);

    table.Add(Method::kGet, "/page/new-user", NewUserPage);
    table.Add(Method::kGet, "/page/email-verify", EmailVerifyPage);
    table.Add(Method::kGet, "/page/password-update", PasswordUpdateFormPage);
    table.Add(Method::kGet, "/page/request-password-update", RequestPasswordUpdatePage);

    table.Add(Method::kGet, "/users/", CurrentUser, user);
    table.Add(Method::kGet, "/users/profile", GetProfile, user);
    table.AddJson(Method::kPost, "/users/profile", UpdateProfile, user);

    table.Add(Method::kGet, "/challenges/", ListChallenges);
    table.Add(Method::kGet, "/challenges/{challenge_id}", GetChallenge);
    table.Add(Method::kGet, "/challenges/{challenge_id}/leaderboard", ChallengeLeaderboards);
    table.Add(Method::kGet, "/leaderboards/", ListLeaderboards);
    table.Add(Method::kGet, "/leaderboards/{leaderboard_id}/json", LeaderboardJson);

    table.AddJson(Method::kPost, "/challenges/{challenge_id}/submission/create", CreateSubmission, user);
    table.Add(Method::kGet, "/challenges/{challenge_id}/submission/upload", SubmissionUploadState, user);
    // The body is streamed to the submission's tmp/ once the ticket (caller, owner, part name,
    // room on disk) is issued.
    table.AddUpload(Method::kPut, "/challenges/{challenge_id}/submission/upload", PrepareSubmissionUpload,
                    UploadSubmissionPart, {.auth = Auth::kActiveUser, .max_body = part_body});
    table.Add(Method::kGet, "/users/submissions", ListUserSubmissions, user);
    table.Add(Method::kGet, "/users/submissions/tracks/{track_id}", ListUserTrackSubmissions, user);
    table.Add(Method::kGet, "/users/submissions/{submission_id}", GetUserSubmission, user);
    table.Add(Method::kGet, "/users/submissions/{submission_id}/status", UserSubmissionStatus, user);
    table.Add(Method::kGet, "/users/submissions/{submission_id}/log", UserSubmissionLog, user);
    table.Add(Method::kGet, "/users/submissions/{submission_id}/scores", UserSubmissionScores, user);

    // Remote workers (ZR_WORKER_TOKEN). The scores zip is streamed to the submission's tmp/ once
    // the ticket (token, running job) is issued; unzipping it runs on the blocking pool. They keep
    // working in lock mode: a job finishing during a backup is no participant's write, and
    // refusing it would fail the evaluation.
    table.Add(Method::kGet, "/worker/jobs/{job_id}", WorkerJob, worker);
    table.Add(Method::kGet, "/worker/jobs/{job_id}/input", WorkerJobInput, worker);
    table.Add(Method::kPost, "/worker/jobs/{job_id}/log", WorkerJobLog,
              {.auth = Auth::kWorkerToken, .max_body = transfer::TransferService::kMaxLogBytes, .lock_exempt = true});
    table.AddUpload(Method::kPut, "/worker/jobs/{job_id}/scores", PrepareWorkerScores, WorkerJobScores,
                    {.auth = Auth::kWorkerToken, .max_body = part_body, .offload = true, .lock_exempt = true});

    // The second API generation (api-v2.md: the `zrc` client's), over the same data. Routes whose
    // path the first generation also has are served once, above, with both answers merged.

    // v2: accounts and users (section 1.3 P1-a/b, 1.4 rows 5-8).
    // /users/submissions/... and /users/profile above win over these (literal segments first):
    // usernames "submissions" and "profile" are reserved.
    table.Add(Method::kGet, "/users/{username}/profile", V2GetProfile, user);
    table.AddJson(Method::kPost, "/users/{username}/profile", V2UpdateProfile, user);

    // v2: models and benchmarks (1.3 P1-c/d, 1.4 rows 9, 13-20).
    table.AddJson(Method::kPost, "/users/{username}/models/create", CreateModel, user);
    table.Add(Method::kGet, "/users/{username}/models/list", ListUserModels, user);
    table.Add(Method::kGet, "/models/list", ListModels);
    table.Add(Method::kGet, "/models/{model_id}/info", ModelInfo);
    table.Add(Method::kGet, "/models/{model_id}/submissions/list", ModelSubmissions);
    table.Add(Method::kGet, "/models/{model_id}/challenges/list", ModelChallenges);
    table.Add(Method::kGet, "/benchmarks/list", ListBenchmarks);
    table.Add(Method::kGet, "/benchmarks/{benchmark_id}/info", BenchmarkInfo);
    table.Add(Method::kGet, "/benchmarks/{benchmark_id}/submissions/list", BenchmarkSubmissions);
    table.Add(Method::kGet, "/benchmarks/{benchmark_id}/leaderboards/list", BenchmarkLeaderboards);

    // v2: submissions (1.3 P1-e/f/g, 1.4 rows 11, 21-26).
    const Options optional_user{.auth = Auth::kOptionalUser};
    table.AddJson(Method::kPost, "/users/{username}/submissions/create", CreateSubmissionV2, user);
    table.Add(Method::kGet, "/users/{username}/submissions/list", ListOwnSubmissionsV2, user);
    table.AddUpload(Method::kPost, "/submissions/{submission_id}/content/add", PrepareContentAdd, AddContent,
                    {.auth = Auth::kActiveUser, .max_body = part_body});
    table.Add(Method::kGet, "/submissions/{submission_id}/content/status", ContentStatus);
    table.Add(Method::kGet, "/submissions/{submission_id}/info", SubmissionInfo, optional_user);
    table.Add(Method::kGet, "/submissions/{submission_id}/scores", SubmissionScoresV2, optional_user);
    table.Add(Method::kGet, "/submissions/list", ListPublishedSubmissions);
    table.Add(Method::kDelete, "/submissions/{submission_id}/remove", RemoveSubmission, user);

    // v2: leaderboards (1.4 rows 27-31). GET /leaderboards/{label}/json is the seed route above.
    table.Add(Method::kGet, "/leaderboards/list", V2ListLeaderboards);
    table.Add(Method::kGet, "/leaderboards/{label}/info", V2LeaderboardInfo);
    table.Add(Method::kGet, "/leaderboards/{leaderboard}/csv", V2LeaderboardCsv);
    table.Add(Method::kGet, "/leaderboards/{leaderboard}/entry/{entry_id}", V2LeaderboardEntry);

    return router;
}

}  // namespace zr::api
