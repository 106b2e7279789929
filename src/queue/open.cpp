#include "queue/embedded_queue.hpp"
#include "queue/message_queue.hpp"
#include "queue/rabbitmq_queue.hpp"

namespace zr::queue {

std::unique_ptr<MessageQueue> Open(const settings::Settings& settings, db::Database* db, std::string consumer) {
    return Open(settings, db, std::move(consumer), kConnectPatience);
}

std::unique_ptr<MessageQueue> Open(const settings::Settings& settings, db::Database* db, std::string consumer,
                                   std::chrono::milliseconds connect_timeout) {
    if (settings.queue_backend == "rabbitmq") {
        return std::make_unique<RabbitMqQueue>(settings, std::move(consumer), connect_timeout);
    }
    if (settings.queue_backend != "embedded") {
        throw QueueError("unknown queue back-end '" + settings.queue_backend + "' (embedded or rabbitmq)");
    }
    if (db == nullptr) throw QueueError("the embedded queue needs the service's database");
    return std::make_unique<EmbeddedQueue>(*db, std::move(consumer),
                                           std::chrono::duration_cast<std::chrono::milliseconds>(settings.eval_lease));
}

}  // namespace zr::queue
