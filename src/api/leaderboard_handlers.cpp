// /leaderboards/* and /challenges/{challenge_id}/leaderboard (the v2 additions: v2_leaderboard_handlers.cpp)
#include "api/fields.hpp"
#include "api/handlers.hpp"

namespace zr::api {

http::Response ListLeaderboards(ApiContext& ctx, http::Request&) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& board : ctx.leaderboards.List()) out.push_back(leaderboards::PublicJson(board));
    return http::Response::Json(200, out);
}

http::Response LeaderboardJson(ApiContext& ctx, http::Request& request) {
    const std::string& segment = request.path_params.at("leaderboard_id");
    const bool digits = !segment.empty() && segment.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) {
        if (auto board = ctx.leaderboards.FindByLabel(segment)) {
            return http::Response::Json(200, ctx.leaderboards.ReadJson(*board));
        }
    }
    // Ids (and what is neither an id nor a label: the first generation's 422) as before.
    const auto id = PathInt(request, "leaderboard_id");
    return http::Response::Json(200, ctx.leaderboards.ReadJson(id));
}

http::Response ChallengeLeaderboards(ApiContext& ctx, http::Request& request) {
    const auto id = PathInt(request, "challenge_id");
    return http::Response::Json(200, ctx.leaderboards.ReadForChallenge(id));
}

}  // namespace zr::api
