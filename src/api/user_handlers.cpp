// /users/*: the caller's account and profile.
#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "common/error.hpp"

namespace zr::api {

http::Response CurrentUser(ApiContext&, http::Request& request) {
    const auto& caller = CallerOf(request);
    return http::Response::Json(
        200, {{"username", caller.user.username}, {"email", caller.user.email}, {"verified", caller.user.verified}});
}

http::Response GetProfile(ApiContext& ctx, http::Request& request) {
    const auto& caller = CallerOf(request);
    Fields query = Fields::FromQuery(request);
    // ?account=true adds the account's e-mail and verification (not in the first implementation).
    const bool with_account = query.OptionalBool("account").value_or(false);
    query.ThrowIfInvalid();
    return http::Response::JsonText(
        200, ctx.profile_bodies.Body(
                 caller.user, with_account ? ProfileBodies::Shape::kSeedWithAccount : ProfileBodies::Shape::kSeed));
}

// The route table decoded the body before checking the caller (malformed JSON is a 422 even
// without a token, as with FastAPI); its fields are read after.
http::Response UpdateProfile(ApiContext& ctx, http::Request& request, Fields body) {
    const auto& caller = CallerOf(request);
    body.RequiredString("username");
    body.RequiredString("affiliation");
    body.OptionalString("first_name");
    body.OptionalString("last_name");
    body.ThrowIfInvalid();
    ctx.accounts.UpdateProfile(caller.user, body.values());
    return http::Response::Empty();
}

}  // namespace zr::api
