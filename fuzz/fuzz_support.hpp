#pragma once
// Shared by the fuzz targets of fuzz/: property checks that abort (libFuzzer records an abort as
// a crash and saves the input), splitting one input into a first line and the rest, a private
// temporary folder per process, and a deterministic pseudo-random source derived from the input.
//
// The targets compile both as libFuzzer binaries (clang, -fsanitize=fuzzer) and, in the normal
// test build, with replay_main.cpp, which runs LLVMFuzzerTestOneInput over the files of folders.
#include <stdlib.h>  // mkdtemp

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace zr::fuzz {

// Aborts with a message when a property does not hold (a crash for libFuzzer and for ctest).
#define ZR_FUZZ_CHECK(condition, message)                                              \
    do {                                                                               \
        if (!(condition)) ::zr::fuzz::Fail(__FILE__, __LINE__, #condition, (message)); \
    } while (false)

// `text` with every byte outside printable ASCII (and the backslash) as \xNN.
inline std::string Printable(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f && c != '\\') {
            out += c;
        } else if (c == '\n') {
            out += "\\n\n";
        } else {
            out += {'\\', 'x', kHex[byte >> 4], kHex[byte & 15]};
        }
    }
    return out;
}

[[noreturn]] inline void Fail(const char* file, int line, const char* condition, std::string_view message) {
    const std::string text = std::string(file) + ":" + std::to_string(line) + ": property violated: " + condition +
                             ": " + Printable(message) + "\n";
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::abort();
}

inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Splits off the first line ("\n" or "\r\n" removed): returns it and leaves the rest in `text`.
inline std::string_view TakeLine(std::string_view& text) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

// A folder of its own under $TMPDIR (run.sh points TMPDIR at /dev/shm when it can), created at
// the first call and removed at exit. Aborts if it cannot be created.
inline const std::filesystem::path& ProcessTempDir(const char* name) {
    static const std::filesystem::path dir = [name] {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / (std::string("zr-fuzz-") + name + "-XXXXXX")).string();
        if (::mkdtemp(tmpl.data()) == nullptr) Fail(__FILE__, __LINE__, "mkdtemp", tmpl);
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        });
        return std::filesystem::path(tmpl);
    }();
    return dir;
}

// SplitMix64 seeded from the input's bytes: "random" choices that replay identically.
class InputRandom {
public:
    explicit InputRandom(std::string_view input) {
        for (const char c : input) state_ = (state_ ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    }
    std::uint64_t Next() {
        std::uint64_t x = (state_ += 0x9e3779b97f4a7c15ULL);
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
    }
    // 1..max inclusive.
    std::size_t Between1And(std::size_t max) { return 1 + static_cast<std::size_t>(Next() % max); }

private:
    std::uint64_t state_ = 0xcbf29ce484222325ULL;
};

}  // namespace zr::fuzz
