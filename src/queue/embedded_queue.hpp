#pragma once
// Internal to zr_queue: the embedded back-end over the queue_messages table (message_queue.hpp).
//
// Each operation is one short write transaction (db::QueueRepository). Receive waits on a
// process-wide signal per (database file, queue) that Publish and Release raise, so consumers in
// the same process wake at once; messages from other processes and expired leases are seen by
// polling, every 5 ms at first, backing off to 200 ms.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "queue/message_queue.hpp"

namespace zr::queue {

class EmbeddedQueue final : public MessageQueue {
public:
    // `db` must outlive the queue. `lease`: how long a received message stays ours without KeepAlive.
    EmbeddedQueue(db::Database& db, std::string consumer, std::chrono::milliseconds lease);
    ~EmbeddedQueue() override;

    void Publish(std::string_view queue, const nlohmann::json& message) override;
    std::optional<Delivery> Receive(std::string_view queue, std::chrono::milliseconds wait) override;
    bool Ack(const Delivery& delivery) override;
    void Release(const Delivery& delivery) override;
    bool KeepAlive(const Delivery& delivery) override;
    std::size_t Ready(std::string_view queue) override;

    struct Signal;

private:
    std::optional<Delivery> TryClaim(std::string_view queue);
    std::string NewLeaseToken();
    Signal& SignalOf(std::string_view queue);

    db::Database& db_;
    std::string db_key_;  // the database file's canonical path
    std::string consumer_;
    std::chrono::milliseconds lease_;
    std::mt19937_64 random_;
    std::map<std::string, std::shared_ptr<Signal>, std::less<>> signals_;  // by queue
};

}  // namespace zr::queue
