#pragma once
// Test helper (header only): a TCP proxy on 127.0.0.1 in front of `upstream_port` that can stall
// the traffic (stop forwarding while both sockets stay open, as a network that drops packets
// would look from either end) and resume it. Connections made while stalled are accepted and
// stalled too. One thread accepts; one thread per connection pumps both ways.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace zr::testing {

class StallProxy {
public:
    explicit StallProxy(int upstream_port) : upstream_port_(upstream_port) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address = Loopback(0);
        const int on = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listener_, 16) != 0) {
            throw std::runtime_error("stall proxy: cannot listen");
        }
        socklen_t length = sizeof address;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        acceptor_ = std::thread([this] { Accept(); });
    }

    ~StallProxy() {
        stopping_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        acceptor_.join();
        ::close(listener_);
        std::lock_guard lock(mutex_);
        for (auto& pump : pumps_) pump.join();
    }

    StallProxy(const StallProxy&) = delete;
    StallProxy& operator=(const StallProxy&) = delete;

    int port() const { return port_; }
    void Stall() { stalled_ = true; }
    void Resume() { stalled_ = false; }
    // Connections accepted so far.
    int accepted() const { return accepted_; }

private:
    static sockaddr_in Loopback(int port) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return address;
    }

    void Accept() {
        while (!stopping_) {
            pollfd wait{listener_, POLLIN, 0};
            if (::poll(&wait, 1, 100) <= 0) continue;
            const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in address = Loopback(upstream_port_);
            if (::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
                ::close(server);
                ::close(client);
                continue;
            }
            ++accepted_;
            std::lock_guard lock(mutex_);
            pumps_.emplace_back([this, client, server] { Pump(client, server); });
        }
    }

    // Forwards both ways until either side closes or the proxy stops; reads nothing while stalled.
    void Pump(int client, int server) {
        char buffer[16384];
        bool open = true;
        while (open && !stopping_) {
            if (stalled_) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                continue;
            }
            pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
            if (::poll(fds, 2, 50) <= 0) continue;
            for (int i = 0; i < 2 && open && !stalled_; ++i) {
                if (fds[i].revents == 0) continue;
                const ssize_t got = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
                if (got <= 0) {
                    open = false;
                    break;
                }
                const int to = i == 0 ? server : client;
                for (ssize_t sent = 0; sent < got;) {
                    const ssize_t n = ::send(to, buffer + sent, static_cast<std::size_t>(got - sent), MSG_NOSIGNAL);
                    if (n <= 0) {
                        open = false;
                        break;
                    }
                    sent += n;
                }
            }
        }
        ::close(client);
        ::close(server);
    }

    int upstream_port_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stalled_{false};
    std::atomic<bool> stopping_{false};
    std::atomic<int> accepted_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> pumps_;
};

}  // namespace zr::testing
