// /challenges/*
#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "common/error.hpp"

namespace zr::api {

http::Response ListChallenges(ApiContext& ctx, http::Request& request) {
    Fields query = Fields::FromQuery(request);
    const bool include_inactive = query.OptionalBool("include_inactive").value_or(false);
    query.ThrowIfInvalid();
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : ctx.challenges.List(include_inactive)) {
        out.push_back({{"id", c.id}, {"label", c.label}, {"active", c.active}});
    }
    return http::Response::Json(200, out);
}

http::Response GetChallenge(ApiContext& ctx, http::Request& request) {
    const auto id = PathInt(request, "challenge_id");
    return http::Response::Json(200, challenges::ToJson(ctx.challenges.Get(id)));
}

}  // namespace zr::api
