#pragma once
// Internal to zr_leaderboards: checking one item of a `leaderboards:create` file.
#include <cstddef>
#include <nlohmann/json.hpp>

#include "domain/challenge.hpp"

namespace zr::leaderboards::detail {

// The leaderboard described by item `index` of the list (id left 0). Throws zr::Error 400
// {"message": "item N: field 'F': ..."} for a missing or mistyped field, an unsafe path or a bad
// sorting_key. Does not look at the database.
domain::Leaderboard ParseBoardItem(const nlohmann::json& item, std::size_t index);

}  // namespace zr::leaderboards::detail
