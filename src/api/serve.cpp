#include "api/serve.hpp"

#include <spdlog/spdlog.h>

#include "api/local_workers.hpp"
#include "api/log_output.hpp"
#include "api/request_metrics.hpp"
#include "api/routes.hpp"
#include "api/security_headers.hpp"
#include "http/server.hpp"
#include "metrics/metrics.hpp"
#include "monitoring/health.hpp"
#include "monitoring/sources.hpp"
#include "wiring/services.hpp"

namespace zr::api {

int Serve(const settings::Settings& settings) {
    const ServeLog log;
    // Before the services: their threads (the update consumer) report to it until they stop.
    metrics::Metrics metrics;
    wiring::Services services(settings);
    monitoring::AddServiceSources(metrics, {services.database(), services.settings(), services.clock(), services.mail(),
                                            services.mattermost(), services.space_alarm(), services.file_system(),
                                            services.uploads(), services.evaluation(), services.accounts()});
    services.evaluation().SetJobEvents({[&metrics](unsigned attempt) { metrics.EvaluationStarted(attempt); },
                                        [&metrics](std::string_view state, std::optional<double> seconds) {
                                            metrics.EvaluationFinished(state, seconds);
                                        }});
    const monitoring::Health health(services.database(), services.file_system(), services.settings(), services.clock(),
                                    [&services] { return services.evaluation().QueueConnected(); });
    const ProfileBodies profile_bodies(services.accounts());
    ApiContext ctx{services.accounts(),
                   services.challenges(),
                   services.templates(),
                   services.settings(),
                   services.uploads(),
                   services.submission_reads(),
                   services.transfer(),
                   services.leaderboards(),
                   services.models(),
                   health,
                   metrics,
                   services.site(),
                   profile_bodies};
    // Puts the submission folders back in order after a crash and completes the uploads a previous
    // run left with every part received (durable completion).
    services.accounts().WarnReservedUsernames();
    const auto& policy = services.accounts().password_policy();
    spdlog::info("password policy: new passwords need {} characters at least; cracklib's dictionary check is {}",
                 policy.min_length(), policy.dictionary_available() ? "on" : "NOT WORKING (see the error above)");
    services.completion().RecoverPending();
    services.leaderboards().RemoveLeftovers();
    // Republishes jobs a crash left unpublished, queues forgotten uploads, consumes update_queue.
    services.evaluation().Start();
    LocalWorkers workers(services);
    const http::Router router = BuildRouter(ctx);
    RequestMetrics request_metrics(metrics, router);

    http::ServerConfig config;
    config.host = settings.host;
    config.port = settings.port;
    config.io_threads = settings.threads;  // 0 = one per core
    config.blocking_threads = settings.hash_threads;
    config.max_offload_waiting = settings.hash_queue;
    config.trusted_proxies = AddressSet::Parse(settings.trusted_proxies);  // checked with the settings
    config.max_header_bytes = settings.max_header_bytes;
    config.read_timeout = settings.read_timeout;
    config.idle_timeout = settings.idle_timeout;
    config.shutdown_grace = settings.shutdown_grace;
    config.cors_origins = settings.origins;
    config.html_headers = HtmlSecurityHeaders();
    config.observer = &request_metrics;

    http::Server server(config, router);
    AddOffloadMetrics(metrics, server);
    const auto port = server.Listen();
    spdlog::info("zerospeech-api {} listening on http://{}:{} (data folder {})", settings.version, settings.host, port,
                 settings.data_folder.string());
    ServeLog::Flush();
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
