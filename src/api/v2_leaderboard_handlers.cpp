// The second generation's /leaderboards/... routes (api-v2.md section 1.4 rows 27-31, 4.3): boards
// named by label (or, as the first generation's, by an all-digit id), served from the built file.
#include <cctype>
#include <string>

#include "api/handlers.hpp"
#include "api/v2_json.hpp"

namespace zr::api {
namespace {

const std::string& Segment(const http::Request& request, const char* name) { return request.path_params.at(name); }

}  // namespace

http::Response V2ListLeaderboards(ApiContext& ctx, http::Request&) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& board : ctx.leaderboards.List()) out.push_back(board.label);
    return http::Response::Json(200, out);
}

http::Response V2LeaderboardInfo(ApiContext& ctx, http::Request& request) {
    const auto board = ctx.leaderboards.GetByLabel(Segment(request, "label"));
    return http::Response::Json(200, v2::LeaderboardJson(board, ctx.leaderboards.ChallengeLabel(board.challenge_id)));
}

http::Response V2LeaderboardCsv(ApiContext& ctx, http::Request& request) {
    const auto board = ctx.leaderboards.Resolve(Segment(request, "leaderboard"));
    http::Response response;
    response.content_type = "text/csv; charset=utf-8";
    response.body = ctx.leaderboards.ReadCsv(board);
    // Labels are organisers' words: keep the file name to characters no header parser trips on.
    std::string name;
    for (const char c : board.label) {
        const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
        name += plain ? c : '_';
    }
    response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + ".csv\"");
    return response;
}

http::Response V2LeaderboardEntry(ApiContext& ctx, http::Request& request) {
    const auto board = ctx.leaderboards.Resolve(Segment(request, "leaderboard"));
    return http::Response::Json(200, ctx.leaderboards.ReadEntry(board, Segment(request, "entry_id")));
}

}  // namespace zr::api
