#include "leaderboards/board_fields.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

#include "common/error.hpp"
#include "leaderboards/files.hpp"
#include "leaderboards/sorting.hpp"

namespace zr::leaderboards::detail {
namespace {

class ItemReader {
public:
    ItemReader(const nlohmann::json& item, std::size_t index) : item_(item), index_(index) {
        if (!item.is_object()) throw Fail("", "must be an object");
    }

    Error Fail(const std::string& field, const std::string& what) const {
        std::string message = "item " + std::to_string(index_) + ": ";
        if (!field.empty()) message += "field '" + field + "': ";
        return Error::Message(ErrorKind::kInvalidInput, message + what);
    }

    std::string RequiredString(const std::string& field) const {
        auto it = item_.find(field);
        if (it == item_.end() || it->is_null()) throw Fail(field, "is required");
        if (!it->is_string() || it->get_ref<const std::string&>().empty())
            throw Fail(field, "must be a non-empty string");
        return it->get<std::string>();
    }

    // Absent or null -> "".
    std::string OptionalString(const std::string& field) const {
        auto it = item_.find(field);
        if (it == item_.end() || it->is_null()) return {};
        if (!it->is_string()) throw Fail(field, "must be a string or null");
        return it->get<std::string>();
    }

    bool OptionalBool(const std::string& field) const {
        auto it = item_.find(field);
        if (it == item_.end() || it->is_null()) return false;
        if (!it->is_boolean()) throw Fail(field, "must be true or false");
        return it->get<bool>();
    }

    std::int64_t RequiredInt(const std::string& field) const {
        auto it = item_.find(field);
        if (it == item_.end() || it->is_null()) throw Fail(field, "is required");
        // Above INT64_MAX, nlohmann keeps an unsigned that get<std::int64_t>() would wrap.
        if (!it->is_number_integer() || (it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX)) {
            throw Fail(field, "must be an integer");
        }
        return it->get<std::int64_t>();
    }

private:
    const nlohmann::json& item_;
    std::size_t index_;
};

// An absolute path is taken as is; a relative one must stay under its base folder.
void CheckPath(const ItemReader& reader, const std::string& field, const std::string& value) {
    if (value.empty() || value.front() == '/') return;
    if (!IsSafeRelativePath(value)) throw reader.Fail(field, "a relative path must not contain '..' or empty parts");
}

}  // namespace

domain::Leaderboard ParseBoardItem(const nlohmann::json& item, std::size_t index) {
    const ItemReader reader(item, index);
    domain::Leaderboard board;
    board.label = reader.RequiredString("label");
    board.challenge_id = reader.RequiredInt("challenge_id");
    board.path_to = reader.RequiredString("path_to");
    CheckPath(reader, "path_to", board.path_to);
    board.entry_file = reader.RequiredString("entry_file");
    if (!IsSafeRelativePath(board.entry_file)) {
        throw reader.Fail("entry_file", "must be a relative path inside the submission folder (no '..')");
    }
    board.external_entries = reader.OptionalString("external_entries");
    CheckPath(reader, "external_entries", board.external_entries);
    board.archived = reader.OptionalBool("archived");
    board.static_files = reader.OptionalBool("static_files");
    board.sorting_key = reader.OptionalString("sorting_key");
    try {
        ParseSortingKey(board.sorting_key);
    } catch (const std::invalid_argument& e) {
        throw reader.Fail("sorting_key", e.what());
    }
    return board;
}

}  // namespace zr::leaderboards::detail
