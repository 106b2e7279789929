#pragma once
// Test helpers for code that posts to a webhook (notify::Mattermost): a minimal HTTP sink on
// loopback (one thread, one request per connection) and a capture of spdlog's default logger.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace zr::test_support {

struct SinkRequest {
    std::string method;
    std::string path;
    std::string headers;
    std::string body;
};

// Accepts connections on 127.0.0.1:<free port>, reads one request each and answers with the next
// status of `statuses` (the last one repeats); with `answer` false it reads and never answers.
class HttpSink {
public:
    explicit HttpSink(std::vector<int> statuses = {200}, bool answer = true)
        : statuses_(std::move(statuses)), answer_(answer) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof(addr);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd_, 16) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            throw std::runtime_error("sink socket failed");
        }
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { Loop(); });
    }
    ~HttpSink() {
        stop_ = true;
        thread_.join();
        for (int fd : open_) ::close(fd);
        ::close(fd_);
    }
    std::uint16_t port() const { return port_; }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::vector<SinkRequest> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    void Loop() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int client = ::accept(fd_, nullptr, nullptr);
            if (client < 0) continue;
            SinkRequest request;
            if (!ReadRequest(client, request)) {
                ::close(client);
                continue;
            }
            int status = 0;
            {
                std::lock_guard lock(mutex_);
                status = statuses_[std::min(requests_.size(), statuses_.size() - 1)];
                requests_.push_back(request);
            }
            if (!answer_) {
                open_.push_back(client);
                continue;
            }
            const std::string reply =
                "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
            (void)!::write(client, reply.data(), reply.size());
            ::close(client);
        }
    }
    bool ReadRequest(int client, SinkRequest& request) {
        std::string data;
        char buffer[4096];
        std::size_t header_end = std::string::npos;
        std::size_t length = 0;
        while (!stop_) {
            pollfd p{client, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const ssize_t n = ::read(client, buffer, sizeof(buffer));
            if (n <= 0) return false;
            data.append(buffer, static_cast<std::size_t>(n));
            if (header_end == std::string::npos) {
                header_end = data.find("\r\n\r\n");
                if (header_end == std::string::npos) continue;
                request.headers = data.substr(0, header_end);
                const std::size_t at = request.headers.find("Content-Length: ");
                if (at != std::string::npos) length = std::stoul(request.headers.substr(at + 16));
                const std::size_t space = request.headers.find(' ');
                request.method = request.headers.substr(0, space);
                request.path = request.headers.substr(space + 1, request.headers.find(' ', space + 1) - space - 1);
            }
            if (data.size() >= header_end + 4 + length) {
                request.body = data.substr(header_end + 4, length);
                return true;
            }
        }
        return false;
    }

    std::vector<int> statuses_;
    bool answer_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_ = false;
    std::mutex mutex_;
    std::vector<SinkRequest> requests_;
    std::vector<int> open_;
    std::thread thread_;
};

// Routes spdlog's default logger to a ring buffer for the test's lifetime.
class LogCapture {
public:
    LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64)) {
        previous_ = spdlog::default_logger();
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink_));
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }
    std::string Text() const {
        std::string all;
        for (const auto& line : sink_->last_formatted()) all += line;
        return all;
    }
    bool WaitFor(const std::string& needle, std::chrono::milliseconds timeout) const {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            if (Text().find(needle) != std::string::npos) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
    std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace zr::test_support
