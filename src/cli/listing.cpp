#include "cli/listing.hpp"

#include <cassert>

namespace zr::cli {
namespace {

void PrintPadded(std::ostream& out, const std::vector<std::string>& cells, const std::vector<std::size_t>& widths) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i > 0) line += "  ";
        line += cells[i];
        if (i + 1 < cells.size()) line.append(widths[i] - DisplayWidth(cells[i]), ' ');
    }
    // Empty cells at the end would leave padding behind.
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
}

}  // namespace

void Listing::Add(std::vector<nlohmann::json> row) {
    assert(row.size() == columns_.size());
    rows_.push_back(std::move(row));
}

void Listing::AddObject(const nlohmann::json& object) {
    std::vector<nlohmann::json> row;
    row.reserve(columns_.size());
    for (const auto& column : columns_) {
        auto it = object.find(column);
        row.push_back(it == object.end() ? nlohmann::json() : *it);
    }
    rows_.push_back(std::move(row));
}

void Listing::PrintTable(std::ostream& out) const {
    std::vector<std::vector<std::string>> texts;
    std::vector<std::size_t> widths;
    for (const auto& column : columns_) widths.push_back(DisplayWidth(column));
    for (const auto& row : rows_) {
        std::vector<std::string> cells;
        for (std::size_t i = 0; i < row.size(); ++i) {
            cells.push_back(CellText(row[i]));
            widths[i] = std::max(widths[i], DisplayWidth(cells.back()));
        }
        texts.push_back(std::move(cells));
    }
    PrintPadded(out, columns_, widths);
    std::vector<std::string> rules;
    rules.reserve(widths.size());
    for (auto width : widths) rules.emplace_back(width, '-');
    PrintPadded(out, rules, widths);
    for (const auto& cells : texts) PrintPadded(out, cells, widths);
}

void Listing::PrintJson(std::ostream& out) const {
    // ordered_json keeps the keys in column order.
    auto array = nlohmann::ordered_json::array();
    for (const auto& row : rows_) {
        auto object = nlohmann::ordered_json::object();
        for (std::size_t i = 0; i < row.size(); ++i) object[columns_[i]] = row[i];
        array.push_back(std::move(object));
    }
    // Replace invalid UTF-8 rather than throw: a listing must print whatever the database holds.
    out << array.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

void Listing::Print(std::ostream& out, bool json) const {
    if (json) {
        PrintJson(out);
    } else {
        PrintTable(out);
    }
}

std::string CellText(const nlohmann::json& cell) {
    if (cell.is_null()) return "-";
    if (cell.is_string()) return cell.get<std::string>();
    if (cell.is_boolean()) return cell.get<bool>() ? "yes" : "no";
    return cell.dump();
}

std::size_t DisplayWidth(std::string_view text) {
    std::size_t width = 0;
    for (char c : text) {
        // Count every byte except UTF-8 continuation bytes (10xxxxxx).
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
    }
    return width;
}

}  // namespace zr::cli
