#pragma once
// Outgoing e-mail.
//
// Mailer::Send delivers one message synchronously (SMTP through libcurl; STARTTLS with MAIL_TLS,
// implicit TLS with MAIL_SSL) and throws MailError on failure. MailQueue sends from a background
// thread so that no request waits on SMTP: Enqueue never blocks on the network and never throws
// for delivery problems; failures are logged (recipient, subject, reason) and the message dropped
// after a few retries.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

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
// logs the message.
class SmtpMailer : public Mailer {
public:
    explicit SmtpMailer(settings::MailSettings settings);
    void Send(const Message& message) override;

private:
    settings::MailSettings settings_;
};

// A background sender. Thread-safe. The destructor sends what is queued (bounded wait) and joins.
class MailQueue {
public:
    explicit MailQueue(Mailer& mailer);
    ~MailQueue();
    void Enqueue(Message message);
    // Blocks until the queue is empty (for the CLI, which exits right after).
    void Flush();

private:
    void Loop();
    Mailer& mailer_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Message> queue_;
    bool busy_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace zr::mail
