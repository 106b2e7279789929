#pragma once
// A private RabbitMQ broker for unit tests. Debian's /usr/lib/rabbitmq/bin/rabbitmq-server is run
// directly, because /usr/sbin/rabbitmq-server and rabbitmqctl switch to the rabbitmq user when run
// as root (and then fail on the Erlang cookie). It gets its own HOME, RABBITMQ_MNESIA_BASE,
// RABBITMQ_LOG_BASE and RABBITMQ_NODENAME, and listens on 127.0.0.1 only, on free ports
// (RABBITMQ_NODE_PORT, and ERL_EPMD_PORT for its own epmd). Started once per test binary on first
// use (RabbitMqBroker::Shared(), ~6-20 s), stopped when the binary exits. Login guest/guest
// (allowed on loopback). Tests that cannot find rabbitmq-server fail, they do not skip.
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "settings/settings.hpp"

namespace zr::testing {

class RabbitMqBroker {
public:
    static constexpr const char* kServer = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    static RabbitMqBroker& Shared() {
        static RabbitMqBroker broker;  // stopped by its destructor at exit
        return broker;
    }

    ~RabbitMqBroker() {
        Stop();
        RunQuietly({"/usr/bin/epmd", "-kill"});
        std::filesystem::remove_all(dir_);
    }

    // Settings pointing at this broker (rabbitmq back-end, guest/guest, vhost /).
    settings::Settings Settings(std::chrono::seconds heartbeat = std::chrono::seconds(60)) const {
        settings::Settings settings;
        settings.queue_backend = "rabbitmq";
        settings.rpc_host = "127.0.0.1";
        settings.rpc_port = static_cast<std::uint16_t>(port_);
        settings.rpc_username = "guest";
        settings.rpc_password = "guest";
        settings.rpc_vhost = "/";
        settings.rpc_heartbeat = heartbeat;
        return settings;
    }

    int port() const { return port_; }

    // Removes the ready messages of these queues (they must exist). Throws on failure.
    void Purge(const std::vector<std::string>& queues) const {
        WithChannel([&](amqp_connection_state_t conn) {
            for (const auto& queue : queues) amqp_queue_purge(conn, 1, amqp_cstring_bytes(queue.c_str()));
        });
    }

    // Publishes `body` as is (no JSON check) to `queue`, persistent.
    void PublishRaw(const std::string& queue, const std::string& body) const {
        WithChannel([&](amqp_connection_state_t conn) {
            amqp_basic_properties_t properties{};
            properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
            properties.delivery_mode = 2;
            amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue.c_str()), 0, 0, &properties,
                               amqp_cstring_bytes(body.c_str()));
            amqp_queue_declare(conn, 1, amqp_cstring_bytes(queue.c_str()), 1, 0, 0, 0,
                               amqp_empty_table);  // a round trip
        });
    }

    // SIGTERM to the node; waits until it is gone (its data stays).
    void Stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    // Starts the node (again) on the same ports and data; returns once it accepts a login.
    void Start() {
        if (pid_ > 0) return;
        auto env = Environment();
        std::vector<char*> envp;
        for (auto& entry : env) envp.push_back(entry.data());
        envp.push_back(nullptr);
        const std::string out = (dir_ / "server.out").string();
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM);  // a crashed test binary takes its broker along
            const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
            }
            char* argv[] = {const_cast<char*>(kServer), nullptr};
            execve(kServer, argv, envp.data());
            _exit(127);
        }
        WaitUntilReady();
    }

    void Restart() {
        Stop();
        Start();
    }

private:
    RabbitMqBroker() {
        if (!std::filesystem::exists(kServer))
            throw std::runtime_error("rabbitmq-server is not installed (scripts/setup.sh --test)");
        std::string pattern = (std::filesystem::temp_directory_path() / "zr_rabbitmq_XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        for (const char* sub : {"home", "mnesia", "log"}) std::filesystem::create_directories(dir_ / sub);
        std::ofstream(dir_ / "enabled_plugins") << "[].\n";
        std::ofstream(dir_ / "rabbitmq-env.conf") << "";
        // consumer_timeout above any evaluation time limit, as a deployment needs (default 30 min).
        std::ofstream(dir_ / "rabbitmq.conf") << "loopback_users.guest = true\nconsumer_timeout = 86400000\n";
        port_ = FreePort();
        epmd_port_ = FreePort();
        dist_port_ = FreePort();
        Start();
    }

    static int FreePort() {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        bind(fd, reinterpret_cast<sockaddr*>(&address), size);
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
        close(fd);
        return ntohs(address.sin_port);
    }

    std::vector<std::string> Environment() const {
        const std::string dir = dir_.string();
        std::vector<std::string> env = {
            "PATH=/usr/bin:/bin:/usr/sbin:/sbin",
            "HOME=" + dir + "/home",
            "RABBITMQ_MNESIA_BASE=" + dir + "/mnesia",
            "RABBITMQ_LOG_BASE=" + dir + "/log",
            "RABBITMQ_NODENAME=zrtest" + std::to_string(port_) + "@localhost",
            "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
            "RABBITMQ_NODE_PORT=" + std::to_string(port_),
            "RABBITMQ_DIST_PORT=" + std::to_string(dist_port_),
            "ERL_EPMD_ADDRESS=127.0.0.1",
            "ERL_EPMD_PORT=" + std::to_string(epmd_port_),
            "RABBITMQ_ENABLED_PLUGINS_FILE=" + dir + "/enabled_plugins",
            "RABBITMQ_CONF_ENV_FILE=" + dir + "/rabbitmq-env.conf",
            "RABBITMQ_CONFIG_FILE=" + dir + "/rabbitmq.conf",
            "RABBITMQ_ADVANCED_CONFIG_FILE=" + dir + "/advanced.config",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}",
        };
        return env;
    }

    void RunQuietly(std::vector<std::string> args) const {
        auto env = Environment();
        std::vector<char*> envp;
        for (auto& entry : env) envp.push_back(entry.data());
        envp.push_back(nullptr);
        std::vector<char*> argv;
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        const pid_t pid = fork();
        if (pid == 0) {
            const int fd = open("/dev/null", O_WRONLY);
            dup2(fd, 1);
            dup2(fd, 2);
            execve(argv[0], argv.data(), envp.data());
            _exit(127);
        }
        if (pid > 0) waitpid(pid, nullptr, 0);
    }

    // Polls an AMQP login (the port opens before the node accepts logins).
    void WaitUntilReady() const {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
        while (std::chrono::steady_clock::now() < deadline) {
            if (CanLogIn()) return;
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                throw std::runtime_error("rabbitmq-server exited; see " + (dir_ / "server.out").string());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        throw std::runtime_error("rabbitmq-server did not accept a login within 90 s");
    }

    template <typename Work>
    void WithChannel(Work work) const {
        amqp_connection_state_t conn = amqp_new_connection();
        amqp_socket_t* socket = amqp_tcp_socket_new(conn);
        const timeval timeout{10, 0};
        std::string error;
        if (amqp_socket_open_noblock(socket, "127.0.0.1", port_, &timeout) != AMQP_STATUS_OK ||
            amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type !=
                AMQP_RESPONSE_NORMAL) {
            error = "cannot log in to the test broker";
        } else {
            amqp_set_rpc_timeout(conn, &timeout);
            amqp_channel_open(conn, 1);
            work(conn);
            if (amqp_get_rpc_reply(conn).reply_type != AMQP_RESPONSE_NORMAL) error = "test broker refused an operation";
            amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
        }
        amqp_destroy_connection(conn);
        if (!error.empty()) throw std::runtime_error(error);
    }

    bool CanLogIn() const {
        amqp_connection_state_t conn = amqp_new_connection();
        amqp_socket_t* socket = amqp_tcp_socket_new(conn);
        const timeval timeout{2, 0};
        bool ok = false;
        if (socket != nullptr && amqp_socket_open_noblock(socket, "127.0.0.1", port_, &timeout) == AMQP_STATUS_OK) {
            amqp_set_handshake_timeout(conn, &timeout);
            amqp_set_rpc_timeout(conn, &timeout);
            ok = amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type ==
                 AMQP_RESPONSE_NORMAL;
            if (ok) amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
        }
        amqp_destroy_connection(conn);
        return ok;
    }

    std::filesystem::path dir_;
    int port_ = 0;
    int epmd_port_ = 0;
    int dist_port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace zr::testing
