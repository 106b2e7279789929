#pragma once
// Reading request fields with FastAPI-compatible validation: every problem of a request is
// collected (one 422 item each) before anything is thrown.
//
// A Fields object reads one source: a JSON body, a form body or the query string (form and query
// values are text and are converted). Typical use:
//     Fields body = Fields::FromJsonBody(request);         // 422 jsondecode / not an object
//     auto username = body.RequiredString("username");
//     auto email = body.RequiredString("email");
//     body.ThrowIfInvalid();                               // 422 listing every issue
// Not thread-safe; one per request.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "http/message.hpp"

namespace zr::api {

class Fields {
public:
    // JSON body that must be an object. Throws 422 at once for malformed JSON or a non-object.
    static Fields FromJsonBody(const http::Request& request);
    // application/x-www-form-urlencoded or multipart/form-data body (text fields only).
    static Fields FromFormBody(const http::Request& request);
    // JSON when the Content-Type says JSON, else form.
    static Fields FromJsonOrFormBody(const http::Request& request);
    static Fields FromQuery(const http::Request& request);

    // Missing -> value_error.missing; not a string -> type_error.str; empty -> min_length.
    std::string RequiredString(const std::string& name);
    std::optional<std::string> OptionalString(const std::string& name);
    std::optional<bool> OptionalBool(const std::string& name);
    // Adds an issue for `name` (e.g. a format check done by the caller).
    void Invalid(const std::string& name, std::string msg, std::string type);
    bool Has(const std::string& name) const { return values_.contains(name); }
    const nlohmann::json& values() const { return values_; }

    // Throws Error::Validation with every issue found so far (this object's and `others`').
    void ThrowIfInvalid() const;
    static void ThrowIfInvalid(std::initializer_list<const Fields*> sources);

private:
    Fields(nlohmann::json values, std::string location, bool text_source)
        : values_(std::move(values)), location_(std::move(location)), text_source_(text_source) {}
    nlohmann::json values_;
    std::string location_;
    bool text_source_;
    std::vector<ValidationIssue> issues_;
};

// Parses a path parameter as an integer; 422 type_error.integer at ["path", name] otherwise.
std::int64_t PathInt(const http::Request& request, const std::string& name);

}  // namespace zr::api
