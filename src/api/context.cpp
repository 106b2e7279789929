#include "api/context.hpp"

#include "common/error.hpp"
#include "common/strings.hpp"
#include "crypto/crypto.hpp"

namespace zr::api {
namespace {

Error NotAuthenticated() { return Error::Detail(ErrorKind::kUnauthenticated, "Not authenticated"); }

accounts::Caller UserCaller(ApiContext& ctx, const http::Request& request, accounts::AuthLevel level) {
    const auto token = BearerToken(request);
    if (!token) throw NotAuthenticated();
    return ctx.accounts.Authenticate(*token, level);
}

// Open when no token is configured.
void CheckMetricsToken(const ApiContext& ctx, const http::Request& request) {
    const std::string& expected = ctx.settings.metrics_token;
    if (expected.empty()) return;
    const auto token = BearerToken(request);
    if (!token) throw NotAuthenticated();
    // Digests have one length whatever the token's: the comparison time tells nothing about it.
    if (!crypto::ConstantTimeEquals(crypto::Md5Hex(*token), crypto::Md5Hex(expected))) {
        throw Error::Detail(ErrorKind::kUnauthenticated, "Invalid metrics token");
    }
}

}  // namespace

std::optional<std::string_view> BearerToken(const http::Request& request) {
    const auto header = request.Header("authorization");
    const std::string_view value = header ? Trim(*header) : std::string_view();
    const auto space = value.find_first_of(" \t");
    if (space == std::string_view::npos || !EqualsIgnoreCase(value.substr(0, space), "bearer")) return std::nullopt;
    const std::string_view token = Trim(value.substr(space + 1));
    if (token.empty()) return std::nullopt;
    return token;
}

http::Authenticator MakeAuthenticator(ApiContext& ctx) {
    return [&ctx](http::Auth auth, const http::Request& request) -> std::any {
        switch (auth) {
            case http::Auth::kNone:
                return {};
            case http::Auth::kSession:
                return UserCaller(ctx, request, accounts::AuthLevel::kAnySession);
            case http::Auth::kActiveUser:
                return UserCaller(ctx, request, accounts::AuthLevel::kActiveUser);
            case http::Auth::kOptionalUser:
                if (!BearerToken(request)) return {};
                return UserCaller(ctx, request, accounts::AuthLevel::kActiveUser);
            case http::Auth::kWorkerToken:
                ctx.transfer.Authorize(BearerToken(request));
                return {};
            case http::Auth::kMetricsToken:
                CheckMetricsToken(ctx, request);
                return {};
        }
        return {};
    };
}

const accounts::Caller& CallerOf(const http::Request& request) {
    RequireAuthenticated(request);
    const auto* caller = std::any_cast<accounts::Caller>(&request.caller);
    if (caller == nullptr) {
        throw Error::Detail(ErrorKind::kInternal, "Internal Server Error",
                            "no user authentication declared for " + request.path);
    }
    return *caller;
}

const accounts::Caller* OptionalCallerOf(const http::Request& request) {
    RequireAuthenticated(request);
    return std::any_cast<accounts::Caller>(&request.caller);
}

void RequireAuthenticated(const http::Request& request) {
    if (request.auth_error) std::rethrow_exception(request.auth_error);
}

const http::UploadedFile* FileField(const http::Request& request, std::string_view field) {
    const http::UploadedFile* found = nullptr;
    for (const auto& file : request.files) {
        if (file.field == field) found = &file;
    }
    return found;
}

http::Response Page(const ApiContext& ctx, const std::string& name, nlohmann::json data, int status) {
    data["app_name"] = ctx.settings.app_name;
    data["admin_email"] = ctx.settings.admin_email;
    http::Response page = http::Response::Html(status, ctx.templates.Render("pages/" + name + ".html", data));
    // Kept by no cache, shared or the browser's: a page may carry a token (the password update
    // form, the answers of the forms), and no page is costly to render again.
    page.headers.emplace_back("Cache-Control", "no-store");
    return page;
}

http::Response MessagePage(const ApiContext& ctx, const PageMessage& message) {
    nlohmann::json data = {{"title", message.heading},
                           {"heading", message.heading},
                           {"lines", message.lines},
                           {"success", message.success}};
    if (!message.link_url.empty()) {
        data["link_url"] = message.link_url;
        data["link_text"] = message.link_text;
    }
    return Page(ctx, "message", std::move(data), message.status);
}

}  // namespace zr::api
