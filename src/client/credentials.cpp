#include "client/credentials.hpp"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "client/parts.hpp"
#include "common/strings.hpp"

namespace zr::client {
namespace {

// The terminal state restored if Ctrl-C arrives while echo is off. Written before the handler is
// installed, only read by it.
struct termios g_saved_terminal;

extern "C" void ZrClientRestoreTerminal(int signal_number) {
    tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
    _exit(128 + signal_number);
}

// Terminal echo off for its lifetime.
class EchoOff {
public:
    EchoOff() {
        if (tcgetattr(STDIN_FILENO, &g_saved_terminal) != 0) return;
        struct termios quiet = g_saved_terminal;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        struct sigaction action {};
        action.sa_handler = ZrClientRestoreTerminal;
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, &previous_);
        active_ = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
    ~EchoOff() {
        if (!active_) return;
        tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
        sigaction(SIGINT, &previous_, nullptr);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

private:
    bool active_ = false;
    struct sigaction previous_ {};
};

std::string ReadAnswer(std::istream& in, const char* what) {
    std::string line;
    if (!std::getline(in, line)) throw SubmitError(std::string("no ") + what + " given (input ended)");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

}  // namespace

std::optional<std::string> GivenToken(const std::string& token_file) {
    if (!token_file.empty()) {
        std::ifstream file(token_file);
        std::string token;
        if (!file) throw SubmitError(token_file + ": cannot read the token file");
        std::getline(file, token);
        token = std::string(Trim(token));
        if (token.empty()) throw SubmitError(token_file + ": the token file is empty");
        return token;
    }
    const char* env = std::getenv("ZR_TOKEN");
    if (env != nullptr && !Trim(env).empty()) return std::string(Trim(env));
    return std::nullopt;
}

Credentials AskCredentials(const std::string& username, std::istream& in, std::ostream& err, bool terminal) {
    Credentials credentials{username, {}};
    if (credentials.username.empty()) {
        if (terminal) err << "Username (or e-mail): " << std::flush;
        credentials.username = std::string(Trim(ReadAnswer(in, "username")));
        if (credentials.username.empty()) throw SubmitError("no username given");
    }
    if (terminal) {
        err << "Password for " << credentials.username << ": " << std::flush;
        EchoOff echo_off;
        credentials.password = ReadAnswer(in, "password");
        err << '\n';
    } else {
        credentials.password = ReadAnswer(in, "password");
    }
    if (credentials.password.empty()) throw SubmitError("no password given");
    return credentials;
}

}  // namespace zr::client
