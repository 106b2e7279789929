#pragma once
// A blocking raw HTTP/1.1 test client on one loopback connection (reads give up after 5 s), shared
// by the in-process server tests.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace zr::http::test_client {

struct RawResponse {
    int status = 0;
    std::string head;                            // status line and header lines, as received
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    bool Has(const std::string& name) const { return headers.count(name) != 0; }
};

// A blocking HTTP/1.1 client on one TCP connection; every read gives up after 5 s.
class Client {
public:
    explicit Client(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) throw std::runtime_error("socket");
        timeval timeout{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
            ::close(fd_);
            throw std::runtime_error("connect");
        }
    }
    ~Client() { ::close(fd_); }
    int fd() const { return fd_; }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    void Send(std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error("send failed");
            data.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    // Reads one response (a 100 Continue is a response too). Without a body when head is set.
    RawResponse Read(bool head = false) {
        std::size_t end;
        while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!Fill()) throw std::runtime_error("connection closed before a response header");
        }
        RawResponse r;
        r.head = buffer_.substr(0, end);
        const std::string& header = r.head;
        buffer_.erase(0, end + 4);
        std::size_t line_end = header.find("\r\n");
        const std::string status_line = header.substr(0, line_end);
        r.status = std::stoi(status_line.substr(9, 3));
        while (line_end != std::string::npos) {
            const std::size_t start = line_end + 2;
            line_end = header.find("\r\n", start);
            const std::string line = header.substr(start, line_end - start);
            const std::size_t colon = line.find(':');
            std::string name = line.substr(0, colon);
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            r.headers[name] = value;
        }
        if (head || r.status < 200) return r;
        const std::size_t length = r.Has("content-length") ? std::stoul(r.headers["content-length"]) : 0;
        while (buffer_.size() < length) {
            if (!Fill()) throw std::runtime_error("connection closed inside a body");
        }
        r.body = buffer_.substr(0, length);
        buffer_.erase(0, length);
        return r;
    }

    RawResponse Request(const std::string& data, bool head = false) {
        Send(data);
        return Read(head);
    }

    // True when the server closed the connection (EOF or reset) within the read timeout.
    bool Closed() {
        if (!buffer_.empty()) return false;
        char c;
        const ssize_t n = ::recv(fd_, &c, 1, 0);
        return n == 0 || (n < 0 && errno == ECONNRESET);
    }

    // True when data arrives within `wait`.
    bool Readable(std::chrono::milliseconds wait) {
        if (!buffer_.empty()) return true;
        timeval timeout{0, static_cast<suseconds_t>(wait.count() * 1000)};
        fd_set set;
        FD_ZERO(&set);
        FD_SET(fd_, &set);
        return ::select(fd_ + 1, &set, nullptr, nullptr, &timeout) > 0;
    }

private:
    bool Fill() {
        char chunk[16384];
        const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    int fd_ = -1;
    std::string buffer_;
};

}  // namespace zr::http::test_client
