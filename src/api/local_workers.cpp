#include "api/local_workers.hpp"

#include <spdlog/spdlog.h>

#include "queue/message_queue.hpp"

namespace zr::api {

LocalWorkers::LocalWorkers(wiring::Services& services)
    : store_(services.file_system(), services.settings().submission_dir) {
    const auto& settings = services.settings();
    if (settings.local_workers == 0) return;
    const auto bin_dir = worker::BinFolderOf(settings, settings.hostname);
    if (bin_dir.empty()) {
        spdlog::info("no bin folder for host '{}' in ZR_REMOTE_BIN: no local evaluation workers", settings.hostname);
        return;
    }
    for (unsigned i = 0; i < settings.local_workers; ++i) {
        worker::WorkerConfig config = worker::ConfigFromSettings(settings, "local", i);
        auto queue = queue::Open(settings, &services.database(), config.name);
        auto link = worker::MakeLocalLink(services.database(), store_, services.clock());
        workers_.push_back(std::make_unique<worker::Worker>(std::move(config), std::move(queue), std::move(link)));
    }
    for (auto& worker : workers_) threads_.emplace_back([&worker] { worker->Run(); });
    spdlog::info("{} local evaluation worker(s) on host {} (bin folder {})", workers_.size(), settings.hostname,
                 bin_dir.string());
}

LocalWorkers::~LocalWorkers() { Stop(); }

void LocalWorkers::Stop() {
    for (auto& worker : workers_) worker->Stop(/*cancel_running=*/true);
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
    threads_.clear();
}

}  // namespace zr::api
