#include "models/model_ids.hpp"

#include <limits>
#include <set>

namespace zr::models {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string CounterLetters(std::uint64_t n) {
    std::string reversed;
    while (n > 0) {
        --n;  // bijective: there is no zero digit, "z" is followed by "aa"
        reversed += static_cast<char>('a' + n % 26);
        n /= 26;
    }
    return {reversed.rbegin(), reversed.rend()};
}

std::optional<std::uint64_t> CounterValue(std::string_view letters) {
    if (letters.empty()) return std::nullopt;
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t value = 0;
    for (const char c : letters) {
        if (c < 'a' || c > 'z') return std::nullopt;
        const std::uint64_t digit = static_cast<std::uint64_t>(c - 'a') + 1;
        if (value > (kMax - digit) / 26) return std::nullopt;
        value = value * 26 + digit;
    }
    return value;
}

std::string IdPrefix(std::string_view author_name) {
    std::string prefix;
    for (const char c : author_name) {
        if (prefix.size() == 3) break;
        // Bytes of a multi-byte UTF-8 character are all >= 0x80, so accents drop out whole.
        if (IsAsciiLetter(c)) prefix += c;
    }
    return prefix.empty() ? "m" : prefix;
}

std::string IdStem(std::string_view author_name, int year) {
    const int yy = ((year % 100) + 100) % 100;
    std::string stem = IdPrefix(author_name);
    stem += static_cast<char>('0' + yy / 10);
    stem += static_cast<char>('0' + yy % 10);
    return stem;
}

std::string FirstFreeId(std::string_view stem, const std::vector<std::string>& taken) {
    std::set<std::uint64_t> used;
    for (const auto& id : taken) {
        if (!std::string_view(id).starts_with(stem)) continue;
        if (auto value = CounterValue(std::string_view(id).substr(stem.size()))) used.insert(*value);
    }
    std::uint64_t n = 1;
    for (const auto value : used) {  // ascending: stop at the first gap
        if (value != n) break;
        ++n;
    }
    return std::string(stem) + CounterLetters(n);
}

}  // namespace zr::models
