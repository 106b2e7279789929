#include "client/credentials.hpp"

#include <cstdlib>
#include <fstream>

#include "client/parts.hpp"
#include "common/strings.hpp"
#include "common/terminal.hpp"

namespace zr::client {
namespace {

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
        TerminalEchoOff echo_off;
        credentials.password = ReadAnswer(in, "password");
        err << '\n';
    } else {
        credentials.password = ReadAnswer(in, "password");
    }
    if (credentials.password.empty()) throw SubmitError("no password given");
    return credentials;
}

}  // namespace zr::client
