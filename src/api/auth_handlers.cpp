// /auth/*: login, logout, sign-up (JSON and HTML form), password reset and update.
#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"

namespace zr::api {
namespace {

// Reads the sign-up fields in the order of the first implementation's UserCreate model;
// `password_field` is "pwd" for JSON and "password" for the form.
accounts::SignupRequest ReadSignup(Fields& body, const std::string& password_field) {
    auto given = [&](const std::string& name) -> const nlohmann::json* {
        return body.Has(name) ? &body.values().at(name) : nullptr;
    };
    // UserCreate's validator: an empty JSON string is an assertion error (an empty form value is
    // already a missing one).
    auto text = [&](const std::string& name) {
        const nlohmann::json* raw = given(name);
        std::string value = body.RequiredString(name);
        if (body.IsJson() && raw != nullptr && *raw == "") {
            body.Invalid(name, "UserCreate does not accept empty fields", "assertion_error");
        }
        return value;
    };
    accounts::SignupRequest signup;
    signup.username = text("username");
    if (!signup.username.empty() && !accounts::IsValidUsername(signup.username)) {
        body.Invalid("username", "username must be 1-64 letters, digits, '_', '.' or '-', not starting with '.' or '-'",
                     "value_error.username");
    }
    // EmailStr: a text (or a number, as its str()) that is not an address; null, objects and an
    // empty form value have their own item already.
    const nlohmann::json* email = given("email");
    signup.email = body.RequiredString("email");
    const bool checkable = email != nullptr && (email->is_string() || email->is_number() || email->is_boolean()) &&
                           (body.IsJson() || !signup.email.empty());
    if (checkable && !accounts::IsValidEmail(signup.email)) {
        body.Invalid("email", "value is not a valid email address", "value_error.email");
    }
    signup.password = text(password_field);
    signup.password_field = password_field;
    signup.first_name = text("first_name");
    signup.last_name = text("last_name");
    signup.affiliation = text("affiliation");
    body.ThrowIfInvalid();
    return signup;
}

// A browser submitting one of our HTML forms asks for HTML; scripts (JSON or form) get JSON.
bool WantsHtml(const http::Request& request) {
    const auto accept = request.Header("accept");
    return accept && ToLower(*accept).find("text/html") != std::string::npos;
}

// The page of a form sign-up the service refused (422): each reason, and the way back to the form.
http::Response SignupRefusedPage(const ApiContext& ctx, const Error& refusal) {
    PageMessage page{"Account not created", {}, false, "/page/new-user", "go back to form"};
    for (const auto& issue : refusal.issues()) page.lines.push_back(issue.msg);
    page.status = ToHttpStatus(refusal.kind());
    return MessagePage(ctx, page);
}

// The second generation's ?html_response=<bool> (FastAPI's booleans; 422 otherwise), nullopt
// when absent: then the first generation's rule of each route applies.
std::optional<bool> HtmlResponseParameter(const http::Request& request) {
    Fields query = Fields::FromQuery(request);
    const auto html = query.OptionalBool("html_response");
    query.ThrowIfInvalid();
    return html;
}

}  // namespace

http::Response Login(ApiContext& ctx, http::Request& request) {
    Fields form = Fields::FromFormBody(request);
    const std::string username = form.RequiredString("username");
    const std::string password = form.RequiredString("password");
    form.ThrowIfInvalid();
    const auto login = ctx.accounts.Login(username, password, request.client_address);
    // "username" for the second generation's client, which puts it in every /users/{username}/
    // path (also after a login by e-mail); the first generation's clients ignore it.
    return http::Response::Json(
        200, {{"access_token", login.token}, {"token_type", "bearer"}, {"username", login.username}});
}

void ScreenLogin(ApiContext& ctx, const http::Request& request) {
    // A malformed body is answered by Login itself (the same 4xx).
    Fields form = Fields::FromFormBody(request);
    if (const auto username = form.OptionalString("username"))
        ctx.accounts.ScreenLogin(*username, request.client_address);
}

http::Response Logout(ApiContext& ctx, http::Request& request) {
    const auto& caller = CallerOf(request);
    ctx.accounts.Logout(caller.token);
    return http::Response::Empty();
}

http::Response SignupJson(ApiContext& ctx, http::Request& request) {
    Fields body = Fields::FromJsonBody(request);
    ctx.accounts.Signup(ReadSignup(body, "pwd"));
    return http::Response::Empty();
}

http::Response SignupForm(ApiContext& ctx, http::Request& request) {
    Fields form = Fields::FromFormBody(request);
    const auto signup = ReadSignup(form, "password");
    try {
        ctx.accounts.Signup(signup);
    } catch (const Error& e) {
        // The account's own rules (password policy, reserved username): a browser is shown why on
        // a page (422), a script gets the JSON 422 like the JSON sign-up.
        if (e.kind() == ErrorKind::kValidation && WantsHtml(request)) return SignupRefusedPage(ctx, e);
        if (e.kind() != ErrorKind::kConflict) throw;
        // The first implementation's page: "<field> already in use", the field named by the error.
        const std::string& field = e.data();
        return MessagePage(ctx, {field + " already in use",
                                 {"The " + field + " " + (field == "email" ? signup.email : signup.username) +
                                  " belongs to another account."},
                                 false,
                                 "/page/new-user",
                                 "go back to form"});
    }
    return MessagePage(ctx, {"Account created successfully", {"A verification email will be sent to " + signup.email}});
}

http::Response PasswordResetRequest(ApiContext& ctx, http::Request& request) {
    // The first generation's JSON or form body; the second generation's form with ?html_response.
    const std::optional<bool> html = HtmlResponseParameter(request);
    Fields body = Fields::FromJsonOrFormBody(request);
    const std::string username = body.RequiredString("username");
    const std::string email = body.RequiredString("email");
    body.ThrowIfInvalid();
    ctx.accounts.RequestPasswordReset(username, email, request.client_address);
    if (!html.value_or(WantsHtml(request))) return http::Response::Empty();
    // The first implementation's heading; the text does not tell whether the account exists.
    return MessagePage(ctx, {"Password Change Request Received !",
                             {"If an account matches this username and e-mail, a link to set a new password "
                              "has been sent to it."}});
}

namespace {

struct PasswordUpdateInput {
    std::string token, session_code, password, password_validation;
    std::optional<bool> html_response;  // the second generation's choice of answer, when given (POST)
};

// `html_choice`: read ?html_response too (POST, which both generations share; the PUT route is
// the first generation's alone and ignores it).
PasswordUpdateInput ReadPasswordUpdate(const http::Request& request, bool html_choice) {
    Fields query = Fields::FromQuery(request);
    Fields form = Fields::FromFormBody(request);
    PasswordUpdateInput in;
    in.token = query.RequiredString("v");
    if (html_choice) in.html_response = query.OptionalBool("html_response");
    in.password = form.RequiredString("password");
    in.password_validation = form.RequiredString("password_validation");
    in.session_code = form.RequiredString("session_code");
    Fields::ThrowIfInvalid({&query, &form});
    return in;
}

// Where a failed update sends the user: a new link when the reset session is unusable, else
// `back` to the form.
std::pair<std::string, std::string> FailureLink(const accounts::Outcome& outcome, std::string back) {
    if (outcome.session_invalid) return {"/page/request-password-update", "Ask for a new link"};
    return {std::move(back), "go back to form"};
}

// The way back to the form in the second generation's JSON answer: its client reads
// "redirect_url" as data (api-v2.md section 1.4 row 6), so it stays what it was.
constexpr char kJsonBackToForm[] = "javascript:history.back()";

// The way back to the form on the HTML page: the form itself, with its token. Not a javascript:
// URL, which the pages' Content-Security-Policy does not run (security_headers.hpp).
std::string HtmlBackToForm(const std::string& token) { return "/page/password-update?v=" + PercentEncode(token); }

// The second generation's JSON answer of the update (html_response=false): always 200, the
// outcome in "success" (api-v2.md section 1.4 row 6).
http::Response PasswordUpdateJson(const accounts::Outcome& outcome) {
    if (outcome.ok) {
        return http::Response::Json(200, {{"title", "Password of " + outcome.username + " was updated successfully"},
                                          {"body", ""},
                                          {"success", true}});
    }
    auto [url, label] = FailureLink(outcome, kJsonBackToForm);
    return http::Response::Json(200, {{"title", "Password update failed !!"},
                                      {"body", outcome.reason},
                                      {"success", false},
                                      {"redirect_url", std::move(url)},
                                      {"redirect_label", std::move(label)}});
}

}  // namespace

http::Response PasswordUpdatePage(ApiContext& ctx, http::Request& request) {
    // HTML unless ?html_response=false is given (the first generation always answered HTML here).
    const auto in = ReadPasswordUpdate(request, /*html_choice=*/true);
    const auto outcome = ctx.accounts.UpdatePassword(in.token, in.session_code, in.password, in.password_validation);
    if (!in.html_response.value_or(true)) return PasswordUpdateJson(outcome);
    if (outcome.ok) {
        return MessagePage(ctx, {"Password of " + outcome.username + " was updated successfully",
                                 {"You can now log in with your new password."}});
    }
    auto [url, label] = FailureLink(outcome, HtmlBackToForm(in.token));
    return MessagePage(ctx, {"Password update failed !!", {outcome.reason}, false, std::move(url), std::move(label)});
}

http::Response PasswordUpdateApi(ApiContext& ctx, http::Request& request) {
    const auto in = ReadPasswordUpdate(request, /*html_choice=*/false);
    const auto outcome = ctx.accounts.UpdatePassword(in.token, in.session_code, in.password, in.password_validation);
    if (outcome.ok) return http::Response::Empty();
    if (outcome.session_invalid) throw Error::Detail(ErrorKind::kNotFound, "Page not found");
    if (const auto& refusal = outcome.password_refusal) {
        // Like the sign-up's: a validation error of the field that carried the password.
        throw Error::Validation({{{"body", "password"}, refusal->reason, std::string(refusal->Type())}});
    }
    // The first implementation's app-wide ValueError handler: 404 {"message": "<reason>"}.
    throw Error::Message(ErrorKind::kNotFound, outcome.reason);
}

}  // namespace zr::api
