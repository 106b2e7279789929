#include "client/submit.hpp"

namespace zr::client {

void AddSubmitOptions(CLI::App& command, SubmitOptions& options) {
    command.add_option("archive", options.archive, "The submission archive (a .zip file)")->required();
    command.add_option("-c,--challenge", options.challenge, "The challenge: its id or its label")->required();
    command.add_option("--url", options.url,
                       std::string("API base URL (default $ZR_API_URL, else ") + kDefaultApiUrl + ")");
    command
        .add_option("--part-size", options.part_size,
                    "Archives larger than this are uploaded in parts of this size (K/M/G/T = powers of 1024)")
        ->capture_default_str();
    command.add_option("--token-file", options.token_file,
                       "File whose first line is an API token (default $ZR_TOKEN, else log in)");
    command.add_option("-u,--username", options.username, "Username or e-mail for the login (asked when missing)");
    command.add_option("--checkpoint", options.checkpoint,
                       "Resume file (default <archive>.zr-submit.json; the parts go beside it)");
    command.add_option("--limit-rate", options.limit_rate,
                       "Send at most this many bytes per second (e.g. 2M), to spare a shared link");
    command.add_option("--retries", options.retries, "Retries of a failed part (network error, 5xx, bad md5)")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000));
    command.add_option("--retry-delay", options.retry_delay, "Seconds before the first retry, doubled after each")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 600.0));
    auto* force = command.add_flag_callback(
        "--progress", [&options] { options.progress = ProgressChoice::kForce; },
        "Draw the progress bar even when stderr is not a terminal");
    auto* none = command.add_flag_callback(
        "--no-progress", [&options] { options.progress = ProgressChoice::kNone; }, "Show no progress");
    force->excludes(none);
    command.add_flag("--json", options.json, R"(Print {"submission_id", "completed"} instead of the id)");
}

}  // namespace zr::client
