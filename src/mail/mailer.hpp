#pragma once
// Outgoing e-mail.
//
// Mailer::Send delivers one message synchronously (SMTP through libcurl; STARTTLS with MAIL_TLS,
// implicit TLS with MAIL_SSL) and throws MailError on failure. MailQueue sends from a background
// thread so that no request waits on SMTP: Enqueue never blocks on the network and never throws
// for delivery problems; failures are logged (recipient, subject, reason) and the message dropped
// after a few retries.
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/delivery_counters.hpp"
#include "common/work_queue.hpp"
#include "settings/settings.hpp"

namespace zr::mail {

class MailError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Message {
    std::string to;
    std::string subject;
    std::string text_body;  // text/plain part
    std::string html_body;  // optional text/html part (multipart/alternative when set)
};

class Mailer {
public:
    virtual ~Mailer() = default;
    virtual void Send(const Message& message) = 0;
};

// SMTP through libcurl. Thread-safe (one curl handle per call). With an empty MAIL_SERVER it only
// logs the message. Send throws MailError (curl's reason, never the password) when the server
// refuses or cannot be reached (connect timeout 10 s, whole transfer 60 s), or when the recipient
// is not a plain address.
class SmtpMailer : public Mailer {
public:
    explicit SmtpMailer(settings::MailSettings settings);
    void Send(const Message& message) override;

private:
    settings::MailSettings settings_;
};

// A background sender (a WorkQueue). Thread-safe. `mailer` must outlive the queue.
//
// A message whose send throws is retried once after each of `retry_delays` (default 1 s then 5 s,
// i.e. three attempts), then logged at error level (recipient, subject, reason) and dropped.
// The destructor keeps sending what is queued for at most `drain_timeout`, then drops the rest
// (logged) and joins; a send already in progress is not interrupted (curl's own timeouts bound it).
class MailQueue {
public:
    static std::vector<std::chrono::milliseconds> DefaultRetryDelays();

    explicit MailQueue(Mailer& mailer, std::vector<std::chrono::milliseconds> retry_delays = DefaultRetryDelays(),
                       std::chrono::milliseconds drain_timeout = std::chrono::seconds(10));
    ~MailQueue();
    MailQueue(const MailQueue&) = delete;
    MailQueue& operator=(const MailQueue&) = delete;

    // Queues a message; never blocks on the network and never throws for delivery problems.
    void Enqueue(Message message);
    // Blocks until the queue is empty and no send is in progress (for the CLI, which exits right
    // after). Bounded by the retries of the messages queued.
    void Flush();
    // Messages sent, failed attempts, messages dropped (after the retries or at shutdown).
    DeliveryCounts counts() const { return counters_.Read(); }

private:
    void SendWithRetries(const Message& message);
    Mailer& mailer_;
    DeliveryCounters counters_;
    const std::vector<std::chrono::milliseconds> retry_delays_;
    const std::chrono::milliseconds drain_timeout_;
    WorkQueue<Message> queue_;  // last: its thread uses the members above
};

}  // namespace zr::mail
