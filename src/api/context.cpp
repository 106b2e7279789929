#include "api/context.hpp"

#include "common/error.hpp"
#include "common/strings.hpp"

namespace zr::api {

accounts::Caller RequireCaller(ApiContext& ctx, const http::Request& request, accounts::AuthLevel level) {
    const auto header = request.Header("authorization");
    std::string_view value = header ? Trim(*header) : std::string_view();
    const auto space = value.find(' ');
    if (space == std::string_view::npos || !EqualsIgnoreCase(value.substr(0, space), "bearer") ||
        Trim(value.substr(space + 1)).empty()) {
        throw Error::Detail(ErrorKind::kUnauthenticated, "Not authenticated");
    }
    return ctx.accounts.Authenticate(Trim(value.substr(space + 1)), level);
}

http::Response Page(const ApiContext& ctx, const std::string& name, nlohmann::json data, int status) {
    data["app_name"] = ctx.settings.app_name;
    data["admin_email"] = ctx.settings.admin_email;
    return http::Response::Html(status, ctx.templates.Render("pages/" + name + ".html", data));
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
    return Page(ctx, "message", std::move(data));
}

}  // namespace zr::api
