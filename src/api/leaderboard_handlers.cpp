// /leaderboards/* and /challenges/{challenge_id}/leaderboard
#include "api/fields.hpp"
#include "api/handlers.hpp"

namespace zr::api {

http::Response ListLeaderboards(ApiContext& ctx, http::Request&) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& board : ctx.leaderboards.List()) out.push_back(leaderboards::PublicJson(board));
    return http::Response::Json(200, out);
}

http::Response LeaderboardJson(ApiContext& ctx, http::Request& request) {
    const auto id = PathInt(request, "leaderboard_id");
    return http::Response::Json(200, ctx.leaderboards.ReadJson(id));
}

http::Response ChallengeLeaderboards(ApiContext& ctx, http::Request& request) {
    const auto id = PathInt(request, "challenge_id");
    return http::Response::Json(200, ctx.leaderboards.ReadForChallenge(id));
}

}  // namespace zr::api
