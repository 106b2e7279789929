#pragma once
// Internal to zr_db: the numbered schema migrations embedded from resources/migrations/.
#include <filesystem>
#include <string_view>
#include <vector>

#include "db/database.hpp"

namespace zr::db::detail {

struct Migration {
    int version = 0;        // NNNN of resources/migrations/NNNN_name.sql
    std::string_view path;  // e.g. "migrations/0001_legacy_schema.sql"
    std::string_view sql;
};

// The embedded migrations in version order. Throws DbError unless they are numbered 1, 2, 3, ...
// without gaps or duplicates.
std::vector<Migration> EmbeddedMigrations();

// PRAGMA user_version of the connection's file.
int UserVersion(Connection& conn);

// Applies every migration newer than the file's user_version, each in its own BEGIN IMMEDIATE
// transaction that re-reads user_version (another process may have migrated meanwhile) and sets
// PRAGMA user_version = N. Throws DbError if the file is newer than the newest migration, or if a
// migration fails (that migration is rolled back; earlier ones stay).
void Migrate(Connection& conn, const std::filesystem::path& path);

}  // namespace zr::db::detail
