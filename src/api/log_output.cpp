#include "api/log_output.hpp"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace zr::api {

namespace {

constexpr std::size_t kPendingLimit = 64 * 1024;
constexpr std::chrono::seconds kFlushInterval{1};

// Formats each line into a buffer; writes the buffer to `file` when it is full, on flush() and
// right after a warning or an error.
class BufferedSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit BufferedSink(std::FILE* file) : file_(file) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        formatter_->format(msg, pending_);
        if (msg.level >= spdlog::level::warn || pending_.size() >= kPendingLimit) flush_();
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

struct ServeLog::Impl {
    std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;  // guarded by mutex
    std::thread flusher;
};

ServeLog::ServeLog() : impl_(std::make_unique<Impl>()) {
    const bool terminal = ::isatty(STDOUT_FILENO) == 1;
    spdlog::sink_ptr sink;
    if (terminal) {
        sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
    } else {
        sink = std::make_shared<BufferedSink>(stdout);
    }
    auto logger = std::make_shared<spdlog::logger>("zr-serve", std::move(sink));
    logger->set_level(impl_->previous ? impl_->previous->level() : spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
    if (terminal) return;
    impl_->flusher = std::thread([impl = impl_.get()] {
        std::unique_lock lock(impl->mutex);
        while (!impl->wake.wait_for(lock, kFlushInterval, [impl] { return impl->stopping; })) {
            lock.unlock();
            Flush();
            lock.lock();
        }
    });
}

ServeLog::~ServeLog() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_all();
    if (impl_->flusher.joinable()) impl_->flusher.join();
    Flush();
    if (impl_->previous) spdlog::set_default_logger(impl_->previous);
}

void ServeLog::Flush() { spdlog::default_logger_raw()->flush(); }

}  // namespace zr::api
