#include "leaderboards/entries.hpp"

#include <map>
#include <vector>

#include "common/time.hpp"

namespace zr::leaderboards {
namespace {

using Columns = std::vector<std::string>;
using Cells = std::map<std::string, std::string>;

std::string CellText(const nlohmann::json& leaf) {
    if (leaf.is_string()) return leaf.get<std::string>();
    if (leaf.is_null()) return "";
    return leaf.dump();
}

void Flatten(const nlohmann::json& value, const std::string& prefix, Cells& cells, Columns& order,
             std::map<std::string, bool>& seen) {
    if (value.is_object() && (!value.empty() || prefix.empty())) {
        for (const auto& [key, child] : value.items()) {
            std::string path = prefix;
            if (!path.empty()) path += '.';
            path += key;
            Flatten(child, path, cells, order, seen);
        }
        return;
    }
    if (!seen[prefix]) {
        seen[prefix] = true;
        order.push_back(prefix);
    }
    cells[prefix] = CellText(value);
}

std::string Quoted(const std::string& field) {
    if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
    std::string out = "\"";
    for (const char c : field) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

void AppendRow(std::string& out, const Columns& columns, const Cells* cells) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) out += ',';
        if (!cells) {
            out += Quoted(columns[i]);
        } else if (auto it = cells->find(columns[i]); it != cells->end()) {
            out += Quoted(it->second);
        }
    }
    out += "\r\n";
}

}  // namespace

void StampIdentity(nlohmann::json& entry, std::string_view submission_id, const db::EntryIdentity& identity) {
    entry["model_id"] = identity.model_id ? nlohmann::json(*identity.model_id) : nlohmann::json();
    entry["submission_id"] = std::string(submission_id);
    entry["submitted_by"] = identity.username ? nlohmann::json(*identity.username) : nlohmann::json();
    std::string date = FormatDateTime(identity.submit_date);
    if (date.size() > 10 && date[10] == ' ') date[10] = 'T';
    entry["submission_date"] = date;
    if (identity.author_label) {
        auto& publication = entry["publication"];
        if (!publication.is_object()) publication = nlohmann::json::object();
        publication["author_short"] = *identity.author_label;
    }
}

std::string EntriesToCsv(const nlohmann::json& entries) {
    Columns columns;
    std::map<std::string, bool> seen;
    std::vector<Cells> rows;
    if (entries.is_array()) {
        for (const auto& entry : entries) {
            if (!entry.is_object()) continue;
            Cells cells;
            Flatten(entry, "", cells, columns, seen);
            rows.push_back(std::move(cells));
        }
    }
    std::string out;
    if (columns.empty()) return out;
    AppendRow(out, columns, nullptr);
    for (const auto& cells : rows) AppendRow(out, columns, &cells);
    return out;
}

}  // namespace zr::leaderboards
