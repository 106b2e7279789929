// messaging:send: puts a test message on a queue of the configured back-end (checks it works).
#include <unistd.h>

#include <memory>

#include "cli/commands.hpp"
#include "queue/message_queue.hpp"

namespace zr::cli {
namespace messaging_cmds {  // named, so the unity build keeps each file's helpers apart
namespace {

constexpr const char* kDescription =
    "Put a test message on a queue (eval_queue or update_queue) of the configured back-end "
    "(ZR_QUEUE_BACKEND) and print how many messages wait there";
constexpr const char* kFooter =
    "MESSAGE is sent as is when it is a JSON object, otherwise wrapped as\n"
    "{\"type\": \"message\", \"version\": 1, \"text\": MESSAGE}. Workers and the service log and\n"
    "acknowledge messages of a type they do not know, so a test message is consumed harmlessly\n"
    "once they run. RabbitMQ: gives up after 5 s if the broker cannot be reached (exit 1).";
constexpr auto kConnectTimeout = std::chrono::seconds(5);

struct Options {
    std::string queue;
    std::string message;
};

nlohmann::json MessageOf(const std::string& text) {
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (!parsed.is_discarded() && parsed.is_object()) return parsed;
    return {{"type", "message"}, {"version", 1}, {"text", text}};
}

std::string ConsumerName(const settings::Settings& settings) {
    return settings.hostname + ":" + std::to_string(getpid()) + ":cli";
}

int Send(const Options& options, Context& context) {
    if (options.queue != queue::kEvalQueue && options.queue != queue::kUpdateQueue) {
        throw CliError("unknown queue '" + options.queue + "' (eval_queue or update_queue)");
    }
    const auto& settings = context.settings();
    // Only the embedded back-end needs the data folder and database.
    db::Database* database = settings.queue_backend == "embedded" ? &context.services().database() : nullptr;
    auto queue = queue::Open(settings, database, ConsumerName(settings), kConnectTimeout);
    queue->Publish(options.queue, MessageOf(options.message));
    const std::size_t ready = queue->Ready(options.queue);
    context.out() << "sent to " << options.queue << " (" << settings.queue_backend << "); " << ready << " ready\n";
    return 0;
}

}  // namespace
}  // namespace messaging_cmds

void AddMessagingCommands(CommandSet& commands) {
    using namespace messaging_cmds;
    auto options = std::make_shared<Options>();
    auto& command = commands.Add("messaging", "send", kDescription,
                                 [options](Context& context) { return Send(*options, context); });
    command.add_option("QUEUE", options->queue, "eval_queue or update_queue")->required();
    command.add_option("MESSAGE", options->message, "A JSON object, or any text")->required();
    command.footer(kFooter);
}

}  // namespace zr::cli
