// zr: the Zerospeech backend service and its admin commands, in one binary.
#include <cstdlib>

#include "api/serve.hpp"
#include "cli/cli.hpp"

int main(int argc, char** argv) {
    // With TZ unset, glibc re-reads /etc/localtime on every local-time conversion (one per stored
    // datetime); naming it once keeps that off the request path. An explicit TZ is respected.
    setenv("TZ", ":/etc/localtime", /*overwrite=*/0);
    return zr::cli::Main(argc, argv, [](const zr::settings::Settings& settings) { return zr::api::Serve(settings); });
}
