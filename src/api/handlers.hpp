#pragma once
// Route handlers, grouped by area. Each is a function of the context and the request (and, for
// JSON bodies, of the body the route table decoded first). The route table (routes.cpp) declares
// each route's authentication and refuses the request before its handler when it failed;
// handlers read the caller with CallerOf(request).
#include <filesystem>
#include <memory>

#include "api/context.hpp"
#include "api/fields.hpp"
#include "http/message.hpp"

namespace zr::api {

// auth_handlers.cpp
http::Response Login(ApiContext& ctx, http::Request& request);
// Login's throttle check on the IO thread, before it waits for a hashing thread (429).
void ScreenLogin(ApiContext& ctx, const http::Request& request);
http::Response Logout(ApiContext& ctx, http::Request& request);
http::Response SignupJson(ApiContext& ctx, http::Request& request);
http::Response SignupForm(ApiContext& ctx, http::Request& request);
http::Response PasswordResetRequest(ApiContext& ctx, http::Request& request);
http::Response PasswordUpdatePage(ApiContext& ctx, http::Request& request);  // POST: HTML answer
http::Response PasswordUpdateApi(ApiContext& ctx, http::Request& request);   // PUT: JSON answer

// page_handlers.cpp
http::Response NewUserPage(ApiContext& ctx, http::Request& request);
http::Response EmailVerifyPage(ApiContext& ctx, http::Request& request);
http::Response PasswordUpdateFormPage(ApiContext& ctx, http::Request& request);
http::Response RequestPasswordUpdatePage(ApiContext& ctx, http::Request& request);

// user_handlers.cpp
http::Response CurrentUser(ApiContext& ctx, http::Request& request);
http::Response GetProfile(ApiContext& ctx, http::Request& request);
http::Response UpdateProfile(ApiContext& ctx, http::Request& request, Fields body);

// challenge_handlers.cpp
http::Response ListChallenges(ApiContext& ctx, http::Request& request);
http::Response GetChallenge(ApiContext& ctx, http::Request& request);

// submission_handlers.cpp
// The {submission_id} of a submission route's path.
const std::string& SubmissionIdParam(const http::Request& request);
http::Response CreateSubmission(ApiContext& ctx, http::Request& request, Fields body);
// The check of PUT .../submission/upload before any body byte is read: query parameters (422),
// then UploadService::PrepareUpload; the ticket it returns is where the part is written and what
// UploadSubmissionPart accepts (no second lookup).
std::shared_ptr<http::UploadTarget> PrepareSubmissionUpload(ApiContext& ctx, http::Request& request);
http::Response UploadSubmissionPart(ApiContext& ctx, http::Request& request);
http::Response SubmissionUploadState(ApiContext& ctx, http::Request& request);
http::Response ListUserSubmissions(ApiContext& ctx, http::Request& request);
http::Response ListUserTrackSubmissions(ApiContext& ctx, http::Request& request);
http::Response GetUserSubmission(ApiContext& ctx, http::Request& request);
http::Response UserSubmissionStatus(ApiContext& ctx, http::Request& request);
http::Response UserSubmissionLog(ApiContext& ctx, http::Request& request);
http::Response UserSubmissionScores(ApiContext& ctx, http::Request& request);

// leaderboard_handlers.cpp
http::Response ListLeaderboards(ApiContext& ctx, http::Request& request);
// GET /leaderboards/{leaderboard_id}/json, both generations (api-v2.md section 4.3): an all-digit
// segment is an id, anything else a label; {"updatedOn", "last_modified", "data"}. A segment that
// is neither a number nor a known label keeps the first generation's 422.
http::Response LeaderboardJson(ApiContext& ctx, http::Request& request);
http::Response ChallengeLeaderboards(ApiContext& ctx, http::Request& request);

// site_handlers.cpp
// The body of GET / (the app, its version, maintainers and contact, from the settings; and when
// the data folder was first set up, as the second generation's "installation_datetime").
std::string RootJson(const settings::Settings& settings, TimePoint installed_at);
http::Response StaticFile(ApiContext& ctx, http::Request& request);
http::Response DocsPage(ApiContext& ctx, http::Request& request);
http::Response DocsAsset(ApiContext& ctx, http::Request& request);
// GET /docs/init.js: the script that starts Swagger UI on /docs (resources/docs/init.js). Its own
// route, not a /docs/assets/ file: those come from SWAGGER_UI_DIR, which must not replace it.
http::Response DocsInitScript(ApiContext& ctx, http::Request& request);
http::Response OpenApi(ApiContext& ctx, http::Request& request);

// ops_handlers.cpp (operators: GET /health, GET /metrics)
http::Response Health(ApiContext& ctx, http::Request& request);
http::Response MetricsText(ApiContext& ctx, http::Request& request);

// Second API generation (api-v2.md), one file per area.

// v2_account_handlers.cpp
// 423 {"message": "APILockedException: The <app> is in LOCKED mode, write operations are not
// allowed", "data": "None"}: what every write route answers while the data folder is locked.
Error LockedError(const settings::Settings& settings);
// The caller of a /users/{username}/... route, who must be that user: 403 {"detail": "Operation
// not allowed"} otherwise (the second generation said 401; ours is the seed's 403 for someone
// else's resource). Only for routes declaring kActiveUser.
const accounts::Caller& PathOwner(const http::Request& request);
// GET /users/{username}/profile: the Profile (v2::ProfileJson) of the caller.
http::Response V2GetProfile(ApiContext& ctx, http::Request& request);
// POST /users/{username}/profile: writes the profile file's keys of a Profile (never e-mail,
// verified, created); 403 when the body's username is not the caller's.
http::Response V2UpdateProfile(ApiContext& ctx, http::Request& request, Fields body);

// v2_model_handlers.cpp
http::Response CreateModel(ApiContext& ctx, http::Request& request, Fields body);
http::Response ListUserModels(ApiContext& ctx, http::Request& request);
http::Response ListModels(ApiContext& ctx, http::Request& request);
http::Response ModelInfo(ApiContext& ctx, http::Request& request);
// Public: published submissions only, without user_id (api-v2.md section 5 row 26).
http::Response ModelSubmissions(ApiContext& ctx, http::Request& request);
http::Response ModelChallenges(ApiContext& ctx, http::Request& request);
http::Response ListBenchmarks(ApiContext& ctx, http::Request& request);
http::Response BenchmarkInfo(ApiContext& ctx, http::Request& request);
http::Response BenchmarkSubmissions(ApiContext& ctx, http::Request& request);
http::Response BenchmarkLeaderboards(ApiContext& ctx, http::Request& request);

// v2_submission_handlers.cpp
http::Response CreateSubmissionV2(ApiContext& ctx, http::Request& request, Fields body);
// The check of POST /submissions/{id}/content/add before its body (UploadService::PrepareUpload).
std::shared_ptr<http::UploadTarget> PrepareContentAdd(ApiContext& ctx, http::Request& request);
http::Response AddContent(ApiContext& ctx, http::Request& request);
http::Response ContentStatus(ApiContext& ctx, http::Request& request);
http::Response SubmissionInfo(ApiContext& ctx, http::Request& request);
http::Response SubmissionScoresV2(ApiContext& ctx, http::Request& request);
http::Response ListPublishedSubmissions(ApiContext& ctx, http::Request& request);
http::Response ListOwnSubmissionsV2(ApiContext& ctx, http::Request& request);
http::Response RemoveSubmission(ApiContext& ctx, http::Request& request);

// v2_leaderboard_handlers.cpp
// GET /leaderboards/list: ["<label>", ...].
http::Response V2ListLeaderboards(ApiContext& ctx, http::Request& request);
// GET /leaderboards/{label}/info: v2::LeaderboardJson; 404 {"message"} unknown label.
http::Response V2LeaderboardInfo(ApiContext& ctx, http::Request& request);
// GET /leaderboards/{leaderboard}/csv (id or label): the built board as text/csv, an attachment.
http::Response V2LeaderboardCsv(ApiContext& ctx, http::Request& request);
// GET /leaderboards/{leaderboard}/entry/{entry_id}: the entry whose submission_id is entry_id; 404.
http::Response V2LeaderboardEntry(ApiContext& ctx, http::Request& request);

// worker_handlers.cpp (remote workers, "Authorization: Bearer <ZR_WORKER_TOKEN>")
http::Response WorkerJob(ApiContext& ctx, http::Request& request);
http::Response WorkerJobInput(ApiContext& ctx, http::Request& request);
http::Response WorkerJobLog(ApiContext& ctx, http::Request& request);
// The check of PUT /worker/jobs/{job_id}/scores before its body: md5 query, running job.
std::shared_ptr<http::UploadTarget> PrepareWorkerScores(ApiContext& ctx, http::Request& request);
http::Response WorkerJobScores(ApiContext& ctx, http::Request& request);

}  // namespace zr::api
