#pragma once
// Model ids of the second API generation (api-v2.md section 2.3, section 5 row 13): up to three
// ASCII letters of the author's name, the year's last two digits and a letter counter, e.g.
// "Be26a", "Be26b", ..., "Be26z", "Be26aa". Only letters and digits, so an id is never a path.
// Pure functions; thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zr::models {

// The counter's letters for n >= 1 (bijective base 26): 1 "a", 26 "z", 27 "aa", 702 "zz",
// 703 "aaa". n = 0 gives "".
std::string CounterLetters(std::uint64_t n);
// The inverse: "a" 1, "zz" 702; nullopt for "" or anything but lower-case ASCII letters, or a
// value beyond 64 bits.
std::optional<std::uint64_t> CounterValue(std::string_view letters);

// The first three ASCII letters of `author_name`, every other byte dropped ("../x" gives "x",
// "a b/c" "abc"); "m" when it has none.
std::string IdPrefix(std::string_view author_name);
// IdPrefix + the last two digits of `year`: ("Be", 2026) gives "Be26".
std::string IdStem(std::string_view author_name, int year);
// `stem` + the lowest counter that no id of `taken` uses after that stem. Ids of `taken` that do
// not start with `stem`, or go on with anything but a counter, are ignored.
std::string FirstFreeId(std::string_view stem, const std::vector<std::string>& taken);

}  // namespace zr::models
