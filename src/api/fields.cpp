#include "api/fields.hpp"

#include <charconv>

#include "api/forms.hpp"
#include "common/strings.hpp"

namespace zr::api {
namespace {

ValidationIssue Missing(const std::string& loc, const std::string& name) {
    return {{loc, name}, "field required", "value_error.missing"};
}

nlohmann::json PairsToObject(const std::vector<std::pair<std::string, std::string>>& pairs) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [key, value] : pairs) {
        if (!object.contains(key)) object[key] = value;  // the first value wins, as in Starlette
    }
    return object;
}

Error InvalidJson(std::size_t at) {
    return Error::Validation({{{"body", at}, "Expecting value: invalid JSON", "value_error.jsondecode"}});
}

bool IsJsonContentType(const http::Request& request) {
    const auto type = request.Header("content-type");
    return type && ToLower(*type).find("json") != std::string::npos;
}

}  // namespace

Fields Fields::FromJsonBody(const http::Request& request) {
    nlohmann::json parsed;
    try {
        parsed = nlohmann::json::parse(request.body);
    } catch (const nlohmann::json::parse_error& e) {
        throw InvalidJson(e.byte > 0 ? e.byte - 1 : 0);
    } catch (const nlohmann::json::out_of_range&) {
        throw InvalidJson(0);  // a number beyond a double ("1e400") has no position
    }
    if (!parsed.is_object()) {
        throw Error::Validation({{{"body"}, "value is not a valid dict", "type_error.dict"}});
    }
    return Fields(std::move(parsed), "body", false);
}

Fields Fields::FromFormBody(const http::Request& request) {
    auto pairs = ParseFormBody(request);
    if (!pairs) throw Error::Validation({{{"body"}, "malformed form data", "value_error.form"}});
    return Fields(PairsToObject(*pairs), "body", true);
}

Fields Fields::FromJsonOrFormBody(const http::Request& request) {
    return IsJsonContentType(request) ? FromJsonBody(request) : FromFormBody(request);
}

Fields Fields::FromQuery(const http::Request& request) {
    return Fields(PairsToObject(ParseUrlEncoded(request.query)), "query", true);
}

std::string Fields::RequiredString(const std::string& name) {
    auto it = values_.find(name);
    if (it == values_.end() || it->is_null()) {
        issues_.push_back(Missing(location_, name));
        return {};
    }
    if (!it->is_string()) {
        issues_.push_back({{location_, name}, "str type expected", "type_error.str"});
        return {};
    }
    std::string value = it->get<std::string>();
    if (value.empty()) {
        issues_.push_back({{location_, name}, "ensure this value has at least 1 characters",
                           "value_error.any_str.min_length"});
    }
    return value;
}

std::optional<std::string> Fields::OptionalString(const std::string& name) {
    auto it = values_.find(name);
    if (it == values_.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
        issues_.push_back({{location_, name}, "str type expected", "type_error.str"});
        return std::nullopt;
    }
    return it->get<std::string>();
}

std::optional<bool> Fields::OptionalBool(const std::string& name) {
    auto it = values_.find(name);
    if (it == values_.end() || it->is_null()) return std::nullopt;
    std::optional<bool> value;
    if (it->is_boolean()) value = it->get<bool>();
    if (it->is_string()) value = ParseBoolWord(it->get<std::string>());
    if (!value) issues_.push_back({{location_, name}, "value could not be parsed to a boolean", "type_error.bool"});
    return value;
}

void Fields::Invalid(const std::string& name, std::string msg, std::string type) {
    issues_.push_back({{location_, name}, std::move(msg), std::move(type)});
}

void Fields::ThrowIfInvalid() const { ThrowIfInvalid({this}); }

void Fields::ThrowIfInvalid(std::initializer_list<const Fields*> sources) {
    std::vector<ValidationIssue> all;
    for (const Fields* source : sources) all.insert(all.end(), source->issues_.begin(), source->issues_.end());
    if (!all.empty()) throw Error::Validation(std::move(all));
}

std::int64_t PathInt(const http::Request& request, const std::string& name) {
    auto it = request.path_params.find(name);
    const std::string text = it == request.path_params.end() ? std::string() : it->second;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        throw Error::Validation({{{"path", name}, "value is not a valid integer", "type_error.integer"}});
    }
    return value;
}

}  // namespace zr::api
