// A main for the fuzz targets in builds without libFuzzer (the normal gcc test build): runs
// LLVMFuzzerTestOneInput once on every file given, and on every regular file under every folder
// given (sorted, recursively). A crash, a sanitizer report or a violated property aborts, so the
// ctest test fails and names the input on stderr. Exit status 2 for a path that does not exist
// or a folder without any file (a replay of nothing would prove nothing).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> InputsOf(const fs::path& path) {
    std::vector<fs::path> inputs;
    if (fs::is_regular_file(path)) return {path};
    for (const auto& entry : fs::recursive_directory_iterator(path)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
    }
    std::sort(inputs.begin(), inputs.end());
    return inputs;
}

std::string ReadAll(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t replayed = 0;
    for (int i = 1; i < argc; ++i) {
        const fs::path root(argv[i]);
        if (!fs::exists(root)) {
            std::fprintf(stderr, "replay: %s does not exist\n", argv[i]);
            return 2;
        }
        const auto inputs = InputsOf(root);
        if (inputs.empty()) {
            std::fprintf(stderr, "replay: no input under %s\n", argv[i]);
            return 2;
        }
        for (const auto& input : inputs) {
            std::fprintf(stderr, "replay: %s\n", input.c_str());
            const std::string data = ReadAll(input);
            LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
            ++replayed;
        }
    }
    std::printf("replay: %zu inputs, no failure\n", replayed);
    return 0;
}
