#pragma once
// The pure part of building a leaderboard, for unit tests and the benchmark: parsing sorting_key
// and sorting entries (see leaderboard_service.hpp for the rules).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace zr::leaderboards {

struct SortKey {
    std::vector<std::string> path;  // "scores.accuracy" -> {"scores", "accuracy"}
    bool descending = false;
};

// "" -> no keys. Throws std::invalid_argument for an empty path element ("a..b", ",").
std::vector<SortKey> ParseSortingKey(std::string_view text);

// Sorts in place (stable), then sets "rank" 1..n on each entry (entries must be JSON objects).
void SortAndRank(std::vector<nlohmann::json>& entries, const std::vector<SortKey>& keys);

}  // namespace zr::leaderboards
