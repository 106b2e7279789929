#pragma once
// queue_messages (migration 0004): the embedded queue back-end's storage. Times are Unix
// milliseconds. Same conventions as repositories.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/database.hpp"

namespace zr::db {

struct QueueMessageRow {
    std::int64_t id = 0;
    std::string queue;
    std::string body;
    int deliveries = 0;  // after the claim, this delivery included
};

class QueueRepository {
public:
    explicit QueueRepository(Connection& conn) : conn_(conn) {}
    std::int64_t Insert(std::string_view queue, std::string_view body, std::int64_t now_ms);
    // Atomically takes the oldest ready message of `queue` (lease_until NULL or <= now_ms): sets
    // lease_owner = lease, lease_until = now_ms + lease_ms, deliveries + 1. Call inside a
    // Transaction (BEGIN IMMEDIATE) or rely on the single UPDATE ... RETURNING.
    std::optional<QueueMessageRow> Claim(std::string_view queue, std::string_view lease, std::int64_t now_ms,
                                         std::int64_t lease_ms);
    // Each returns false when the row is gone or leased by someone else.
    bool Delete(std::int64_t id, std::string_view lease);
    bool Extend(std::int64_t id, std::string_view lease, std::int64_t until_ms);
    bool Release(std::int64_t id, std::string_view lease);
    std::size_t CountReady(std::string_view queue, std::int64_t now_ms);

private:
    Connection& conn_;
};

}  // namespace zr::db
