#pragma once
// Internal to zr_evaluators: index parsing that collects problems instead of throwing, so that
// discovery can report the index's problems together with its own checks in one error.
#include <string>
#include <string_view>
#include <vector>

#include "evaluators/evaluators.hpp"

namespace zr::evaluators::detail {

struct ParsedIndex {
    std::vector<IndexEntry> entries;    // the entries without problems, in file order
    std::vector<std::string> problems;  // e.g. "evaluator 'abx': missing executor"
};

ParsedIndex ParseIndexCollecting(std::string_view yaml_text, const std::string& bin_dir);

// "a; b; c" as one kInvalidInput zr::Error prefixed with "<where>: ".
[[noreturn]] void ThrowProblems(const std::string& where, const std::vector<std::string>& problems);

}  // namespace zr::evaluators::detail
