#pragma once
// Where `zr serve` writes its log (the access log included): stdout, one line per event.
#include <memory>

namespace spdlog {
class logger;
}

namespace zr::api {

// Installs the serve log as spdlog's default logger for its lifetime and flushes it on
// destruction. On a terminal, spdlog's colour sink writes each line at once. Otherwise (systemd,
// docker, a file) lines are buffered and written when 64 KiB are pending, at least once a second
// (spdlog's periodic flusher) and at once for a warning or an error, with what was pending before
// it: a write(2) per access-log line was 12 % of the CPU of GET / (bench/README.md). A crash can
// lose the last second of info lines, never a warning or an error. Not copyable; one per process.
class ServeLog {
public:
    ServeLog();
    ~ServeLog();
    ServeLog(const ServeLog&) = delete;
    ServeLog& operator=(const ServeLog&) = delete;

    // Writes what is pending now (the start-up line that scripts wait for).
    static void Flush();

private:
    std::shared_ptr<spdlog::logger> previous_;  // restored at destruction
    bool buffered_;                             // not a terminal
};

}  // namespace zr::api
