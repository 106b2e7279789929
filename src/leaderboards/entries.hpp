#pragma once
// Pure functions over leaderboard entries (api-v2.md sections 2.6 and 4.6): stamping an entry with
// who submitted it, from our records, and the CSV export of a built leaderboard.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "db/score_version_repository.hpp"

namespace zr::leaderboards {

// Overwrites the entry's identity fields from our records, whatever the file said (zrc writes
// model_id null and submission_id ""): model_id (null when the submission has none),
// submission_id, submitted_by (null when the owner is unknown), submission_date (ISO 8601, local
// time, microseconds) and, when the submission has an author label, publication.author_short (a
// publication that is not an object is replaced). Other keys are left as they are.
void StampIdentity(nlohmann::json& entry, std::string_view submission_id, const db::EntryIdentity& identity);

// The entries (a JSON array of objects; anything else in it is skipped) as RFC 4180 CSV: one
// header row then one row per entry, CRLF line ends. Columns are the entries' leaf paths joined
// with dots (objects are walked; an array, a scalar or an empty object is a leaf), the union over
// all entries in first-seen order. A missing key is an empty cell; a string cell is the text
// itself, null an empty cell, any other leaf its JSON text. Fields holding a comma, a double quote,
// CR or LF are quoted with inner quotes doubled.
std::string EntriesToCsv(const nlohmann::json& entries);

}  // namespace zr::leaderboards
