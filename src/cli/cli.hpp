#pragma once
// The `zr` command line: `zr serve` and the admin commands `group:command` (see spec cli.md).
//
// Run parses the arguments, loads the settings from the environment (after parsing, so that
// `--help` works with broken settings), prints settings warnings to `err`, and runs the command.
// Exit status: 0 on success; 1 when the command fails; 2 for a usage error. A failure prints one
// line "zr: <reason>" on `err`, never a stack trace. Run never throws.
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "cli/command_set.hpp"
#include "settings/settings.hpp"

namespace zr::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Runs the service until it stops; returns the exit status (zr::api::Serve). Passed in so that the
// command line does not depend on the HTTP layer.
using ServeFunction = std::function<int(const settings::Settings&)>;

// `args` excludes the program name.
int Run(const std::vector<std::string>& args, const ServeFunction& serve, Streams streams);
// For main(): the process's arguments and standard streams.
int Main(int argc, const char* const* argv, const ServeFunction& serve);

// The one-line text of an exception for the operator (newlines folded into spaces; a validation
// error lists each problem as "field: message").
std::string DescribeError(const std::exception& error);

}  // namespace zr::cli
