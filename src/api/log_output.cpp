#include "api/log_output.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>

namespace zr::api {

namespace {

constexpr std::size_t kPendingLimit = 64 * 1024;
constexpr std::chrono::seconds kFlushInterval{1};

// Formats each line into a buffer; writes the buffer to `file` when it is full and on flush()
// (the logger flushes after a warning or an error, spdlog's periodic flusher every second).
class BufferedSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit BufferedSink(std::FILE* file) : file_(file) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        formatter_->format(msg, pending_);
        if (pending_.size() >= kPendingLimit) flush_();
    }

    void flush_() override {
        if (pending_.size() != 0) {
            std::fwrite(pending_.data(), 1, pending_.size(), file_);
            pending_.clear();
        }
        std::fflush(file_);
    }

private:
    std::FILE* file_;
    spdlog::memory_buf_t pending_;
};

}  // namespace

ServeLog::ServeLog() : previous_(spdlog::default_logger()), buffered_(::isatty(STDOUT_FILENO) != 1) {
    spdlog::sink_ptr sink;
    if (buffered_) {
        sink = std::make_shared<BufferedSink>(stdout);
    } else {
        sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
    }
    auto logger = std::make_shared<spdlog::logger>("zr-serve", std::move(sink));
    logger->set_level(previous_ ? previous_->level() : spdlog::level::info);
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
    if (buffered_) spdlog::flush_every(kFlushInterval);
}

ServeLog::~ServeLog() {
    if (buffered_) spdlog::flush_every(std::chrono::seconds::zero());  // stops the flusher thread
    Flush();
    if (previous_) spdlog::set_default_logger(previous_);
}

void ServeLog::Flush() { spdlog::default_logger_raw()->flush(); }

}  // namespace zr::api
