#include "db/database.hpp"

#include <mutex>

#include "db/migrations.hpp"

namespace zr::db {

struct Database::Pool {
    std::mutex mutex;
    std::vector<std::unique_ptr<Connection>> idle;  // guarded by mutex
    std::atomic<std::uint64_t> busy_waits{0};
    std::once_flag watch_once;
    std::unique_ptr<CommitWatch> watch;  // set once, under watch_once
};

ConnectionLease::ConnectionLease(Database& owner, std::unique_ptr<Connection> conn)
    : owner_(&owner), conn_(std::move(conn)) {}

ConnectionLease::~ConnectionLease() {
    if (conn_) owner_->Release(std::move(conn_));
}

ConnectionLease::ConnectionLease(ConnectionLease&& other) noexcept
    : owner_(other.owner_), conn_(std::move(other.conn_)) {}

Database::Database(std::filesystem::path path) : path_(std::move(path)), pool_(std::make_unique<Pool>()) {
    // Reserved so that Release never allocates (it runs in destructors).
    pool_->idle.reserve(kMaxIdleConnections);
    auto conn = std::make_unique<Connection>(path_, &pool_->busy_waits);
    detail::Migrate(*conn, path_);
    pool_->idle.push_back(std::move(conn));
}

Database::~Database() = default;

int Database::LatestSchemaVersion() {
    static const int latest = static_cast<int>(detail::EmbeddedMigrations().size());
    return latest;
}

ConnectionLease Database::Acquire() {
    {
        std::lock_guard lock(pool_->mutex);
        if (!pool_->idle.empty()) {
            auto conn = std::move(pool_->idle.back());
            pool_->idle.pop_back();
            return ConnectionLease(*this, std::move(conn));
        }
    }
    // Opening takes file-system work: done outside the lock.
    return ConnectionLease(*this, std::make_unique<Connection>(path_, &pool_->busy_waits));
}

void Database::Release(std::unique_ptr<Connection> conn) {
    // A connection somebody left inside a transaction would hold locks: close it instead.
    if (conn->InTransaction()) return;
    std::lock_guard lock(pool_->mutex);
    if (pool_->idle.size() < kMaxIdleConnections) pool_->idle.push_back(std::move(conn));
}

std::uint64_t Database::BusyWaits() const { return pool_->busy_waits.load(std::memory_order_relaxed); }

std::optional<CommitStamp> Database::LastCommit() {
    std::call_once(pool_->watch_once, [this] { pool_->watch = std::make_unique<CommitWatch>(path_); });
    return pool_->watch->Current();
}

int Database::SchemaVersion() {
    auto lease = Acquire();
    return detail::UserVersion(*lease);
}

}  // namespace zr::db
