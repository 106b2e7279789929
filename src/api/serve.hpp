#pragma once
// `zr serve`: builds the services and the route table and serves HTTP until SIGINT/SIGTERM.
#include "settings/settings.hpp"

namespace zr::api {

// Serves on settings.host:settings.port. Returns the process exit code (0 after a graceful stop).
// Throws on start-up failures (bad data folder, database, address in use) with an operator message.
int Serve(const settings::Settings& settings);

}  // namespace zr::api
