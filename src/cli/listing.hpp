#pragma once
// Output of the admin commands: one Listing, printed either as an aligned table for a person or
// as JSON for a script.
//
// Cells are JSON values so both forms come from the same data: strings print as is, null as "-",
// booleans as "yes"/"no" in a table and as JSON booleans in JSON.
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace zr::cli {

class Listing {
public:
    explicit Listing(std::vector<std::string> columns) : columns_(std::move(columns)) {}

    // Adds a row; its size must equal the number of columns (asserted).
    void Add(std::vector<nlohmann::json> row);
    // Adds a row from an object, taking the value of each column's key (null when absent).
    void AddObject(const nlohmann::json& object);

    const std::vector<std::string>& columns() const { return columns_; }
    const std::vector<std::vector<nlohmann::json>>& rows() const { return rows_; }

    // Header line, a line of dashes, then one line per row; columns padded to the widest cell
    // (counted in UTF-8 code points) and separated by two spaces; no trailing spaces.
    void PrintTable(std::ostream& out) const;
    // A JSON array with one object per row, keyed by the column names, followed by a newline.
    void PrintJson(std::ostream& out) const;
    // PrintJson when `json`, PrintTable otherwise.
    void Print(std::ostream& out, bool json) const;

private:
    std::vector<std::string> columns_;
    std::vector<std::vector<nlohmann::json>> rows_;
};

// A cell as text in a table: see the file comment.
std::string CellText(const nlohmann::json& cell);
// Number of UTF-8 code points in `text` (the width of a cell on a terminal, near enough).
std::size_t DisplayWidth(std::string_view text);

}  // namespace zr::cli
