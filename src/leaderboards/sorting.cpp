#include "leaderboards/sorting.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>

namespace zr::leaderboards {
namespace {

std::string_view TrimSpaces(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

std::vector<std::string> SplitPath(std::string_view text, std::string_view whole) {
    std::vector<std::string> path;
    std::size_t start = 0;
    while (true) {
        const auto dot = text.find('.', start);
        const auto part = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (part.empty()) throw std::invalid_argument("sorting_key: empty key in '" + std::string(whole) + "'");
        path.emplace_back(part);
        if (dot == std::string_view::npos) return path;
        start = dot + 1;
    }
}

// The value at `path`, or nullptr when the entry lacks it (a JSON null counts as missing).
const nlohmann::json* Lookup(const nlohmann::json& entry, const std::vector<std::string>& path) {
    const nlohmann::json* node = &entry;
    for (const auto& name : path) {
        if (!node->is_object()) return nullptr;
        auto it = node->find(name);
        if (it == node->end()) return nullptr;
        node = &*it;
    }
    return node->is_null() ? nullptr : node;
}

// Numbers, then strings, then booleans, then anything else (equal among themselves). The type
// order does not flip for descending keys, like missing values it only places odd entries.
int TypeRank(const nlohmann::json& value) {
    if (value.is_number()) return 0;
    if (value.is_string()) return 1;
    if (value.is_boolean()) return 2;
    return 3;
}

template <typename T>
int Compare3(const T& a, const T& b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}

// Integers compare exactly (a double would round above 2^53); any float makes it a double compare.
int CompareNumbers(const nlohmann::json& a, const nlohmann::json& b) {
    if (a.is_number_integer() && b.is_number_integer()) {
        const bool a_unsigned = a.is_number_unsigned();
        const bool b_unsigned = b.is_number_unsigned();
        if (a_unsigned && b_unsigned) return Compare3(a.get<std::uint64_t>(), b.get<std::uint64_t>());
        if (!a_unsigned && !b_unsigned) return Compare3(a.get<std::int64_t>(), b.get<std::int64_t>());
        const auto& signed_one = a_unsigned ? b : a;
        const auto& unsigned_one = a_unsigned ? a : b;
        int c = signed_one.get<std::int64_t>() < 0
                    ? -1
                    : Compare3(static_cast<std::uint64_t>(signed_one.get<std::int64_t>()),
                               unsigned_one.get<std::uint64_t>());
        return a_unsigned ? -c : c;
    }
    return Compare3(a.get<double>(), b.get<double>());
}

// Two present values of the same TypeRank, in ascending order.
int CompareSameType(const nlohmann::json& a, const nlohmann::json& b) {
    switch (TypeRank(a)) {
        case 0:
            return CompareNumbers(a, b);
        case 1:
            return Compare3(a.get_ref<const std::string&>(), b.get_ref<const std::string&>());
        case 2:
            return Compare3(a.get<bool>(), b.get<bool>());
        default:
            return 0;
    }
}

}  // namespace

std::vector<SortKey> ParseSortingKey(std::string_view text) {
    std::vector<SortKey> keys;
    if (TrimSpaces(text).empty()) return keys;
    std::size_t start = 0;
    while (true) {
        const auto comma = text.find(',', start);
        auto item =
            TrimSpaces(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        SortKey key;
        if (!item.empty() && item.front() == '-') {
            key.descending = true;
            item.remove_prefix(1);
        }
        key.path = SplitPath(item, text);
        keys.push_back(std::move(key));
        if (comma == std::string_view::npos) return keys;
        start = comma + 1;
    }
}

void SortAndRank(std::vector<nlohmann::json>& entries, const std::vector<SortKey>& keys) {
    // Look every key up once, then sort indices (cheap swaps, no JSON moved while sorting).
    const std::size_t n = entries.size();
    std::vector<const nlohmann::json*> values(n * keys.size());
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t k = 0; k < keys.size(); ++k) values[i * keys.size() + k] = Lookup(entries[i], keys[k].path);
    }
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    auto less = [&](std::size_t a, std::size_t b) {
        for (std::size_t k = 0; k < keys.size(); ++k) {
            const auto* va = values[a * keys.size() + k];
            const auto* vb = values[b * keys.size() + k];
            if (va == nullptr || vb == nullptr) {
                if (va == vb) continue;
                return vb == nullptr;  // the entry having the key comes first, whatever the direction
            }
            const int a_rank = TypeRank(*va);
            const int b_rank = TypeRank(*vb);
            if (a_rank != b_rank) return a_rank < b_rank;
            int c = CompareSameType(*va, *vb);
            if (keys[k].descending) c = -c;
            if (c != 0) return c < 0;
        }
        return false;
    };
    std::stable_sort(order.begin(), order.end(), less);
    std::vector<nlohmann::json> sorted;
    sorted.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        sorted.push_back(std::move(entries[order[i]]));
        sorted.back()["rank"] = i + 1;
    }
    entries = std::move(sorted);
}

}  // namespace zr::leaderboards
