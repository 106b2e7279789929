#pragma once
// `zr submit`: the participant's uploader (issue 3). Logs in, resolves the challenge, splits the
// archive into parts with their md5s, creates the submission, uploads the parts with a progress
// display and retries, and resumes an interrupted upload from a checkpoint file. It speaks only the
// HTTP API, so it works against this service and the first implementation.
//
// Exit status: 0 when the upload completed (the submission id is printed on stdout, or
// {"submission_id", "completed"} with --json); 130 after Ctrl-C (SIGINT/SIGTERM), the checkpoint
// saved; 1 otherwise, with one line "zr: <reason>" on stderr.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace zr::client {

inline constexpr const char* kDefaultApiUrl = "https://api.zerospeech.com";
inline constexpr int kExitInterrupted = 130;

enum class ProgressChoice { kAuto, kForce, kNone };

struct SubmitOptions {
    std::string archive;
    std::string challenge;  // id or label
    std::string url;        // empty: $ZR_API_URL, else kDefaultApiUrl
    std::string part_size = "500M";
    std::string token_file;                           // empty: $ZR_TOKEN, else log in
    std::string username;                             // asked when empty and a login is needed
    std::string checkpoint;                           // empty: "<archive>.zr-submit.json"
    std::string limit_rate;                           // upload bytes per second as a size ("2M"); empty: no limit
    int retries = 5;                                  // per part
    double retry_delay = 1.0;                         // seconds before the first retry, doubled each time (capped)
    ProgressChoice progress = ProgressChoice::kAuto;  // auto: a bar when stderr is a terminal
    bool json = false;
};

// Runs the upload with the process's standard streams. Never throws.
int SubmitMain(const SubmitOptions& options);

// Declares the arguments and options of `zr submit` on `command`, parsed into `options`
// (which must outlive the parse).
void AddSubmitOptions(CLI::App& command, SubmitOptions& options);

inline constexpr const char* kSubmitDescription =
    "Upload a submission archive to a challenge (split into parts, progress, retries, resume)";

// Registers `submit` on a command registry with the shape of cli::CommandSet (Add(group, name,
// description, action) returning the CLI11 app); the action ignores its context argument. A
// template so that this module does not depend on the admin command line.
template <typename CommandRegistry>
void AddSubmitCommand(CommandRegistry& commands) {
    auto options = std::make_shared<SubmitOptions>();
    CLI::App& command =
        commands.Add("submit", "", kSubmitDescription, [options](auto&) { return SubmitMain(*options); });
    AddSubmitOptions(command, *options);
}

}  // namespace zr::client
