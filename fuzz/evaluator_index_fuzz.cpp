// index.yml of an evaluation host's bin folder (evaluators::ParseIndex, yaml-cpp underneath), read
// by `zr evaluator:discover` from a remote host. Input: the file's text.
//
// Properties: a bad index is one 4xx zr::Error (every other exception escapes and is a crash);
// accepted entries have distinct non-empty labels, a known executor, an absolute normalised
// script path, docker entries an image, and base arguments that survive the stored ';' form.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

#include "common/error.hpp"
#include "error_check.hpp"
#include "evaluators/evaluators.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<zr::evaluators::IndexEntry> entries;
    try {
        entries = zr::evaluators::ParseIndex(zr::fuzz::AsText(data, size), "/srv/evaluators/bin");
    } catch (const zr::Error& e) {
        zr::fuzz::CheckClientError(e);
        return 0;
    }
    std::set<std::string> labels;
    for (const auto& entry : entries) {
        ZR_FUZZ_CHECK(!entry.label.empty() && labels.insert(entry.label).second, entry.label);
        const std::set<std::string> executors = {"python", "bash", "sbatch", "docker"};
        ZR_FUZZ_CHECK(executors.contains(entry.executor), entry.executor);
        const std::filesystem::path script(entry.script_path);
        ZR_FUZZ_CHECK(script.is_absolute() && script.lexically_normal() == script, entry.script_path);
        ZR_FUZZ_CHECK(entry.executor != "docker" || !entry.base_arguments.empty(), entry.label);
        const std::string stored = zr::evaluators::JoinArguments(entry.base_arguments);
        ZR_FUZZ_CHECK(zr::evaluators::SplitArguments(stored) == entry.base_arguments, stored);
    }
    return 0;
}
