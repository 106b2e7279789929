// /auth/*: login, logout, sign-up (JSON and HTML form), password reset and update.
#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"

namespace zr::api {
namespace {

// Reads the sign-up fields; `password_field` is "pwd" for JSON and "password" for the form.
accounts::SignupRequest ReadSignup(Fields& body, const std::string& password_field) {
    accounts::SignupRequest signup;
    signup.username = body.RequiredString("username");
    if (!signup.username.empty() && !accounts::IsValidUsername(signup.username)) {
        body.Invalid("username",
                     "username must be 1-64 letters, digits, '_', '.' or '-', not starting with '.' or '-'",
                     "value_error.username");
    }
    signup.email = body.RequiredString("email");
    if (!signup.email.empty() && !accounts::IsValidEmail(signup.email)) {
        body.Invalid("email", "value is not a valid email address", "value_error.email");
    }
    signup.password = body.RequiredString(password_field);
    signup.first_name = body.RequiredString("first_name");
    signup.last_name = body.RequiredString("last_name");
    signup.affiliation = body.RequiredString("affiliation");
    body.ThrowIfInvalid();
    return signup;
}

// A browser submitting one of our HTML forms asks for HTML; scripts (JSON or form) get JSON.
bool WantsHtml(const http::Request& request) {
    const auto accept = request.Header("accept");
    return accept && ToLower(*accept).find("text/html") != std::string::npos;
}

}  // namespace

http::Response Login(ApiContext& ctx, http::Request& request) {
    Fields form = Fields::FromFormBody(request);
    const std::string username = form.RequiredString("username");
    const std::string password = form.RequiredString("password");
    form.ThrowIfInvalid();
    const std::string token = ctx.accounts.Login(username, password);
    return http::Response::Json(200, {{"access_token", token}, {"token_type", "bearer"}});
}

http::Response Logout(ApiContext& ctx, http::Request& request) {
    const auto caller = RequireCaller(ctx, request, accounts::AuthLevel::kAnySession);
    ctx.accounts.Logout(caller.token);
    return http::Response::Null();
}

http::Response SignupJson(ApiContext& ctx, http::Request& request) {
    Fields body = Fields::FromJsonBody(request);
    ctx.accounts.Signup(ReadSignup(body, "pwd"));
    return http::Response::Null();
}

http::Response SignupForm(ApiContext& ctx, http::Request& request) {
    Fields form = Fields::FromFormBody(request);
    const auto signup = ReadSignup(form, "password");
    try {
        ctx.accounts.Signup(signup);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::kConflict) throw;
        const std::string field = e.message().find("email") != std::string::npos ? "email" : "username";
        return MessagePage(ctx, "Account creation failed",
                           "The " + field + " " + (field == "email" ? signup.email : signup.username) +
                               " is already in use.",
                           false, "/page/new-user", "Back to the sign-up form");
    }
    return MessagePage(ctx, "Account created successfully",
                       "Your account " + signup.username +
                           " was created. We sent you an e-mail: follow its link to verify your address.",
                       true);
}

http::Response PasswordResetRequest(ApiContext& ctx, http::Request& request) {
    Fields body = Fields::FromJsonOrFormBody(request);
    const std::string username = body.RequiredString("username");
    const std::string email = body.RequiredString("email");
    body.ThrowIfInvalid();
    ctx.accounts.RequestPasswordReset(username, email, request.remote_address);
    if (!WantsHtml(request)) return http::Response::Null();
    return MessagePage(ctx, "Password reset requested",
                       "If an account matches this username and e-mail, a link to set a new password "
                       "has been sent to it.",
                       true);
}

namespace {

struct PasswordUpdateInput {
    std::string token, session_code, password, password_validation;
};

PasswordUpdateInput ReadPasswordUpdate(const http::Request& request) {
    Fields query = Fields::FromQuery(request);
    Fields form = Fields::FromFormBody(request);
    PasswordUpdateInput in;
    in.token = query.RequiredString("v");
    in.password = form.RequiredString("password");
    in.password_validation = form.RequiredString("password_validation");
    in.session_code = form.RequiredString("session_code");
    Fields::ThrowIfInvalid({&query, &form});
    return in;
}

}  // namespace

http::Response PasswordUpdatePage(ApiContext& ctx, http::Request& request) {
    const auto in = ReadPasswordUpdate(request);
    const auto outcome = ctx.accounts.UpdatePassword(in.token, in.session_code, in.password, in.password_validation);
    if (outcome.ok) {
        return MessagePage(ctx, "Password updated",
                           "Password of " + outcome.username + " was updated successfully", true);
    }
    return MessagePage(ctx, "Password update failed !!", "Password update failed !!: " + outcome.reason + ".", false,
                       "/page/request-password-update", "Ask for a new link");
}

http::Response PasswordUpdateApi(ApiContext& ctx, http::Request& request) {
    const auto in = ReadPasswordUpdate(request);
    const auto outcome = ctx.accounts.UpdatePassword(in.token, in.session_code, in.password, in.password_validation);
    if (outcome.ok) return http::Response::Null();
    if (outcome.session_invalid) throw Error::Detail(ErrorKind::kNotFound, "Page not found");
    throw Error::Message(ErrorKind::kInvalidInput, "ValueError: " + outcome.reason);
}

}  // namespace zr::api
