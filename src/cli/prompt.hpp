#pragma once
// Questions asked on the terminal by the interactive commands (users:create, challenges:new).
//
// Questions go to the error stream so that stdout holds only results. Answers are read one line
// at a time; when the input is not a terminal (a pipe, a test) the same lines are read without
// showing the questions, so the commands can be scripted. Not thread-safe.
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "common/time.hpp"

namespace zr::cli {

class Prompter {
public:
    // `terminal`: `in` is the process's standard input and it is a terminal.
    Prompter(std::istream& in, std::ostream& out, bool terminal) : in_(in), out_(out), terminal_(terminal) {}

    // One answer, trimmed of surrounding blanks. CliError when the input ends.
    std::string Ask(std::string_view question);
    // An answer that must not be empty (asks again on a terminal; CliError otherwise).
    std::string AskRequired(std::string_view question);
    // A secret: not echoed when reading from a terminal (echo is restored on return, on error
    // and on Ctrl-C). Not trimmed.
    std::string AskSecret(std::string_view question);
    // yes/no; an empty answer is `default_answer`. CliError for another answer.
    bool AskYesNo(std::string_view question, bool default_answer);

private:
    void Show(std::string_view question);
    std::string ReadLine();

    std::istream& in_;
    std::ostream& out_;
    bool terminal_;
};

// Answer parsing, shared with the tests.
// "y"/"yes"/"true"/"1" -> true, "n"/"no"/"false"/"0" -> false (any case), otherwise nullopt.
std::optional<bool> ParseYesNo(std::string_view answer);
// A date typed by a person: dd/mm/yyyy or ISO yyyy-mm-dd. CliError naming `what` otherwise.
Date ParseDateAnswer(std::string_view answer, std::string_view what);
// An optional date: "", "none" or "null" (any case) -> nullopt; otherwise as ParseDateAnswer.
std::optional<Date> ParseOptionalDateAnswer(std::string_view answer, std::string_view what);
std::string Trim(std::string_view text);

}  // namespace zr::cli
