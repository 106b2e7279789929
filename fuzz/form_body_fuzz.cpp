// Form and query input of the HTML-facing routes: the OAuth2 login form (POST /auth/login), the
// sign-up page form (POST /auth/signup), password reset (JSON or form) and update (query + form),
// read as the handlers read them (api::Fields over forms.cpp's urlencoded and in-memory multipart
// parsers). Input: the Content-Type value on the first line (empty: none), the query string on the
// second, the body after.
//
// Properties: every refusal is a 4xx with a JSON body; a field the handlers accept is non-empty
// (and a valid username / e-mail for sign-up); urlencoded pairs survive PercentEncode -> parse.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "accounts/account_service.hpp"
#include "api/fields.hpp"
#include "api/forms.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"
#include "error_check.hpp"
#include "fuzz_support.hpp"

namespace {

using zr::api::Fields;
using zr::http::Request;

// Runs one handler's reading of the request; a zr::Error must be a client error.
template <class Read>
void Expect4xxOrOk(Read read) {
    try {
        read();
    } catch (const zr::Error& e) {
        zr::fuzz::CheckClientError(e);
    }
}

void Login(const Request& request) {
    Fields form = Fields::FromFormBody(request);
    const std::string username = form.RequiredString("username");
    const std::string password = form.RequiredString("password");
    form.ThrowIfInvalid();
    ZR_FUZZ_CHECK(!username.empty() && !password.empty(), "empty credentials accepted");
}

// api/auth_handlers.cpp ReadSignup with the form's field names.
void Signup(const Request& request) {
    Fields form = Fields::FromFormBody(request);
    const std::string username = form.RequiredString("username");
    if (!username.empty() && !zr::accounts::IsValidUsername(username))
        form.Invalid("username", "bad", "value_error.username");
    const std::string email = form.RequiredString("email");
    if (!email.empty() && !zr::accounts::IsValidEmail(email)) form.Invalid("email", "bad", "value_error.email");
    for (const char* name : {"password", "first_name", "last_name", "affiliation"}) form.RequiredString(name);
    form.ThrowIfInvalid();
    ZR_FUZZ_CHECK(zr::accounts::IsValidUsername(username) && zr::accounts::IsValidEmail(email), username + " " + email);
}

void PasswordReset(const Request& request) {
    Fields body = Fields::FromJsonOrFormBody(request);
    body.RequiredString("username");
    body.RequiredString("email");
    body.OptionalBool("remember");
    body.ThrowIfInvalid();
}

void PasswordUpdate(const Request& request) {
    Fields query = Fields::FromQuery(request);
    Fields form = Fields::FromFormBody(request);
    query.RequiredString("v");
    for (const char* name : {"password", "password_validation", "session_code"}) form.RequiredString(name);
    query.OptionalBool("include_inactive");
    Fields::ThrowIfInvalid({&query, &form});
}

void CheckUrlEncodedRoundTrip(std::string_view text) {
    const auto pairs = zr::ParseUrlEncoded(text);
    std::string encoded;
    for (const auto& [key, value] : pairs) {
        if (!encoded.empty()) encoded += '&';
        encoded += zr::PercentEncode(key) + "=" + zr::PercentEncode(value);
    }
    ZR_FUZZ_CHECK(zr::ParseUrlEncoded(encoded) == pairs, encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view rest = zr::fuzz::AsText(data, size);
    const std::string_view content_type = zr::fuzz::TakeLine(rest);
    const std::string_view query = zr::fuzz::TakeLine(rest);
    Request request;
    request.method = zr::http::Method::kPost;
    if (!content_type.empty()) request.headers.emplace_back("content-type", std::string(content_type));
    request.query = std::string(query);
    request.body = std::string(rest);

    Expect4xxOrOk([&] { Login(request); });
    Expect4xxOrOk([&] { Signup(request); });
    Expect4xxOrOk([&] { PasswordReset(request); });
    Expect4xxOrOk([&] { PasswordUpdate(request); });
    if (const auto boundary = zr::api::MultipartBoundary(content_type)) zr::api::ParseMultipart(rest, *boundary);
    CheckUrlEncodedRoundTrip(query);
    CheckUrlEncodedRoundTrip(rest);
    return 0;
}
