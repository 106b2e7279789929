// SmtpMailer and MailQueue against a real SMTP server on loopback (tests/e2e/smtp_sink.py,
// Debian's python3-aiosmtpd), which stores each message and how Python's e-mail parser reads it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "mail/mailer.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using zr::mail::MailError;
using zr::mail::MailQueue;
using zr::mail::Message;
using zr::mail::SmtpMailer;

std::string ReadAll(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string WithoutCr(std::string text) {
    std::erase(text, '\r');
    return text;
}

class SmtpSink {
public:
    SmtpSink() {
        dir_ = std::filesystem::temp_directory_path() /
               ("zr_smtp_sink_" + std::to_string(::getpid()) + "_" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        std::filesystem::create_directories(dir_);
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
        const std::string script = std::string(ZR_SOURCE_DIR) + "/tests/e2e/smtp_sink.py";
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(fds[1], STDOUT_FILENO);
            ::close(fds[0]);
            ::close(fds[1]);
            ::execl("/usr/bin/python3", "python3", script.c_str(), "--host", "127.0.0.1", "--port", "0", "--dir",
                    dir_.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(fds[1]);
        out_fd_ = fds[0];
        port_ = WaitReady();
    }
    ~SmtpSink() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
        if (out_fd_ >= 0) ::close(out_fd_);
        std::filesystem::remove_all(dir_);
    }
    std::uint16_t port() const { return port_; }
    std::size_t Count() const {
        std::size_t n = 0;
        while (std::filesystem::exists(dir_ / (std::to_string(n + 1) + ".eml"))) ++n;
        return n;
    }
    std::string Raw(int n) const { return ReadAll(dir_ / (std::to_string(n) + ".eml")); }
    json Parsed(int n) const { return json::parse(ReadAll(dir_ / (std::to_string(n) + ".json"))); }

private:
    std::uint16_t WaitReady() {
        std::string line;
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (line.find('\n') == std::string::npos) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            pollfd pfd{out_fd_, POLLIN, 0};
            if (left <= 0ms || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
                throw std::runtime_error("SMTP sink did not start");
            }
            char buffer[256];
            const ssize_t n = ::read(out_fd_, buffer, sizeof buffer);
            if (n <= 0) throw std::runtime_error("SMTP sink exited: " + line);
            line.append(buffer, static_cast<std::size_t>(n));
        }
        std::smatch match;
        if (!std::regex_search(line, match, std::regex(R"(READY (\d+))"))) {
            throw std::runtime_error("unexpected SMTP sink output: " + line);
        }
        return static_cast<std::uint16_t>(std::stoi(match[1]));
    }

    std::filesystem::path dir_;
    pid_t pid_ = -1;
    int out_fd_ = -1;
    std::uint16_t port_ = 0;
};

// A loopback port nobody listens on (bound then released).
std::uint16_t ClosedPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

zr::settings::MailSettings Settings(std::uint16_t port) {
    zr::settings::MailSettings settings;
    settings.server = "127.0.0.1";
    settings.port = port;
    settings.from = "noreply@zerospeech.com";
    settings.from_name = "Zerospeech Challenge";
    return settings;
}

const std::string kLink = "http://127.0.0.1:8000/page/email-verify?v=Ab-_9xYz&username=bob";

Message Verification() {
    return {"bob@example.org", "Vérifiez votre compte ✓ — Zerospeech",
            "Hello Bob,\n\nOpen this link:\n\n" + kLink + "\n\n.a line starting with a dot\n",
            "<p>Hello Bob, <a href=\"" + kLink + "\">verify</a> — merci</p>\n"};
}

TEST(MailSmtp, DeliversAWellFormedMultipartMessage) {
    SmtpSink sink;
    const Message message = Verification();
    SmtpMailer(Settings(sink.port())).Send(message);
    ASSERT_EQ(sink.Count(), 1u);
    const json parsed = sink.Parsed(1);
    ASSERT_FALSE(parsed.contains("parse_error")) << parsed.dump();
    EXPECT_EQ(parsed["mail_from"], "noreply@zerospeech.com");
    EXPECT_EQ(parsed["rcpt_tos"], json::array({"bob@example.org"}));
    EXPECT_EQ(parsed["headers"]["from"], "Zerospeech Challenge <noreply@zerospeech.com>");
    EXPECT_EQ(parsed["headers"]["to"], "bob@example.org");
    EXPECT_EQ(parsed["headers"]["subject"], message.subject);
    EXPECT_TRUE(parsed["headers"].contains("date"));
    EXPECT_TRUE(parsed["headers"].contains("message-id"));
    EXPECT_EQ(parsed["headers"]["mime-version"], "1.0");
    EXPECT_EQ(parsed["content_type"], "multipart/alternative");
    EXPECT_EQ(parsed["defects"], json::array());
    ASSERT_EQ(parsed["parts"].size(), 2u);
    EXPECT_EQ(parsed["parts"][0]["content_type"], "text/plain");
    EXPECT_EQ(parsed["parts"][0]["charset"], "utf-8");
    EXPECT_EQ(WithoutCr(parsed["parts"][0]["content"]), message.text_body) << sink.Raw(1);
    EXPECT_EQ(parsed["parts"][1]["content_type"], "text/html");
    EXPECT_EQ(WithoutCr(parsed["parts"][1]["content"]), message.html_body);

    // The link can be taken from the raw message as it arrived, and the leading dot survived.
    const std::string raw = sink.Raw(1);
    std::smatch match;
    ASSERT_TRUE(std::regex_search(raw, match, std::regex(R"(https?://\S+)")));
    EXPECT_EQ(match.str(), kLink);
    EXPECT_NE(raw.find("\r\n.a line starting with a dot\r\n"), std::string::npos);
}

TEST(MailSmtp, NonAsciiSenderNameAndLongLines) {
    SmtpSink sink;
    auto settings = Settings(sink.port());
    settings.from_name = "Défi Zerospeech";
    const std::string long_html = "<p>" + std::string(5000, 'w') + " é</p>";
    SmtpMailer(settings).Send({"carol@example.org", "plain subject", "text only", long_html});
    ASSERT_EQ(sink.Count(), 1u);
    const json parsed = sink.Parsed(1);
    EXPECT_EQ(parsed["headers"]["from"], "Défi Zerospeech <noreply@zerospeech.com>");
    EXPECT_EQ(parsed["headers"]["subject"], "plain subject");
    EXPECT_EQ(WithoutCr(parsed["parts"][1]["content"]), long_html + "\n");
    std::istringstream lines(sink.Raw(1));
    for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 999u);
}

TEST(MailSmtp, EmptyServerOnlyLogs) {
    SmtpSink sink;
    auto settings = Settings(sink.port());
    settings.server.clear();
    EXPECT_NO_THROW(SmtpMailer(settings).Send(Verification()));
    EXPECT_EQ(sink.Count(), 0u);
}

TEST(MailSmtp, UnreachableServerThrowsWithoutThePassword) {
    auto settings = Settings(ClosedPort());
    settings.username = "mailer";
    settings.password = "s3cret-Pa55";
    try {
        SmtpMailer(settings).Send(Verification());
        FAIL() << "no error";
    } catch (const MailError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("bob@example.org"), std::string::npos) << what;
        EXPECT_EQ(what.find("s3cret"), std::string::npos) << what;
    }
}

TEST(MailSmtp, StartTlsRequiredButNotOfferedFails) {
    SmtpSink sink;
    auto settings = Settings(sink.port());
    settings.tls = true;
    EXPECT_THROW(SmtpMailer(settings).Send(Verification()), MailError);
    EXPECT_EQ(sink.Count(), 0u);
}

TEST(MailSmtp, QueueDeliversEveryMessage) {
    SmtpSink sink;
    SmtpMailer mailer(Settings(sink.port()));
    MailQueue queue(mailer);
    for (int i = 1; i <= 3; ++i) {
        queue.Enqueue({"user" + std::to_string(i) + "@example.org", "n" + std::to_string(i), "body", "<p>body</p>"});
    }
    queue.Flush();
    ASSERT_EQ(sink.Count(), 3u);
    std::set<std::string> recipients;
    for (int i = 1; i <= 3; ++i) recipients.insert(sink.Parsed(i)["headers"]["to"]);
    EXPECT_EQ(recipients, (std::set<std::string>{"user1@example.org", "user2@example.org", "user3@example.org"}));
}

TEST(MailSmtp, QueueSurvivesAClosedPort) {
    SmtpMailer mailer(Settings(ClosedPort()));
    MailQueue queue(mailer, {10ms, 10ms});
    const auto start = std::chrono::steady_clock::now();
    EXPECT_NO_THROW(queue.Enqueue(Verification()));
    EXPECT_NO_THROW(queue.Enqueue(Verification()));
    queue.Flush();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

}  // namespace
