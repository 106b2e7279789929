// /page/*: the HTML pages of the site.
#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"

namespace zr::api {

http::Response NewUserPage(ApiContext& ctx, http::Request&) {
    return Page(ctx, "signup_form", {{"title", "Create an account"}});
}

http::Response EmailVerifyPage(ApiContext& ctx, http::Request& request) {
    Fields query = Fields::FromQuery(request);
    const std::string code = query.RequiredString("v");
    const std::string username = query.RequiredString("username");
    query.ThrowIfInvalid();
    const auto outcome = ctx.accounts.VerifyEmail(username, code);
    if (outcome.ok) {
        return MessagePage(ctx, {"Account of " + outcome.username + " was verified successfully !!",
                                 {"You can now log in using your credentials."}});
    }
    return MessagePage(ctx, {"Account of " + username + " failed to be verified !!",
                             {"The following issue occurred : " + outcome.reason,
                              "Please contact the website administrators (" + ctx.settings.admin_email +
                                  ") for any issue with your account."},
                             false});
}

http::Response PasswordUpdateFormPage(ApiContext& ctx, http::Request& request) {
    Fields query = Fields::FromQuery(request);
    const std::string token = query.RequiredString("v");
    query.ThrowIfInvalid();
    const auto username = ctx.accounts.CheckResetToken(token);
    if (!username) throw Error::Detail(ErrorKind::kNotFound, "Page not found");
    return Page(ctx, "password_update_form",
                {{"title", "Reset Password"},
                 {"username", *username},
                 {"token", token},
                 {"action", "/auth/password/update?v=" + PercentEncode(token)}});
}

http::Response RequestPasswordUpdatePage(ApiContext& ctx, http::Request&) {
    return Page(ctx, "request_password_update", {{"title", "Reset Your Password"}});
}

}  // namespace zr::api
