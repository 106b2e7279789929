#pragma once
// Reading request fields as the first implementation (FastAPI 0.63 + pydantic 1.8) did, with its
// 422 items: every problem of a request is collected (one item each) before anything is thrown.
//
// A Fields object reads one source: a JSON body, a form body or the query string. Typical use:
//     Fields body = Fields::FromJsonBody(request);         // 422 jsondecode / not an object
//     auto username = body.RequiredString("username");
//     auto email = body.RequiredString("email");
//     body.ThrowIfInvalid();                               // 422 listing every issue
//
// pydantic v1's rules, for JSON: a `str` field takes a number or a boolean as its Python str()
// ("True", "1.5"); null is "none is not an allowed value"; a bool takes true/false, 1/0 and the
// words 1/0/on/off/t/f/true/false/y/n/yes/no in any case; an int takes integers, floats (cut
// towards zero), booleans and integer text. Form fields follow FastAPI's Form rule: an empty
// value is missing. Query values are text; an empty required one is refused.
// Not thread-safe; one per request.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/time.hpp"
#include "http/message.hpp"

namespace zr::api {

class Fields {
public:
    // JSON body for a pydantic model. Throws at once: 400 {"detail": "There was an error parsing
    // the body"} for text that is not UTF-8; 422 value_error.jsondecode with Python's message and
    // position for malformed JSON; 422 "field required" at ["body"] for an empty body or null;
    // 422 type_error.dict for a value that is not an object (a list of pairs is one, as dict()).
    static Fields FromJsonBody(const http::Request& request);
    // application/x-www-form-urlencoded or multipart/form-data body (text fields only).
    static Fields FromFormBody(const http::Request& request);
    // JSON when the Content-Type says JSON, else form.
    static Fields FromJsonOrFormBody(const http::Request& request);
    static Fields FromQuery(const http::Request& request);

    std::string RequiredString(const std::string& name);
    std::optional<std::string> OptionalString(const std::string& name);
    bool RequiredBool(const std::string& name);
    std::optional<bool> OptionalBool(const std::string& name);
    // pydantic v1's Optional[AnyHttpUrl]: absent or null is nullopt, otherwise PydanticHttpUrl.
    std::optional<std::string> OptionalHttpUrl(const std::string& name);
    // A pydantic v1 `datetime` field with a default: absent is nullopt, null is "none is not an
    // allowed value", otherwise PydanticDateTime.
    std::optional<TimePoint> OptionalDateTime(const std::string& name);
    // Adds an issue for `name` (e.g. a format check done by the caller).
    void Invalid(const std::string& name, std::string msg, std::string type);
    bool Has(const std::string& name) const { return values_.contains(name); }
    bool IsJson() const { return source_ == Source::kJson; }
    const nlohmann::json& values() const { return values_; }

    // Throws Error::Validation with every issue found so far (this object's and `others`').
    void ThrowIfInvalid() const;
    static void ThrowIfInvalid(std::initializer_list<const Fields*> sources);

private:
    enum class Source { kJson, kForm, kQuery };
    Fields(nlohmann::json values, Source source)
        : values_(std::move(values)), location_(source == Source::kQuery ? "query" : "body"), source_(source) {}
    // The value of `name`, or nullptr after recording the issue of a missing one.
    const nlohmann::json* Present(const std::string& name, bool null_is_missing);
    nlohmann::json values_;
    std::string location_;
    Source source_;
    std::vector<ValidationIssue> issues_;
};

// pydantic v1's coercions of one JSON value, for nested models (submission index items). Each
// returns nullopt after appending the issue at `loc`.
std::optional<std::string> PydanticStr(const nlohmann::json& value, const nlohmann::json& loc,
                                       std::vector<ValidationIssue>& issues);
std::optional<std::int64_t> PydanticInt(const nlohmann::json& value, const nlohmann::json& loc,
                                        std::vector<ValidationIssue>& issues);
// A model's input that is not a JSON object: pydantic tries dict(value), so "" / [] are an empty
// object and [["k", v], ...] pairs are one. nullopt after appending the issue at `loc`.
std::optional<nlohmann::json> PydanticDict(const nlohmann::json& value, const nlohmann::json& loc,
                                           std::vector<ValidationIssue>& issues);

// pydantic v1's AnyHttpUrl (pydantic_values.cpp): str coercion, blanks stripped, 1 to 65536
// characters (value_error.any_str.min_length / max_length), then "<scheme>://[user[:password]@]
// host[:port][/path][?query][#fragment]": no or another scheme is value_error.url.scheme, a port
// above 65535 value_error.url.port, anything left over value_error.url.extra, no host or a host
// name with a bad label value_error.url.host. Returns the stripped text as given (an
// international host name is not converted to punycode).
std::optional<std::string> PydanticHttpUrl(const nlohmann::json& value, const nlohmann::json& loc,
                                           std::vector<ValidationIssue>& issues);
// pydantic v1's datetime: a number (or text Python's float() reads) is Unix seconds (divided by
// 1000 while beyond 2e10, so milliseconds work too); text "YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]" with
// an optional zone "Z" / "+HH" / "+HH:MM" / "+HHMM" (no zone: local time); anything else is
// value_error.datetime ("invalid datetime format"), an array or object type_error. Our clock
// holds 1678 to 2261 only: datetimes outside are refused as invalid too.
std::optional<TimePoint> PydanticDateTime(const nlohmann::json& value, const nlohmann::json& loc,
                                          std::vector<ValidationIssue>& issues);

// Parses a path parameter as an integer; 422 type_error.integer at ["path", name] otherwise.
std::int64_t PathInt(const http::Request& request, const std::string& name);

}  // namespace zr::api
