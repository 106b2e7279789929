#include "api/serve.hpp"

#include <spdlog/spdlog.h>

#include "api/local_workers.hpp"
#include "api/routes.hpp"
#include "http/server.hpp"
#include "wiring/services.hpp"

namespace zr::api {

int Serve(const settings::Settings& settings) {
    wiring::Services services(settings);
    ApiContext ctx{services.accounts(), services.challenges(), services.templates(), services.settings(),
                   services.submissions(), services.transfer(), services.leaderboards()};
    // Completes the uploads a previous run left with every part received (durable completion).
    services.submissions().ResumePending();
    // Republishes jobs a crash left unpublished, queues forgotten uploads, consumes update_queue.
    services.evaluation().Start();
    LocalWorkers workers(services);
    const http::Router router = BuildRouter(ctx);

    http::ServerConfig config;
    config.host = settings.host;
    config.port = settings.port;
    config.io_threads = settings.threads;  // 0 = one per core
    config.blocking_threads = settings.hash_threads;
    config.max_header_bytes = settings.max_header_bytes;
    config.read_timeout = settings.read_timeout;
    config.idle_timeout = settings.idle_timeout;
    config.shutdown_grace = settings.shutdown_grace;
    config.cors_origins = settings.origins;

    http::Server server(config, router);
    const auto port = server.Listen();
    spdlog::info("zerospeech-api {} listening on http://{}:{} (data folder {})", settings.version, settings.host,
                 port, settings.data_folder.string());
    server.Run();
    spdlog::info("server stopped");
    // Running evaluations are killed and their jobs handed back to the queue (run again at the next
    // start or by another worker); then the updates already queued are left for the next start.
    workers.Stop();
    services.evaluation().Stop();
    spdlog::info("evaluation stopped");
    return 0;
}

}  // namespace zr::api
