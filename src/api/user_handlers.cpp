// /users/*: the caller's account and profile.
#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "common/error.hpp"

namespace zr::api {

http::Response CurrentUser(ApiContext& ctx, http::Request& request) {
    const auto caller = RequireCaller(ctx, request, accounts::AuthLevel::kActiveUser);
    return http::Response::Json(
        200, {{"username", caller.user.username}, {"email", caller.user.email}, {"verified", caller.user.verified}});
}

http::Response GetProfile(ApiContext& ctx, http::Request& request) {
    const auto caller = RequireCaller(ctx, request, accounts::AuthLevel::kActiveUser);
    return http::Response::Json(200, ctx.accounts.GetProfile(caller.user));
}

http::Response UpdateProfile(ApiContext& ctx, http::Request& request) {
    const auto caller = RequireCaller(ctx, request, accounts::AuthLevel::kActiveUser);
    Fields body = Fields::FromJsonBody(request);
    body.RequiredString("username");
    body.RequiredString("affiliation");
    body.OptionalString("first_name");
    body.OptionalString("last_name");
    body.ThrowIfInvalid();
    ctx.accounts.UpdateProfile(caller.user, body.values());
    return http::Response::Null();
}

}  // namespace zr::api
