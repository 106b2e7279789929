// index.yml parsing and the stored form of base arguments.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <set>

#include "common/error.hpp"
#include "evaluators/index_internal.hpp"

namespace zr::evaluators {
namespace {

constexpr std::array<std::string_view, 4> kExecutors = {"python", "bash", "sbatch", "docker"};

bool IsKnownExecutor(const std::string& executor) {
    return std::find(kExecutors.begin(), kExecutors.end(), executor) != kExecutors.end();
}

// Relative paths are joined to the bin folder; both are normalised lexically (no file access:
// the index may describe another host).
std::string AbsoluteScript(const std::string& script, const std::string& bin_dir) {
    std::filesystem::path path(script);
    if (path.is_relative()) path = std::filesystem::path(bin_dir) / path;
    return path.lexically_normal().string();
}

class EntryParser {
public:
    EntryParser(std::string label, std::vector<std::string>& problems)
        : label_(std::move(label)), problems_(problems) {}

    // Appends one problem per bad field; returns the entry only when it has none.
    std::optional<IndexEntry> Parse(const YAML::Node& node, const std::string& bin_dir) {
        if (!node.IsMap()) return Problem("not a mapping (expected executor, script_path, base_arguments)");
        IndexEntry entry;
        entry.label = label_;
        const std::size_t before = problems_.size();
        if (auto executor = RequiredString(node, "executor")) {
            if (IsKnownExecutor(*executor)) {
                entry.executor = *executor;
            } else {
                Problem("unknown executor '" + *executor + "' (expected python, bash, sbatch or docker)");
            }
        }
        if (auto script = RequiredString(node, "script_path")) entry.script_path = AbsoluteScript(*script, bin_dir);
        entry.base_arguments = Arguments(node["base_arguments"]);
        if (const YAML::Node version = node["version"]; version && !version.IsNull()) {
            if (version.IsScalar()) {
                entry.version = version.Scalar();
            } else {
                Problem("version must be a string");
            }
        }
        if (entry.executor == "docker" && entry.base_arguments.empty() && problems_.size() == before) {
            Problem("executor docker needs the image as the first of base_arguments");
        }
        if (problems_.size() != before) return std::nullopt;
        return entry;
    }

private:
    std::nullopt_t Problem(const std::string& what) {
        problems_.push_back("evaluator '" + label_ + "': " + what);
        return std::nullopt;
    }

    std::optional<std::string> RequiredString(const YAML::Node& node, const char* key) {
        const YAML::Node value = node[key];
        if (!value || value.IsNull()) return Problem(std::string("missing ") + key);
        if (!value.IsScalar() || value.Scalar().empty())
            return Problem(std::string(key) + " must be a non-empty string");
        return value.Scalar();
    }

    std::vector<std::string> Arguments(const YAML::Node& value) {
        std::vector<std::string> arguments;
        if (!value || value.IsNull()) return arguments;
        if (!value.IsSequence()) {
            Problem("base_arguments must be a list of strings");
            return arguments;
        }
        for (const auto& item : value) {
            if (!item.IsScalar() || item.Scalar().empty()) {
                Problem("base_arguments must be a list of non-empty strings");
                return {};
            }
            if (item.Scalar().find(';') != std::string::npos) {
                Problem("base_arguments items cannot contain ';' (got '" + item.Scalar() + "')");
                return {};
            }
            arguments.push_back(item.Scalar());
        }
        return arguments;
    }

    std::string label_;
    std::vector<std::string>& problems_;
};

YAML::Node LoadYaml(std::string_view yaml_text, std::vector<std::string>& problems) {
    try {
        return YAML::Load(std::string(yaml_text));
    } catch (const YAML::ParserException& e) {
        problems.push_back("not valid YAML (line " + std::to_string(e.mark.line + 1) + "): " + e.msg);
    } catch (const YAML::Exception& e) {
        problems.push_back(std::string("not valid YAML: ") + e.what());
    }
    return YAML::Node();
}

}  // namespace

namespace detail {

ParsedIndex ParseIndexCollecting(std::string_view yaml_text, const std::string& bin_dir) {
    ParsedIndex parsed;
    const YAML::Node root = LoadYaml(yaml_text, parsed.problems);
    if (!parsed.problems.empty()) return parsed;
    const YAML::Node evaluators = root.IsMap() ? root["evaluators"] : YAML::Node();
    if (!evaluators || !evaluators.IsMap()) {
        parsed.problems.push_back(
            "expected a mapping 'evaluators: {<label>: {executor, script_path, base_arguments}}'");
        return parsed;
    }
    std::set<std::string> labels;
    for (const auto& item : evaluators) {
        if (!item.first.IsScalar() || item.first.Scalar().empty()) {
            parsed.problems.push_back("an evaluator label is not a non-empty string");
            continue;
        }
        const std::string label = item.first.Scalar();
        if (!labels.insert(label).second) {
            parsed.problems.push_back("evaluator '" + label + "': defined twice");
            continue;
        }
        if (auto entry = EntryParser(label, parsed.problems).Parse(item.second, bin_dir)) {
            parsed.entries.push_back(std::move(*entry));
        }
    }
    return parsed;
}

void ThrowProblems(const std::string& where, const std::vector<std::string>& problems) {
    std::string message = where + ": ";
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i == 0 ? "" : "; ") + problems[i];
    throw Error::Message(ErrorKind::kInvalidInput, message);
}

}  // namespace detail

std::vector<IndexEntry> ParseIndex(std::string_view yaml_text, const std::string& bin_dir) {
    detail::ParsedIndex parsed = detail::ParseIndexCollecting(yaml_text, bin_dir);
    if (!parsed.problems.empty()) detail::ThrowProblems("index.yml", parsed.problems);
    return std::move(parsed.entries);
}

std::optional<std::string> IndexVersion(std::string_view yaml_text, std::string_view label) {
    std::vector<std::string> problems;
    const YAML::Node root = LoadYaml(yaml_text, problems);
    if (!problems.empty() || !root.IsMap()) return std::nullopt;
    try {
        const YAML::Node evaluators = root["evaluators"];
        if (!evaluators || !evaluators.IsMap()) return std::nullopt;
        const YAML::Node entry = evaluators[std::string(label)];
        if (!entry || !entry.IsMap()) return std::nullopt;
        const YAML::Node version = entry["version"];
        if (!version || !version.IsScalar() || version.Scalar().empty()) return std::nullopt;
        return version.Scalar();
    } catch (const YAML::Exception&) {
        return std::nullopt;
    }
}

std::vector<std::string> SplitArguments(std::string_view stored) {
    std::vector<std::string> arguments;
    if (stored.empty()) return arguments;
    while (true) {
        const std::size_t semicolon = stored.find(';');
        arguments.emplace_back(stored.substr(0, semicolon));
        if (semicolon == std::string_view::npos) return arguments;
        stored.remove_prefix(semicolon + 1);
    }
}

std::string JoinArguments(const std::vector<std::string>& arguments) {
    std::string joined;
    for (std::size_t i = 0; i < arguments.size(); ++i) joined += (i == 0 ? "" : ";") + arguments[i];
    return joined;
}

}  // namespace zr::evaluators
