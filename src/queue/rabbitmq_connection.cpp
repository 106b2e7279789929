#include "queue/rabbitmq_connection.hpp"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "queue/message_queue.hpp"

namespace zr::queue::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr amqp_channel_t kChannel = 1;
constexpr int kFrameMax = 131072;
constexpr timeval kConnectTimeout{3, 0};
constexpr auto kServiceWait = std::chrono::milliseconds(1);

// The watchdog of every AMQP call (see the header): one thread for the process, asleep while
// nothing is armed. A call whose deadline passes gets its socket shut down (shutdown(2): the
// descriptor stays open and owned by librabbitmq), which wakes any poll() on it with an error.
class Watchdog {
public:
    static Watchdog& Instance() {
        // Never destroyed: its detached thread may still wait when the process's statics go.
        static Watchdog* const instance = new Watchdog();
        return *instance;
    }

    std::uint64_t Arm(int fd, SteadyClock::time_point deadline) {
        std::lock_guard lock(mutex_);
        if (!started_) {
            std::thread([this] { Loop(); }).detach();
            started_ = true;
        }
        const std::uint64_t id = ++last_id_;
        armed_.emplace(id, Entry{fd, deadline, false});
        wake_.notify_one();
        return id;
    }

    // Whether the deadline passed (the socket was shut down).
    bool Fired(std::uint64_t id) {
        std::lock_guard lock(mutex_);
        const auto it = armed_.find(id);
        return it != armed_.end() && it->second.fired;
    }

    void Disarm(std::uint64_t id) {
        std::lock_guard lock(mutex_);
        armed_.erase(id);
    }

private:
    struct Entry {
        int fd;
        SteadyClock::time_point deadline;
        bool fired;
    };

    void Loop() {
        std::unique_lock lock(mutex_);
        for (;;) {
            auto next = SteadyClock::time_point::max();
            const auto now = SteadyClock::now();
            for (auto& [id, entry] : armed_) {
                if (entry.fired) continue;
                if (entry.deadline <= now) {
                    ::shutdown(entry.fd, SHUT_RDWR);
                    entry.fired = true;
                } else {
                    next = std::min(next, entry.deadline);
                }
            }
            if (next == SteadyClock::time_point::max()) {
                wake_.wait(lock);
            } else {
                wake_.wait_until(lock, next);
            }
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::map<std::uint64_t, Entry> armed_;
    std::uint64_t last_id_ = 0;
    bool started_ = false;
};

// The kernel gives up on a peer that stops acknowledging (TCP_USER_TIMEOUT) or answering
// keepalive probes after about twice the heartbeat. Best effort: a refused option changes nothing.
void TuneSocket(int fd, std::chrono::seconds heartbeat) {
    const int seconds = static_cast<int>(std::clamp<std::int64_t>(heartbeat.count(), 1, 3600));
    const int on = 1;
    const int interval = std::max(1, seconds / 2);
    const int probes = 2;
    const unsigned user_timeout_ms = static_cast<unsigned>(seconds) * 2000u;
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &seconds, sizeof seconds);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
    ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof user_timeout_ms);
}

amqp_bytes_t Bytes(std::string_view text) { return amqp_bytes_t{text.size(), const_cast<char*>(text.data())}; }

std::string Text(amqp_bytes_t bytes) { return std::string(static_cast<const char*>(bytes.bytes), bytes.len); }

timeval ToTimeval(std::chrono::milliseconds timeout) {
    if (timeout.count() < 0) timeout = std::chrono::milliseconds(0);
    return timeval{static_cast<time_t>(timeout.count() / 1000),
                   static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
}

std::optional<std::int64_t> IntegerField(const amqp_field_value_t& value) {
    switch (value.kind) {
        case AMQP_FIELD_KIND_I8:
            return value.value.i8;
        case AMQP_FIELD_KIND_U8:
            return value.value.u8;
        case AMQP_FIELD_KIND_I16:
            return value.value.i16;
        case AMQP_FIELD_KIND_U16:
            return value.value.u16;
        case AMQP_FIELD_KIND_I32:
            return value.value.i32;
        case AMQP_FIELD_KIND_U32:
            return value.value.u32;
        case AMQP_FIELD_KIND_I64:
            return value.value.i64;
        case AMQP_FIELD_KIND_U64:
            return static_cast<std::int64_t>(value.value.u64);
        default:
            return std::nullopt;
    }
}

// x-delivery-count (set by quorum queues on redeliveries) + 1.
unsigned Attempts(const amqp_basic_properties_t& properties) {
    if ((properties._flags & AMQP_BASIC_HEADERS_FLAG) == 0) return 1;
    for (int i = 0; i < properties.headers.num_entries; ++i) {
        const auto& entry = properties.headers.entries[i];
        if (Text(entry.key) != "x-delivery-count") continue;
        const auto count = IntegerField(entry.value);
        if (count && *count >= 0) return static_cast<unsigned>(*count + 1);
    }
    return 1;
}

std::string CloseReason(const amqp_method_t& method) {
    if (method.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* close = static_cast<const amqp_connection_close_t*>(method.decoded);
        return "connection closed by the broker: " + std::to_string(close->reply_code) + " " + Text(close->reply_text);
    }
    if (method.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* close = static_cast<const amqp_channel_close_t*>(method.decoded);
        return "channel closed by the broker: " + std::to_string(close->reply_code) + " " + Text(close->reply_text);
    }
    return "unexpected AMQP method " + std::to_string(method.id);
}

std::string Describe(const amqp_rpc_reply_t& reply) {
    switch (reply.reply_type) {
        case AMQP_RESPONSE_NORMAL:
            return "ok";
        case AMQP_RESPONSE_NONE:
            return "no reply";
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return amqp_error_string2(reply.library_error);
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            return CloseReason(reply.reply);
    }
    return "unknown reply";
}

}  // namespace

void AmqpConnection::StateDeleter::operator()(amqp_connection_state_t_* state) const { amqp_destroy_connection(state); }

class AmqpConnection::CallDeadline {
public:
    CallDeadline(AmqpConnection& connection, std::chrono::milliseconds limit)
        : connection_(connection), limit_(limit), previous_(connection.deadline_) {
        const int fd = connection.Socket();
        if (fd >= 0) id_ = Watchdog::Instance().Arm(fd, SteadyClock::now() + limit);
        connection.deadline_ = this;
    }
    ~CallDeadline() {
        connection_.deadline_ = previous_;
        if (id_ == 0) return;
        if (Watchdog::Instance().Fired(id_)) connection_.broken_ = true;
        Watchdog::Instance().Disarm(id_);
    }
    CallDeadline(const CallDeadline&) = delete;
    CallDeadline& operator=(const CallDeadline&) = delete;

    bool Fired() const { return id_ != 0 && Watchdog::Instance().Fired(id_); }
    std::chrono::milliseconds limit() const { return limit_; }

private:
    AmqpConnection& connection_;
    std::chrono::milliseconds limit_;
    CallDeadline* previous_;
    std::uint64_t id_ = 0;
};

int AmqpConnection::Socket() const { return amqp_get_sockfd(state_.get()); }

AmqpConnection::AmqpConnection(const settings::Settings& settings) : state_(amqp_new_connection()) {
    if (!state_) throw AmqpFailure("cannot allocate an AMQP connection");
    Open(settings);
}

AmqpConnection::~AmqpConnection() {
    if (broken_) return;
    CallDeadline deadline(*this, kCloseDeadline);  // a broker that does not answer must not hold us long
    const timeval close_timeout = ToTimeval(kCloseDeadline);
    amqp_set_rpc_timeout(state_.get(), &close_timeout);
    // Polite close: the broker requeues unacknowledged deliveries either way.
    amqp_channel_close(state_.get(), kChannel, AMQP_REPLY_SUCCESS);
    amqp_connection_close(state_.get(), AMQP_REPLY_SUCCESS);
}

void AmqpConnection::Fail(const std::string& what) {
    broken_ = true;
    if (deadline_ != nullptr && deadline_->Fired()) {
        throw AmqpFailure(what + " (no answer within " + std::to_string(deadline_->limit().count()) +
                          " ms: the connection was cut)");
    }
    throw AmqpFailure(what);
}

void AmqpConnection::CheckReply(const char* operation) {
    const auto reply = amqp_get_rpc_reply(state_.get());
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) Fail(std::string(operation) + ": " + Describe(reply));
}

void AmqpConnection::Open(const settings::Settings& settings) {
    amqp_socket_t* socket = amqp_tcp_socket_new(state_.get());  // owned by the connection
    if (socket == nullptr) Fail("cannot create a TCP socket");
    const std::string where = settings.rpc_host + ":" + std::to_string(settings.rpc_port);
    const int status = amqp_socket_open_noblock(socket, settings.rpc_host.c_str(), settings.rpc_port, &kConnectTimeout);
    if (status != AMQP_STATUS_OK) Fail("cannot connect to " + where + ": " + amqp_error_string2(status));
    TuneSocket(Socket(), settings.rpc_heartbeat);
    CallDeadline deadline(*this, kOpenDeadline);
    const timeval open_timeout = ToTimeval(kOpenDeadline);
    const timeval rpc_timeout = ToTimeval(kCallDeadline);
    amqp_set_handshake_timeout(state_.get(), &open_timeout);
    amqp_set_rpc_timeout(state_.get(), &rpc_timeout);
    const auto login = amqp_login(state_.get(), settings.rpc_vhost.c_str(), 0, kFrameMax,
                                  static_cast<int>(settings.rpc_heartbeat.count()), AMQP_SASL_METHOD_PLAIN,
                                  settings.rpc_username.c_str(), settings.rpc_password.c_str());
    if (login.reply_type != AMQP_RESPONSE_NORMAL) {
        Fail("login to " + where + " (vhost '" + settings.rpc_vhost + "', user '" + settings.rpc_username +
             "') failed: " + Describe(login));
    }
    amqp_channel_open(state_.get(), kChannel);
    CheckReply("channel.open");
    amqp_confirm_select(state_.get(), kChannel);
    CheckReply("confirm.select");
    DeclareQueue(kEvalQueue);
    DeclareQueue(kUpdateQueue);
    amqp_basic_qos(state_.get(), kChannel, 0, 1, 0);
    CheckReply("basic.qos");
}

void AmqpConnection::DeclareQueue(std::string_view name) {
    amqp_table_entry_t type;
    type.key = amqp_cstring_bytes("x-queue-type");
    type.value.kind = AMQP_FIELD_KIND_UTF8;
    type.value.value.bytes = amqp_cstring_bytes("quorum");
    const amqp_table_t arguments{1, &type};
    amqp_queue_declare(state_.get(), kChannel, Bytes(name), /*passive=*/0, /*durable=*/1, /*exclusive=*/0,
                       /*auto_delete=*/0, arguments);
    CheckReply(("declaring " + std::string(name)).c_str());
}

bool AmqpConnection::WaitFrame(amqp_frame_t& frame, std::chrono::milliseconds timeout) {
    timeval wait = ToTimeval(timeout);
    const int status = amqp_simple_wait_frame_noblock(state_.get(), &frame, &wait);
    if (status == AMQP_STATUS_TIMEOUT) return false;
    if (status != AMQP_STATUS_OK) Fail(std::string("connection lost: ") + amqp_error_string2(status));
    return true;
}

void AmqpConnection::ReadDelivery(const amqp_frame_t& frame) {
    const auto* deliver = static_cast<const amqp_basic_deliver_t*>(frame.payload.method.decoded);
    AmqpMessage message;
    message.tag = deliver->delivery_tag;
    amqp_message_t content;
    const auto reply = amqp_read_message(state_.get(), frame.channel, &content, 0);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) Fail("reading a delivery: " + Describe(reply));
    message.body = Text(content.body);
    message.attempts = Attempts(content.properties);
    amqp_destroy_message(&content);
    pending_.push_back(std::move(message));
}

void AmqpConnection::HandleFrame(const amqp_frame_t& frame) {
    if (frame.frame_type != AMQP_FRAME_METHOD) return;
    const amqp_method_t& method = frame.payload.method;
    switch (method.id) {
        case AMQP_BASIC_DELIVER_METHOD:
            ReadDelivery(frame);
            return;
        case AMQP_BASIC_ACK_METHOD:
        case AMQP_BASIC_NACK_METHOD: {
            // Both structs start with delivery_tag, multiple.
            const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
            const bool covers =
                ack->delivery_tag == awaited_seq_ || (ack->multiple && ack->delivery_tag >= awaited_seq_);
            if (awaited_seq_ != 0 && covers) confirm_ = method.id == AMQP_BASIC_ACK_METHOD;
            return;
        }
        case AMQP_BASIC_RETURN_METHOD: {
            amqp_message_t content;
            const auto reply = amqp_read_message(state_.get(), frame.channel, &content, 0);
            if (reply.reply_type != AMQP_RESPONSE_NORMAL) Fail("reading a returned message: " + Describe(reply));
            amqp_destroy_message(&content);
            returned_ = true;
            return;
        }
        case AMQP_CHANNEL_CLOSE_METHOD: {
            amqp_channel_close_ok_t ok{};
            amqp_send_method(state_.get(), frame.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
            Fail(CloseReason(method));
        }
        case AMQP_CONNECTION_CLOSE_METHOD: {
            amqp_connection_close_ok_t ok{};
            amqp_send_method(state_.get(), 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
            Fail(CloseReason(method));
        }
        case AMQP_BASIC_CANCEL_METHOD:
            Fail("the broker cancelled our consumer (queue deleted?)");
        default:
            return;
    }
}

std::uint64_t AmqpConnection::BasicPublish(std::string_view queue, std::string_view body, bool mandatory) {
    amqp_basic_properties_t properties{};
    properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    properties.content_type = amqp_cstring_bytes("application/json");
    properties.delivery_mode = 2;  // persistent
    // In confirm mode the broker numbers every publish of the channel, in order.
    const std::uint64_t seq = next_publish_seq_++;
    const int status = amqp_basic_publish(state_.get(), kChannel, amqp_empty_bytes, Bytes(queue), mandatory ? 1 : 0,
                                          /*immediate=*/0, &properties, Bytes(body));
    if (status != AMQP_STATUS_OK) Fail(std::string("publishing: ") + amqp_error_string2(status));
    return seq;
}

void AmqpConnection::Send(std::string_view queue, std::string_view body) {
    CallDeadline call(*this, kQuickDeadline);
    BasicPublish(queue, body, /*mandatory=*/false);
    amqp_maybe_release_buffers(state_.get());
}

bool AmqpConnection::Publish(std::string_view queue, std::string_view body, std::chrono::milliseconds confirm_timeout) {
    // The confirm wait below has its own limit; the watchdog covers the send.
    CallDeadline call(*this, std::min(confirm_timeout, kCallDeadline) + kQuickDeadline);
    confirm_.reset();
    returned_ = false;
    awaited_seq_ = BasicPublish(queue, body, /*mandatory=*/true);
    const auto deadline = std::chrono::steady_clock::now() + confirm_timeout;
    while (!confirm_) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        amqp_frame_t frame;
        if (left.count() <= 0 || !WaitFrame(frame, left)) Fail("no publisher confirm from the broker in time");
        HandleFrame(frame);
    }
    if (returned_) Fail("the broker could not route the message to " + std::string(queue));
    amqp_maybe_release_buffers(state_.get());
    return *confirm_;
}

void AmqpConnection::Consume(std::string_view queue, std::string_view consumer_tag) {
    CallDeadline deadline(*this, kCallDeadline);
    amqp_basic_consume(state_.get(), kChannel, Bytes(queue), Bytes(consumer_tag), /*no_local=*/0, /*no_ack=*/0,
                       /*exclusive=*/0, amqp_empty_table);
    CheckReply("basic.consume");
}

std::optional<AmqpMessage> AmqpConnection::Next(std::chrono::milliseconds wait) {
    CallDeadline call(*this, std::max(wait, std::chrono::milliseconds(0)) + kQuickDeadline);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (pending_.empty()) {
        amqp_maybe_release_buffers(state_.get());
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        timeval timeout = ToTimeval(left);
        amqp_envelope_t envelope;
        const auto reply = amqp_consume_message(state_.get(), &envelope, &timeout, 0);
        if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
            AmqpMessage message{envelope.delivery_tag, Text(envelope.message.body),
                                Attempts(envelope.message.properties)};
            amqp_destroy_envelope(&envelope);
            return message;
        }
        if (reply.reply_type != AMQP_RESPONSE_LIBRARY_EXCEPTION) Fail("consuming: " + Describe(reply));
        if (reply.library_error == AMQP_STATUS_TIMEOUT) return std::nullopt;
        if (reply.library_error != AMQP_STATUS_UNEXPECTED_STATE) Fail("consuming: " + Describe(reply));
        // Something else than a delivery arrived (a close, a late confirm): it is put back for us.
        amqp_frame_t frame;
        if (!WaitFrame(frame, std::chrono::milliseconds(0))) continue;
        HandleFrame(frame);
    }
    AmqpMessage message = std::move(pending_.front());
    pending_.pop_front();
    return message;
}

void AmqpConnection::Ack(std::uint64_t tag) {
    CallDeadline deadline(*this, kQuickDeadline);
    const int status = amqp_basic_ack(state_.get(), kChannel, tag, 0);
    if (status != AMQP_STATUS_OK) Fail(std::string("basic.ack: ") + amqp_error_string2(status));
}

void AmqpConnection::Requeue(std::uint64_t tag) {
    CallDeadline deadline(*this, kQuickDeadline);
    const int status = amqp_basic_nack(state_.get(), kChannel, tag, /*multiple=*/0, /*requeue=*/1);
    if (status != AMQP_STATUS_OK) Fail(std::string("basic.nack: ") + amqp_error_string2(status));
}

void AmqpConnection::Service() {
    // Waiting (even 1 ms) lets librabbitmq send a heartbeat that is due and notice missed ones.
    CallDeadline deadline(*this, kQuickDeadline);
    amqp_frame_t frame;
    while (WaitFrame(frame, kServiceWait)) HandleFrame(frame);
    amqp_maybe_release_buffers(state_.get());
}

std::size_t AmqpConnection::Ready(std::string_view queue) {
    CallDeadline deadline(*this, kCallDeadline);
    auto* ok = amqp_queue_declare(state_.get(), kChannel, Bytes(queue), /*passive=*/1, 0, 0, 0, amqp_empty_table);
    CheckReply("counting messages");
    const std::size_t count = ok->message_count;
    amqp_maybe_release_buffers(state_.get());
    return count;
}

}  // namespace zr::queue::detail
