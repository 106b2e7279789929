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

// Limits on what aliases can do. An alias may name one of its own ancestors (a cycle) or let a
// few hundred bytes name a billion nodes ("billion laughs"). Without aliases a document has fewer
// nodes than bytes and yaml-cpp refuses deep nesting, so honest files stay far below both limits.
constexpr std::size_t kAliasSlackNodes = 10000;
constexpr int kMaxDepth = 2000;  // yaml-cpp's own nesting limit

struct Budget {
    std::size_t nodes;
    int depth = 0;
};

nlohmann::json Convert(const YAML::Node& node, Budget& budget);

nlohmann::json ConvertChild(const YAML::Node& node, Budget& budget) {
    if (budget.nodes == 0) throw std::runtime_error("the YAML document expands to too many nodes (aliases)");
    if (budget.depth == kMaxDepth) throw std::runtime_error("the YAML document nests too deep (an alias cycle?)");
    --budget.nodes;
    ++budget.depth;
    nlohmann::json value = Convert(node, budget);
    --budget.depth;
    return value;
}

nlohmann::json Convert(const YAML::Node& node, Budget& budget) {
    switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            return nullptr;
        case YAML::NodeType::Scalar:
            // yaml-cpp tags quoted scalars "!" and plain ones "?": only plain ones are typed.
            return node.Tag() == "!" ? nlohmann::json(node.Scalar()) : PlainScalar(node.Scalar());
        case YAML::NodeType::Sequence: {
            nlohmann::json array = nlohmann::json::array();
            for (const auto& item : node) array.push_back(ConvertChild(item, budget));
            return array;
        }
        case YAML::NodeType::Map: {
            nlohmann::json object = nlohmann::json::object();
            for (const auto& item : node) object[item.first.as<std::string>()] = ConvertChild(item.second, budget);
            return object;
        }
    }
    throw std::runtime_error("unknown YAML node type");
}

}  // namespace

nlohmann::json YamlToJson(const std::string& text) {
    Budget budget{text.size() + kAliasSlackNodes};
    return ConvertChild(YAML::Load(text), budget);
}

}  // namespace zr::leaderboards::detail
