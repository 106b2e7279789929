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
http::Response LeaderboardJson(ApiContext& ctx, http::Request& request);
http::Response ChallengeLeaderboards(ApiContext& ctx, http::Request& request);

// site_handlers.cpp
// The body of GET / (the app, its version, maintainers and contact), from the settings.
std::string RootJson(const settings::Settings& settings);
http::Response StaticFile(ApiContext& ctx, http::Request& request);
http::Response DocsPage(ApiContext& ctx, http::Request& request);
http::Response DocsAsset(ApiContext& ctx, http::Request& request);
http::Response OpenApi(ApiContext& ctx, http::Request& request);

// ops_handlers.cpp (operators: GET /health, GET /metrics)
http::Response Health(ApiContext& ctx, http::Request& request);
http::Response MetricsText(ApiContext& ctx, http::Request& request);

// Second API generation (api-v2.md), one file per area.

// v2_account_handlers.cpp

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

// v2_leaderboard_handlers.cpp

// worker_handlers.cpp (remote workers, "Authorization: Bearer <ZR_WORKER_TOKEN>")
http::Response WorkerJob(ApiContext& ctx, http::Request& request);
http::Response WorkerJobInput(ApiContext& ctx, http::Request& request);
http::Response WorkerJobLog(ApiContext& ctx, http::Request& request);
// The check of PUT /worker/jobs/{job_id}/scores before its body: md5 query, running job.
std::shared_ptr<http::UploadTarget> PrepareWorkerScores(ApiContext& ctx, http::Request& request);
http::Response WorkerJobScores(ApiContext& ctx, http::Request& request);

}  // namespace zr::api
