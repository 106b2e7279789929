// zr: the Zerospeech backend service and its admin commands, in one binary.
#include "api/serve.hpp"
#include "cli/cli.hpp"

int main(int argc, char** argv) {
    return zr::cli::Main(argc, argv, [](const zr::settings::Settings& settings) { return zr::api::Serve(settings); });
}
