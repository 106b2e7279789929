#include "api/log_output.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "common/per_thread.hpp"

namespace zr::api {

namespace {

constexpr std::size_t kPendingLimit = 64 * 1024;
constexpr std::chrono::seconds kFlushInterval{1};

// Formats each line into a buffer; writes the buffer to `file` when it is full and on flush()
// (the logger flushes after a warning or an error, spdlog's periodic flusher every second). Each
// thread formats with a formatter of its own, outside the lock: only the append to the shared
// buffer is serialised (spdlog's base_sink formats under its mutex, and the IO threads queued
// there for the access log's timestamps and padding: bench/README.md).
class BufferedSink final : public spdlog::sinks::sink {
public:
    explicit BufferedSink(std::FILE* file) : file_(file), threads_([] { return std::make_unique<ThreadState>(); }) {}

    void log(const spdlog::details::log_msg& msg) override {
        ThreadState& mine = threads_.Get();
        if (mine.version != version_.load(std::memory_order_acquire)) {
            std::lock_guard lock(mutex_);
            mine.formatter = formatter_->clone();
            mine.version = version_.load(std::memory_order_relaxed);
        }
        mine.line.clear();
        mine.formatter->format(msg, mine.line);
        std::lock_guard lock(mutex_);
        pending_.append(mine.line.data(), mine.line.data() + mine.line.size());
        if (pending_.size() >= kPendingLimit) WritePending();
    }
    void flush() override {
        std::lock_guard lock(mutex_);
        WritePending();
        std::fflush(file_);
    }
    void set_pattern(const std::string& pattern) override {
        set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern));
    }
    void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
        std::lock_guard lock(mutex_);
        formatter_ = std::move(formatter);
        version_.fetch_add(1, std::memory_order_acq_rel);
    }

private:
    struct ThreadState {
        std::uint64_t version = 0;  // of the formatter cloned
        std::unique_ptr<spdlog::formatter> formatter;
        spdlog::memory_buf_t line;
    };

    // Called with mutex_ held.
    void WritePending() {
        if (pending_.size() == 0) return;
        std::fwrite(pending_.data(), 1, pending_.size(), file_);
        pending_.clear();
    }

    std::FILE* file_;
    std::mutex mutex_;
    std::unique_ptr<spdlog::formatter> formatter_ = std::make_unique<spdlog::pattern_formatter>();  // guarded
    std::atomic<std::uint64_t> version_{1};
    spdlog::memory_buf_t pending_;  // guarded by mutex_
    PerThread<ThreadState> threads_;
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
