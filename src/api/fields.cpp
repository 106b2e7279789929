#include "api/fields.hpp"

#include <charconv>
#include <cmath>

#include "api/forms.hpp"
#include "api/python_json.hpp"
#include "common/strings.hpp"

namespace zr::api {
namespace {

ValidationIssue Missing(nlohmann::json loc) { return {std::move(loc), "field required", "value_error.missing"}; }

ValidationIssue NoneNotAllowed(nlohmann::json loc) {
    return {std::move(loc), "none is not an allowed value", "type_error.none.not_allowed"};
}

nlohmann::json At(const nlohmann::json& loc, const std::string& name) {
    nlohmann::json out = loc;
    out.push_back(name);
    return out;
}

nlohmann::json PairsToObject(const std::vector<std::pair<std::string, std::string>>& pairs) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [key, value] : pairs) {
        if (!object.contains(key)) object[key] = value;  // the first value wins, as in Starlette
    }
    return object;
}

bool IsJsonContentType(const http::Request& request) {
    const auto type = request.Header("content-type");
    return type && ToLower(*type).find("json") != std::string::npos;
}

// FastAPI's answer to a body json.loads rejected: loc ["body", pos], str() of the
// JSONDecodeError, and its attributes as ctx.
Error JsonDecodeError(std::string_view text, const PythonJsonError& error) {
    ValidationIssue issue{{"body", error.pos}, error.Text(), "value_error.jsondecode"};
    issue.ctx = {{"msg", error.msg},
                 {"doc", std::string(text)},
                 {"pos", error.pos},
                 {"lineno", error.lineno},
                 {"colno", error.colno}};
    return Error::Validation({std::move(issue)});
}

// Python's int() of a text: blanks around, an optional sign, digits with single underscores
// between them. nullopt when it is not one or does not fit 64 bits.
std::optional<std::int64_t> PythonIntText(std::string_view text) {
    text = Trim(text);
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    std::string digits;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c >= '0' && c <= '9') {
            digits += c;
        } else if (c != '_' || i == 0 || i + 1 == text.size() || text[i + 1] == '_') {
            return std::nullopt;
        }
    }
    if (digits.empty()) return std::nullopt;
    std::uint64_t magnitude = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    constexpr std::uint64_t kMax = static_cast<std::uint64_t>(INT64_MAX);
    if (magnitude > kMax + (negative ? 1 : 0)) return std::nullopt;
    if (negative) return magnitude == kMax + 1 ? INT64_MIN : -static_cast<std::int64_t>(magnitude);
    return static_cast<std::int64_t>(magnitude);
}

// pydantic's bool_validator: BOOL_TRUE = {1, '1', 'on', 't', 'true', 'y', 'yes'}, BOOL_FALSE the
// opposites; text is lower-cased, not trimmed.
std::optional<bool> PydanticBool(const nlohmann::json& value) {
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_number()) {
        const double number = value.get<double>();
        if (number == 1) return true;
        if (number == 0) return false;
        return std::nullopt;
    }
    if (!value.is_string()) return std::nullopt;
    const std::string word = ToLower(value.get<std::string>());
    for (const char* yes : {"1", "on", "t", "true", "y", "yes"}) {
        if (word == yes) return true;
    }
    for (const char* no : {"0", "off", "f", "false", "n", "no"}) {
        if (word == no) return false;
    }
    return std::nullopt;
}

// The code points of a UTF-8 text, as separate strings.
std::vector<std::string> CodePoints(const std::string& text) {
    std::vector<std::string> out;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xc0) == 0x80 && !out.empty()) {
            out.back() += c;
        } else {
            out.emplace_back(1, c);
        }
    }
    return out;
}

}  // namespace

std::optional<std::string> PydanticStr(const nlohmann::json& value, const nlohmann::json& loc,
                                       std::vector<ValidationIssue>& issues) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_boolean() || value.is_number()) return PythonStr(value);
    if (value.is_null()) {
        issues.push_back(NoneNotAllowed(loc));
    } else {
        issues.push_back({loc, "str type expected", "type_error.str"});
    }
    return std::nullopt;
}

std::optional<std::int64_t> PydanticInt(const nlohmann::json& value, const nlohmann::json& loc,
                                        std::vector<ValidationIssue>& issues) {
    std::optional<std::int64_t> result;
    if (value.is_boolean()) {
        result = value.get<bool>() ? 1 : 0;
    } else if (value.is_number_unsigned()) {
        if (value.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) result = value.get<std::int64_t>();
    } else if (value.is_number_integer()) {
        result = value.get<std::int64_t>();
    } else if (value.is_number_float()) {
        const double number = std::trunc(value.get<double>());  // int(1.7) == 1
        if (std::fabs(number) < 9.2e18) result = static_cast<std::int64_t>(number);
    } else if (value.is_string()) {
        result = PythonIntText(value.get<std::string>());
    } else if (value.is_null()) {
        issues.push_back(NoneNotAllowed(loc));
        return std::nullopt;
    }
    if (!result) issues.push_back({loc, "value is not a valid integer", "type_error.integer"});
    return result;
}

std::optional<nlohmann::json> PydanticDict(const nlohmann::json& value, const nlohmann::json& loc,
                                           std::vector<ValidationIssue>& issues) {
    if (value.is_object()) return value;
    if (value.is_null()) {
        issues.push_back(NoneNotAllowed(loc));
        return std::nullopt;
    }
    const ValidationIssue not_dict{loc, "value is not a valid dict", "type_error.dict"};
    // dict(value): each element must be a pair: a 2-item list, or a 2-character string. (A 2-key
    // object is a pair of its keys in Python; its key order is lost here, so it is refused.)
    std::vector<std::pair<nlohmann::json, nlohmann::json>> pairs;
    if (value.is_string()) {
        if (!value.get<std::string>().empty()) {
            issues.push_back(not_dict);
            return std::nullopt;
        }
    } else if (value.is_array()) {
        for (const auto& element : value) {
            if (element.is_array() && element.size() == 2 && !element[0].is_structured()) {
                pairs.emplace_back(element[0], element[1]);
                continue;
            }
            const auto chars =
                element.is_string() ? CodePoints(element.get<std::string>()) : std::vector<std::string>{};
            if (chars.size() != 2) {
                issues.push_back(not_dict);
                return std::nullopt;
            }
            pairs.emplace_back(chars[0], chars[1]);
        }
    } else {
        issues.push_back(not_dict);
        return std::nullopt;
    }
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [key, item] : pairs) {
        if (!key.is_string()) {  // Model(**{1: 2})
            issues.push_back({loc, "keywords must be strings", "type_error"});
            return std::nullopt;
        }
        object[key.get<std::string>()] = item;  // a later pair wins, as in dict()
    }
    return object;
}

Fields Fields::FromJsonBody(const http::Request& request) {
    // Starlette read no body at all as None: the model is missing.
    if (request.body.empty()) throw Error::Validation({Missing({"body"})});
    std::string_view text = request.body;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // json.loads(bytes) drops a BOM
    if (!IsValidUtf8(text)) throw Error::Detail(ErrorKind::kInvalidInput, "There was an error parsing the body");
    nlohmann::json parsed;
    try {
        parsed = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        if (auto error = FindPythonJsonError(text)) throw JsonDecodeError(text, *error);
        // Python reads NaN, Infinity, lone surrogate escapes and numbers beyond a double (as
        // inf); we refuse them, at the place our parser stopped.
        const auto* parse = dynamic_cast<const nlohmann::json::parse_error*>(&e);
        const std::size_t at = parse != nullptr && parse->byte > 0 ? parse->byte - 1 : 0;
        throw JsonDecodeError(text, PythonJsonErrorAt(text, at, "Expecting value"));
    }
    if (parsed.is_null()) throw Error::Validation({Missing({"body"})});
    std::vector<ValidationIssue> issues;
    auto object = PydanticDict(parsed, {"body"}, issues);
    if (!object) throw Error::Validation(std::move(issues));
    return Fields(std::move(*object), Source::kJson);
}

Fields Fields::FromFormBody(const http::Request& request) {
    auto pairs = ParseFormBody(request);
    if (!pairs) throw Error::Validation({{{"body"}, "malformed form data", "value_error.form"}});
    return Fields(PairsToObject(*pairs), Source::kForm);
}

Fields Fields::FromJsonOrFormBody(const http::Request& request) {
    return IsJsonContentType(request) ? FromJsonBody(request) : FromFormBody(request);
}

Fields Fields::FromQuery(const http::Request& request) {
    return Fields(PairsToObject(ParseUrlEncoded(request.query)), Source::kQuery);
}

const nlohmann::json* Fields::Present(const std::string& name, bool null_is_missing) {
    const auto loc = At({location_}, name);
    auto it = values_.find(name);
    // FastAPI's Form rule: an empty form value is a missing one.
    const bool empty_form_value = source_ == Source::kForm && it != values_.end() && *it == "";
    if (it == values_.end() || empty_form_value || (it->is_null() && null_is_missing)) {
        issues_.push_back(Missing(loc));
        return nullptr;
    }
    if (it->is_null()) {
        issues_.push_back(NoneNotAllowed(loc));
        return nullptr;
    }
    return &*it;
}

std::string Fields::RequiredString(const std::string& name) {
    const nlohmann::json* value = Present(name, false);
    if (value == nullptr) return {};
    std::string text = PydanticStr(*value, At({location_}, name), issues_).value_or("");
    // Our own rule for query values (identifiers and codes): an empty one is refused.
    if (source_ == Source::kQuery && text.empty()) {
        issues_.push_back({At({location_}, name),
                           "ensure this value has at least 1 characters",
                           "value_error.any_str.min_length",
                           {{"limit_value", 1}}});
    }
    return text;
}

std::optional<std::string> Fields::OptionalString(const std::string& name) {
    auto it = values_.find(name);
    if (it == values_.end() || it->is_null()) return std::nullopt;
    return PydanticStr(*it, At({location_}, name), issues_);
}

bool Fields::RequiredBool(const std::string& name) {
    const nlohmann::json* value = Present(name, false);
    if (value == nullptr) return false;
    const auto parsed = PydanticBool(*value);
    if (!parsed) Invalid(name, "value could not be parsed to a boolean", "type_error.bool");
    return parsed.value_or(false);
}

std::optional<bool> Fields::OptionalBool(const std::string& name) {
    auto it = values_.find(name);
    if (it == values_.end() || it->is_null()) return std::nullopt;
    const auto parsed = PydanticBool(*it);
    if (!parsed) Invalid(name, "value could not be parsed to a boolean", "type_error.bool");
    return parsed;
}

void Fields::Invalid(const std::string& name, std::string msg, std::string type) {
    issues_.push_back({At({location_}, name), std::move(msg), std::move(type)});
}

void Fields::ThrowIfInvalid() const { ThrowIfInvalid({this}); }

void Fields::ThrowIfInvalid(std::initializer_list<const Fields*> sources) {
    std::vector<ValidationIssue> all;
    for (const Fields* source : sources) all.insert(all.end(), source->issues_.begin(), source->issues_.end());
    if (!all.empty()) throw Error::Validation(std::move(all));
}

std::int64_t PathInt(const http::Request& request, const std::string& name) {
    auto it = request.path_params.find(name);
    const auto value = it == request.path_params.end() ? std::nullopt : PythonIntText(it->second);
    if (!value) throw Error::Validation({{{"path", name}, "value is not a valid integer", "type_error.integer"}});
    return *value;
}

}  // namespace zr::api
