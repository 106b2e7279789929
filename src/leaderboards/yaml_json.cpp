// YAML -> JSON for external leaderboard entries (files.hpp).
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <regex>
#include <stdexcept>

#include "leaderboards/files.hpp"

namespace zr::leaderboards::detail {
namespace {

bool IsOneOf(const std::string& text, std::initializer_list<const char*> words) {
    for (const char* word : words) {
        if (text == word) return true;
    }
    return false;
}

std::optional<nlohmann::json> AsInteger(const std::string& text) {
    const char* first = text.data();
    const char* last = first + text.size();
    if (first != last && *first == '+') ++first;
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(first, last, value);
    if (error != std::errc() || end != last || first == last) return std::nullopt;
    return nlohmann::json(value);
}

// YAML 1.2 core schema float (without .inf/.nan, which JSON cannot hold).
std::optional<nlohmann::json> AsFloat(const std::string& text) {
    static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    if (!std::regex_match(text, kFloat)) return std::nullopt;
    return nlohmann::json(std::strtod(text.c_str(), nullptr));
}

nlohmann::json PlainScalar(const std::string& text) {
    if (IsOneOf(text, {"", "~", "null", "Null", "NULL"})) return nullptr;
    if (IsOneOf(text, {"true", "True", "TRUE"})) return true;
    if (IsOneOf(text, {"false", "False", "FALSE"})) return false;
    if (auto integer = AsInteger(text)) return *integer;
    if (auto real = AsFloat(text)) return *real;
    return text;
}

nlohmann::json Convert(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null: return nullptr;
        case YAML::NodeType::Scalar:
            // yaml-cpp tags quoted scalars "!" and plain ones "?": only plain ones are typed.
            return node.Tag() == "!" ? nlohmann::json(node.Scalar()) : PlainScalar(node.Scalar());
        case YAML::NodeType::Sequence: {
            nlohmann::json array = nlohmann::json::array();
            for (const auto& item : node) array.push_back(Convert(item));
            return array;
        }
        case YAML::NodeType::Map: {
            nlohmann::json object = nlohmann::json::object();
            for (const auto& item : node) object[item.first.as<std::string>()] = Convert(item.second);
            return object;
        }
    }
    throw std::runtime_error("unknown YAML node type");
}

}  // namespace

nlohmann::json YamlToJson(const std::string& text) { return Convert(YAML::Load(text)); }

}  // namespace zr::leaderboards::detail
