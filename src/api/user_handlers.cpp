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
    Fields query = Fields::FromQuery(request);
    // ?account=true adds the account's e-mail and verification (not in the first implementation).
    const bool with_account = query.OptionalBool("account").value_or(false);
    query.ThrowIfInvalid();
    return http::Response::Json(200, ctx.accounts.GetProfile(caller.user, with_account));
}

http::Response UpdateProfile(ApiContext& ctx, http::Request& request) {
    // As FastAPI: the body is decoded before the caller is checked (malformed JSON is a 422
    // even without a token), its fields after.
    Fields body = Fields::FromJsonBody(request);
    const auto caller = RequireCaller(ctx, request, accounts::AuthLevel::kActiveUser);
    body.RequiredString("username");
    body.RequiredString("affiliation");
    body.OptionalString("first_name");
    body.OptionalString("last_name");
    body.ThrowIfInvalid();
    ctx.accounts.UpdateProfile(caller.user, body.values());
    return http::Response::Empty();
}

}  // namespace zr::api
