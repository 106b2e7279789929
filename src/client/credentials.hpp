#pragma once
// How `zr submit` authenticates: a token given by the user, or a login with a username and a
// password asked on the terminal. Not thread-safe (touches the terminal and SIGINT).
#include <istream>
#include <optional>
#include <ostream>
#include <string>

namespace zr::client {

// The token from the first line of `token_file` when it is not empty (SubmitError when the file
// cannot be read or is empty), else from $ZR_TOKEN when set and not empty, else nullopt.
std::optional<std::string> GivenToken(const std::string& token_file);

struct Credentials {
    std::string username;
    std::string password;
};

// Asks for the username (unless `username` is given) and the password. On a terminal
// (`terminal` true: `in` is standard input and a tty) the questions go to `err` and the password
// is not echoed (echo comes back on return and on Ctrl-C); otherwise lines are read from `in`
// silently. SubmitError when the input ends or an answer is empty.
Credentials AskCredentials(const std::string& username, std::istream& in, std::ostream& err, bool terminal);

}  // namespace zr::client
