// /challenges/*
#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "api/json_text.hpp"
#include "common/error.hpp"

namespace zr::api {

http::Response ListChallenges(ApiContext& ctx, http::Request& request) {
    Fields query = Fields::FromQuery(request);
    const bool include_inactive = query.OptionalBool("include_inactive").value_or(false);
    query.ThrowIfInvalid();
    // [{"active": ..., "id": ..., "label": ...}] (nlohmann's key order), written directly.
    std::string out = "[";
    for (const auto& c : ctx.challenges.List(include_inactive)) {
        if (out.size() > 1) out += ',';
        out += c.active ? R"({"active":true,"id":)" : R"({"active":false,"id":)";
        out += std::to_string(c.id);
        out += R"(,"label":)";
        AppendJsonString(out, c.label);
        out += '}';
    }
    out += ']';
    return http::Response::JsonText(200, std::move(out));
}

http::Response GetChallenge(ApiContext& ctx, http::Request& request) {
    const auto id = PathInt(request, "challenge_id");
    return http::Response::Json(200, challenges::ToJson(ctx.challenges.Get(id)));
}

}  // namespace zr::api
