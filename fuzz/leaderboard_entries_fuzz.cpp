// Leaderboard building: external entry files (*.json, *.yaml / *.yml: an object or a list of
// objects; YAML through leaderboards::detail::YamlToJson), the sorting_key of a leaderboard and
// the sort and ranking of entries, and the items of a `leaderboards:create` file. Input: the
// sorting key on the first line, the file kind on the second ("json", "yaml" or "board"), the
// file's content after.
//
// Properties: a malformed file is an exception the build catches (std::exception) and a bad item a
// 4xx zr::Error; a bad sorting key is std::invalid_argument; SortAndRank keeps every entry, ranks
// them 1..n, and sorting its output again changes nothing; the result serialises; an accepted
// board keeps the challenge id it was given.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "error_check.hpp"
#include "fuzz_support.hpp"
#include "leaderboards/board_fields.hpp"
#include "leaderboards/files.hpp"
#include "leaderboards/sorting.hpp"

namespace {

using nlohmann::json;
namespace lb = zr::leaderboards;

std::string Dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

// As the build's AddExternal: an object, or the objects of a list.
std::vector<json> Entries(const json& content) {
    std::vector<json> entries;
    if (content.is_object()) entries.push_back(content);
    if (content.is_array()) {
        for (const auto& item : content) {
            if (item.is_object()) entries.push_back(item);
        }
    }
    return entries;
}

bool SortsOnRank(const std::vector<lb::SortKey>& keys) {
    for (const auto& key : keys) {
        if (!key.path.empty() && key.path.front() == "rank") return true;
    }
    return false;
}

void CheckSort(std::vector<json> entries, const std::vector<lb::SortKey>& keys) {
    const std::size_t n = entries.size();
    lb::SortAndRank(entries, keys);
    ZR_FUZZ_CHECK(entries.size() == n, "entries lost");
    for (std::size_t i = 0; i < n; ++i) {
        ZR_FUZZ_CHECK(entries[i].is_object() && entries[i].value("rank", std::size_t{0}) == i + 1, Dump(entries[i]));
    }
    const std::string once = Dump(entries);
    if (SortsOnRank(keys)) return;  // ranking rewrote the sort key itself
    lb::SortAndRank(entries, keys);
    ZR_FUZZ_CHECK(Dump(entries) == once, "sorting a sorted list changed it:\n" + once + "\n" + Dump(entries));
}

void Boards(const std::string& text) {
    const json content = json::parse(text, nullptr, false);
    if (content.is_discarded()) return;
    const std::vector<json> items = content.is_array() ? content.get<std::vector<json>>() : std::vector<json>{content};
    for (std::size_t i = 0; i < items.size(); ++i) {
        try {
            const auto board = lb::detail::ParseBoardItem(items[i], i);
            ZR_FUZZ_CHECK(!board.label.empty() && lb::detail::IsSafeRelativePath(board.entry_file), board.entry_file);
            const std::string given = Dump(items[i]["challenge_id"]);
            ZR_FUZZ_CHECK(given == std::to_string(board.challenge_id), given);
        } catch (const zr::Error& e) {
            zr::fuzz::CheckClientError(e);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view rest = zr::fuzz::AsText(data, size);
    const std::string_view sorting_key = zr::fuzz::TakeLine(rest);
    const std::string_view kind = zr::fuzz::TakeLine(rest);
    const std::string text(rest);
    if (kind == "board") {
        Boards(text);
        return 0;
    }
    json content;
    try {
        content = kind == "yaml" ? lb::detail::YamlToJson(text) : json::parse(text);
    } catch (const std::exception&) {
        return 0;  // the build skips the file and logs why
    }
    std::vector<lb::SortKey> keys;
    try {
        keys = lb::ParseSortingKey(sorting_key);
    } catch (const std::invalid_argument&) {
        return 0;
    }
    CheckSort(Entries(content), keys);
    return 0;
}
