// The site itself: GET /, static files, API documentation.
#include <spdlog/spdlog.h>

#include "api/handlers.hpp"
#include "api/v2_json.hpp"
#include "common/error.hpp"
#include "common/resources.hpp"
#include "common/strings.hpp"
#include "storage/profiles.hpp"

namespace zr::api {
namespace {

std::string ContentTypeFor(std::string_view path) {
    static const std::pair<std::string_view, std::string_view> kTypes[] = {{".html", "text/html; charset=utf-8"},
                                                                           {".css", "text/css; charset=utf-8"},
                                                                           {".js", "text/javascript; charset=utf-8"},
                                                                           {".json", "application/json"},
                                                                           {".txt", "text/plain; charset=utf-8"},
                                                                           {".md", "text/markdown; charset=utf-8"},
                                                                           {".png", "image/png"},
                                                                           {".jpg", "image/jpeg"},
                                                                           {".jpeg", "image/jpeg"},
                                                                           {".gif", "image/gif"},
                                                                           {".svg", "image/svg+xml"},
                                                                           {".ico", "image/x-icon"},
                                                                           {".webp", "image/webp"},
                                                                           {".pdf", "application/pdf"},
                                                                           {".zip", "application/zip"},
                                                                           {".woff", "font/woff"},
                                                                           {".woff2", "font/woff2"},
                                                                           {".map", "application/json"},
                                                                           {".yaml", "application/yaml"},
                                                                           {".yml", "application/yaml"},
                                                                           {".csv", "text/csv; charset=utf-8"}};
    const std::string lower = ToLower(path);
    for (const auto& [ext, type] : kTypes) {
        if (lower.ends_with(ext)) return std::string(type);
    }
    return "application/octet-stream";
}

http::Response FileResponse(const std::filesystem::path& file) {
    http::Response response;
    response.content_type = ContentTypeFor(file.filename().string());
    response.file = file;
    return response;
}

http::Response EmbeddedResponse(std::string_view path, std::string_view content) {
    http::Response response;
    response.content_type = ContentTypeFor(path);
    response.body = std::string(content);
    return response;
}

Error NotFound() { return Error::Detail(ErrorKind::kNotFound, "Not Found"); }

}  // namespace

std::string RootJson(const settings::Settings& s, TimePoint installed_at) {
    const nlohmann::json root = {{"app", s.app_name},
                                 {"version", s.version},
                                 {"maintainers", s.maintainers},
                                 {"contact", s.admin_email},
                                 {"installation_datetime", v2::IsoDateTime(installed_at)}};
    return http::Response::Json(200, root).body;
}

http::Response StaticFile(ApiContext& ctx, http::Request& request) {
    const std::string& path = request.path_params["path"];
    if (auto file = storage::ResolveUnder(ctx.settings.static_dir, path)) return FileResponse(*file);
    // The site's own assets (style sheet) ship with the program; an organiser's file wins.
    if (path.find("..") == std::string::npos) {
        if (auto embedded = resources::Find("static/" + path)) return EmbeddedResponse(path, *embedded);
    }
    throw NotFound();
}

http::Response DocsPage(ApiContext& ctx, http::Request&) {
    const bool have_ui = ctx.settings.swagger_ui_dir &&
                         storage::ResolveUnder(*ctx.settings.swagger_ui_dir, "swagger-ui-bundle.js").has_value();
    auto page = resources::Find(have_ui ? "docs/swagger.html" : "docs/fallback.html");
    if (!page) throw Error::Detail(ErrorKind::kInternal, "Internal Server Error", "docs page missing from resources");
    return http::Response::Html(200, std::string(*page));
}

http::Response DocsAsset(ApiContext& ctx, http::Request& request) {
    if (!ctx.settings.swagger_ui_dir) throw NotFound();
    auto file = storage::ResolveUnder(*ctx.settings.swagger_ui_dir, request.path_params["file"]);
    if (!file) throw NotFound();
    return FileResponse(*file);
}

http::Response DocsInitScript(ApiContext&, http::Request&) {
    auto script = resources::Find("docs/init.js");
    if (!script)
        throw Error::Detail(ErrorKind::kInternal, "Internal Server Error", "docs/init.js missing from resources");
    return EmbeddedResponse("init.js", *script);
}

http::Response OpenApi(ApiContext& ctx, http::Request&) {
    auto text = resources::Find("openapi.json");
    if (!text)
        throw Error::Detail(ErrorKind::kInternal, "Internal Server Error", "openapi.json missing from resources");
    auto doc = nlohmann::json::parse(*text);
    doc["info"]["title"] = ctx.settings.app_name;
    doc["info"]["version"] = ctx.settings.version;
    return http::Response::Json(200, doc);
}

}  // namespace zr::api
