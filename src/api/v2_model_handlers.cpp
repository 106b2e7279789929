// Second API generation: models and benchmarks (api-v2.md section 1.3 P1-c/d, section 1.4 rows 9
// and 13-20). A benchmark is our challenge, its id the challenge's label.
#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "api/model_request.hpp"
#include "api/v2_json.hpp"
#include "common/error.hpp"

namespace zr::api {
namespace {

template <class Range, class ToJson>
http::Response Items(const Range& range, ToJson to_json) {
    return http::Response::Json(200, v2::ItemsJson(range, to_json));
}

http::Response NoItems() { return http::Response::Json(200, {{"items", nlohmann::json::array()}}); }

const std::string& PathParam(const http::Request& request, const std::string& name) {
    return request.path_params.at(name);
}

nlohmann::json PublicSubmissionJson(const models::PublishedSubmission& published) {
    return v2::SubmissionJson(published.submission, published.challenge, /*with_user=*/false);
}

}  // namespace

http::Response CreateModel(ApiContext& ctx, http::Request& request, Fields body) {
    const ModelCreateRequest create = ParseModelCreate(Fields::FromQuery(request), std::move(body));
    const accounts::Caller& caller = PathOwner(request);
    const domain::Model created = ctx.models.Create(caller.user.id, create.author_name, create.model);
    return http::Response::Json(200, {{"model_id", created.id}, {"user", caller.user.username}});
}

http::Response ListUserModels(ApiContext& ctx, http::Request& request) {
    const accounts::Caller& caller = PathOwner(request);
    return Items(ctx.models.ListByUser(caller.user.id), v2::ModelJson);
}

http::Response ListModels(ApiContext& ctx, http::Request&) { return Items(ctx.models.List(), v2::ModelJson); }

http::Response ModelInfo(ApiContext& ctx, http::Request& request) {
    return http::Response::Json(200, v2::ModelJson(ctx.models.Get(PathParam(request, "model_id"))));
}

http::Response ModelSubmissions(ApiContext& ctx, http::Request& request) {
    return Items(ctx.models.PublishedSubmissions(PathParam(request, "model_id")), PublicSubmissionJson);
}

http::Response ModelChallenges(ApiContext& ctx, http::Request& request) {
    return Items(ctx.models.ChallengesOf(PathParam(request, "model_id")), v2::BenchmarkJson);
}

http::Response ListBenchmarks(ApiContext& ctx, http::Request& request) {
    Fields query = Fields::FromQuery(request);
    const bool include_inactive = query.OptionalBool("include_inactive").value_or(false);
    query.ThrowIfInvalid();
    return Items(ctx.challenges.List(include_inactive), v2::BenchmarkJson);
}

http::Response BenchmarkInfo(ApiContext& ctx, http::Request& request) {
    return http::Response::JsonText(200,
                                    v2::BenchmarkText(ctx.challenges.GetByLabel(PathParam(request, "benchmark_id"))));
}

http::Response BenchmarkSubmissions(ApiContext& ctx, http::Request& request) {
    // An unknown label lists nothing, as the first implementation answered.
    const auto challenge = ctx.challenges.FindByLabel(PathParam(request, "benchmark_id"));
    if (!challenge) return NoItems();
    return Items(ctx.models.PublishedSubmissionsOf(*challenge), PublicSubmissionJson);
}

http::Response BenchmarkLeaderboards(ApiContext& ctx, http::Request& request) {
    const auto challenge = ctx.challenges.FindByLabel(PathParam(request, "benchmark_id"));
    if (!challenge) return NoItems();
    return Items(ctx.leaderboards.ListForChallenge(challenge->id),
                 [&](const domain::Leaderboard& board) { return v2::LeaderboardJson(board, challenge->label); });
}

}  // namespace zr::api
