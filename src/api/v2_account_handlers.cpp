// Second generation (api-v2.md): /users/{username}/profile, and the lock mode's answer.
#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "api/v2_json.hpp"
#include "common/error.hpp"

namespace zr::api {

Error LockedError(const settings::Settings& settings) {
    return Error::MessageData(ErrorKind::kLocked, "APILockedException: The " + settings.app_name +
                                                      " is in LOCKED mode, write operations are not allowed");
}

const accounts::Caller& PathOwner(const http::Request& request) {
    const auto& caller = CallerOf(request);
    if (request.path_params.at("username") != caller.user.username) {
        throw Error::Detail(ErrorKind::kForbidden, "Operation not allowed");
    }
    return caller;
}

http::Response V2GetProfile(ApiContext& ctx, http::Request& request) {
    const auto& caller = PathOwner(request);
    return http::Response::JsonText(200, ctx.profile_bodies.Body(caller.user, ProfileBodies::Shape::kSecondGeneration));
}

// Only the profile's own keys reach the file: the account's e-mail, verification and creation
// date are the database's (a v2 client sends them back as it read them).
http::Response V2UpdateProfile(ApiContext& ctx, http::Request& request, Fields body) {
    const auto& caller = PathOwner(request);
    const std::string username = body.RequiredString("username");
    body.RequiredString("affiliation");
    body.OptionalString("first_name");
    body.OptionalString("last_name");
    body.ThrowIfInvalid();
    if (username != caller.user.username) throw Error::Detail(ErrorKind::kForbidden, "Operation not allowed");
    nlohmann::json profile = nlohmann::json::object();
    for (const auto& [key, value] : body.values().items()) {
        if (!v2::IsAccountProfileKey(key) && key != "token") profile[key] = value;
    }
    ctx.accounts.UpdateProfile(caller.user, profile);
    return http::Response::Empty();
}

}  // namespace zr::api
