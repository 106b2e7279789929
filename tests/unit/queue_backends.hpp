#pragma once
// The two queue back-ends as typed-test parameters (queue_contract_test.cpp): each opens fresh,
// empty queues, can inject a raw body, and knows how to make a consumer lose its message.
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "db/database.hpp"
#include "db/queue_repository.hpp"
#include "queue/message_queue.hpp"
#include "rabbitmq_broker.hpp"
#include "stall_proxy.hpp"

namespace zr::queue {

class TempFolder {
public:
    TempFolder() {
        std::string pattern = (std::filesystem::temp_directory_path() / "zr_queue_test_XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempFolder() { std::filesystem::remove_all(path_); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Embedded: a fresh database per test; leases of 1 s so that expiry is quick to test.
class EmbeddedBackend {
public:
    static constexpr const char* kName = "embedded";
    EmbeddedBackend() : db_(std::make_unique<db::Database>(folder_.path() / "zr.db")) {
        settings_.queue_backend = "embedded";
        settings_.eval_lease = std::chrono::seconds(1);
    }
    std::unique_ptr<MessageQueue> Open(const std::string& consumer) {
        return queue::Open(settings_, db_.get(), consumer);
    }
    void InjectRaw(std::string_view queue, const std::string& body) {
        auto conn = db_->Acquire();
        db::QueueRepository(*conn).Insert(queue, body, 0);
    }
    // The consumer stays silent past its lease.
    void LoseOwnership(MessageQueue&) { std::this_thread::sleep_for(std::chrono::milliseconds(1300)); }
    // KeepAlive must be called this often to keep a message.
    std::chrono::milliseconds KeepAlivePeriod() const { return std::chrono::milliseconds(300); }
    std::chrono::milliseconds HoldFor() const { return std::chrono::milliseconds(2500); }
    db::Database& database() { return *db_; }

private:
    TempFolder folder_;
    std::unique_ptr<db::Database> db_;
    settings::Settings settings_;
};

// RabbitMQ: the binary's private broker behind a StallProxy, both queues purged; heartbeats of
// 1 s so that a silent consumer is dropped within a few seconds.
class RabbitMqBackend {
public:
    static constexpr const char* kName = "rabbitmq";
    RabbitMqBackend()
        : settings_(testing::RabbitMqBroker::Shared().Settings(std::chrono::seconds(1))),
          proxy_(std::make_unique<testing::StallProxy>(settings_.rpc_port)) {
        settings_.rpc_port = static_cast<std::uint16_t>(proxy_->port());
        Open("purge");  // declares both queues
        testing::RabbitMqBroker::Shared().Purge({std::string(kEvalQueue), std::string(kUpdateQueue)});
    }
    std::unique_ptr<MessageQueue> Open(const std::string& consumer) {
        return queue::Open(settings_, nullptr, consumer);
    }
    void InjectRaw(std::string_view queue, const std::string& body) {
        testing::RabbitMqBroker::Shared().PublishRaw(std::string(queue), body);
    }
    // The consumer's network stalls (its own heartbeats are serviced, but nothing gets through):
    // the broker drops it after missed heartbeats.
    void LoseOwnership(MessageQueue&) {
        proxy_->Stall();
        std::this_thread::sleep_for(std::chrono::milliseconds(4500));
        proxy_->Resume();
    }
    testing::StallProxy& proxy() { return *proxy_; }
    std::chrono::milliseconds KeepAlivePeriod() const { return std::chrono::milliseconds(300); }
    std::chrono::milliseconds HoldFor() const { return std::chrono::milliseconds(5000); }
    const settings::Settings& settings() const { return settings_; }

private:
    settings::Settings settings_;
    std::unique_ptr<testing::StallProxy> proxy_;
};

}  // namespace zr::queue
