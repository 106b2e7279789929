#include "db/migrations.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "common/resources.hpp"

namespace zr::db::detail {
namespace {

constexpr std::string_view kMigrationsFolder = "migrations/";
constexpr std::string_view kSqlSuffix = ".sql";
constexpr std::string_view kGetUserVersion = "PRAGMA user_version";
constexpr std::string_view kSetUserVersion = "PRAGMA user_version = ";

// "migrations/0002_leaderboards.sql" -> 2; throws on any other form.
int VersionOf(std::string_view path) {
    const std::string_view name = path.substr(kMigrationsFolder.size());
    const auto underscore = name.find('_');
    int version = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + std::min(underscore, name.size()), version);
    if (underscore == std::string_view::npos || ec != std::errc() || end != name.data() + underscore || version <= 0 ||
        !name.ends_with(kSqlSuffix)) {
        throw DbError("migration file name is not NNNN_name.sql: " + std::string(path));
    }
    return version;
}

void CheckNotNewer(int version, int latest, const std::filesystem::path& path) {
    if (version > latest) {
        throw DbError("database " + path.string() + " has schema version " + std::to_string(version) +
                      ", newer than the latest this program knows (" + std::to_string(latest) +
                      "); upgrade the program");
    }
}

}  // namespace

std::vector<Migration> EmbeddedMigrations() {
    std::vector<Migration> migrations;
    for (std::string_view path : resources::List(kMigrationsFolder)) {
        const auto sql = resources::Find(path);
        if (!sql) throw DbError("embedded migration vanished: " + std::string(path));
        migrations.push_back({VersionOf(path), path, *sql});
    }
    std::sort(migrations.begin(), migrations.end(),
              [](const Migration& a, const Migration& b) { return a.version < b.version; });
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        if (migrations[i].version != static_cast<int>(i) + 1) {
            throw DbError("migrations must be numbered 1, 2, 3... without gaps; found " +
                          std::string(migrations[i].path));
        }
    }
    return migrations;
}

int UserVersion(Connection& conn) {
    auto stmt = conn.Prepare(kGetUserVersion);
    if (!stmt.Step()) throw DbError("sqlite: PRAGMA user_version returned no row");
    return static_cast<int>(stmt.Int(0));
}

void Migrate(Connection& conn, const std::filesystem::path& path) {
    const auto migrations = EmbeddedMigrations();
    const int latest = migrations.empty() ? 0 : migrations.back().version;
    int version = UserVersion(conn);
    CheckNotNewer(version, latest, path);
    for (const Migration& migration : migrations) {
        if (migration.version <= version) continue;
        Transaction transaction(conn);
        version = UserVersion(conn);
        CheckNotNewer(version, latest, path);
        if (version < migration.version) {
            conn.Exec(migration.sql);
            conn.Exec(std::string(kSetUserVersion) + std::to_string(migration.version));
            version = migration.version;
        }
        transaction.Commit();
    }
}

}  // namespace zr::db::detail
