// Login throttling rows (schema version 8). Times are stored as Unix milliseconds.
#include <chrono>

#include "db/repositories.hpp"

namespace zr::db {
namespace {

constexpr std::string_view kSelect =
    "SELECT key, failures, window_start, blocks, blocked_until, expires FROM login_throttle WHERE key = ?1";
constexpr std::string_view kUpsert =
    "INSERT OR REPLACE INTO login_throttle (key, failures, window_start, blocks, blocked_until, expires) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr std::string_view kDelete = "DELETE FROM login_throttle WHERE key = ?1";
// Uses ix_login_throttle_expires: costs nothing when no row has expired.
constexpr std::string_view kDeleteExpired = "DELETE FROM login_throttle WHERE expires <= ?1";
constexpr std::string_view kCount = "SELECT COUNT(*) FROM login_throttle";
constexpr std::string_view kCountBlocked = "SELECT COUNT(*) FROM login_throttle WHERE blocked_until > ?1";

TimePoint FromMillis(std::int64_t millis) { return TimePoint(std::chrono::milliseconds(millis)); }

}  // namespace

std::optional<ThrottleRow> LoginThrottleRepository::Find(std::string_view key) {
    auto stmt = conn_.Prepare(kSelect);
    stmt.Bind(1, key);
    if (!stmt.Step()) return std::nullopt;
    return ThrottleRow{stmt.Text(0),
                       static_cast<int>(stmt.Int(1)),
                       FromMillis(stmt.Int(2)),
                       static_cast<int>(stmt.Int(3)),
                       FromMillis(stmt.Int(4)),
                       FromMillis(stmt.Int(5))};
}

void LoginThrottleRepository::Put(const ThrottleRow& row) {
    conn_.Prepare(kUpsert)
        .Bind(1, row.key)
        .Bind(2, std::int64_t{row.failures})
        .Bind(3, UnixMillis(row.window_start))
        .Bind(4, std::int64_t{row.blocks})
        .Bind(5, UnixMillis(row.blocked_until))
        .Bind(6, UnixMillis(row.expires))
        .Run();
}

void LoginThrottleRepository::Delete(std::string_view key) { conn_.Prepare(kDelete).Bind(1, key).Run(); }

int LoginThrottleRepository::DeleteExpired(TimePoint now) {
    conn_.Prepare(kDeleteExpired).Bind(1, UnixMillis(now)).Run();
    return conn_.Changes();
}

std::int64_t LoginThrottleRepository::Count() {
    auto stmt = conn_.Prepare(kCount);
    stmt.Step();
    return stmt.Int(0);
}

std::int64_t LoginThrottleRepository::CountBlocked(TimePoint now) {
    auto stmt = conn_.Prepare(kCountBlocked);
    stmt.Bind(1, UnixMillis(now));
    stmt.Step();
    return stmt.Int(0);
}

}  // namespace zr::db
