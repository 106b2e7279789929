#include "http/error_response.hpp"

#include <nlohmann/json.hpp>

namespace zr::http {

namespace {

nlohmann::json IssuesJson(const std::vector<ValidationIssue>& issues) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& issue : issues) {
        nlohmann::json item = {{"loc", issue.loc}, {"msg", issue.msg}, {"type", issue.type}};
        if (!issue.ctx.is_null()) item["ctx"] = issue.ctx;
        list.push_back(std::move(item));
    }
    return list;
}

}  // namespace

Response ErrorResponse(const zr::Error& e) {
    const int status = ToHttpStatus(e.kind());
    Response r;
    if (e.kind() == ErrorKind::kValidation) {
        r = Response::Json(status, {{"detail", IssuesJson(e.issues())}});
    } else if (e.form() == BodyForm::kMessageData) {
        // Python's str(None) when the error carries nothing, as the second generation answered.
        r = Response::Json(status, {{"message", e.message()}, {"data", e.data().empty() ? "None" : e.data()}});
    } else if (e.form() == BodyForm::kMessage) {
        r = Response::Json(status, {{"message", e.message()}});
    } else {
        r = Response::Json(status, {{"detail", e.message()}});
    }
    if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    if (e.retry_after().count() > 0) r.headers.emplace_back("Retry-After", std::to_string(e.retry_after().count()));
    return r;
}

Response DetailResponse(int status, std::string_view message) { return Response::Json(status, {{"detail", message}}); }

Response NotFound() { return DetailResponse(404, "Not Found"); }

Response MethodNotAllowed() { return DetailResponse(405, "Method Not Allowed"); }

}  // namespace zr::http
