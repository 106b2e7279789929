#include "cli/prompt.hpp"

#include <algorithm>
#include <cctype>

#include "cli/command_set.hpp"
#include "common/strings.hpp"
#include "common/terminal.hpp"

namespace zr::cli {

std::string Prompter::ReadLine() {
    std::string line;
    if (!std::getline(in_, line)) throw CliError("input ended before every question was answered");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

void Prompter::Show(std::string_view question) {
    if (terminal_) out_ << question << ": " << std::flush;
}

std::string Prompter::Ask(std::string_view question) {
    Show(question);
    return Trim(ReadLine());
}

std::string Prompter::AskRequired(std::string_view question) {
    for (;;) {
        auto answer = Ask(question);
        if (!answer.empty()) return answer;
        if (!terminal_) throw CliError(std::string(question) + ": an answer is required");
        out_ << "  (required)\n";
    }
}

std::string Prompter::AskSecret(std::string_view question) {
    if (!terminal_) return ReadLine();
    std::string answer;
    {
        TerminalEchoOff echo_off;  // before the question, so that nothing typed early is echoed
        Show(question);
        answer = ReadLine();
    }
    out_ << '\n';  // the user's Enter was not echoed
    return answer;
}

bool Prompter::AskYesNo(std::string_view question, bool default_answer) {
    auto answer = Ask(std::string(question) + (default_answer ? " [Y/n]" : " [y/N]"));
    if (answer.empty()) return default_answer;
    auto parsed = ParseYesNo(answer);
    if (!parsed) throw CliError(std::string(question) + ": answer yes or no, not '" + answer + "'");
    return *parsed;
}

std::optional<bool> ParseYesNo(std::string_view answer) {
    auto lower = ToLower(Trim(answer));
    if (lower == "y" || lower == "yes" || lower == "true" || lower == "1") return true;
    if (lower == "n" || lower == "no" || lower == "false" || lower == "0") return false;
    return std::nullopt;
}

Date ParseDateAnswer(std::string_view answer, std::string_view what) {
    auto date = ParseDayFirstDate(Trim(answer));
    if (!date) {
        throw CliError(std::string(what) + ": not a date (dd/mm/yyyy): '" + std::string(answer) + "'");
    }
    return *date;
}

std::optional<Date> ParseOptionalDateAnswer(std::string_view answer, std::string_view what) {
    auto lower = ToLower(Trim(answer));
    if (lower.empty() || lower == "none" || lower == "null") return std::nullopt;
    return ParseDateAnswer(answer, what);
}

std::string Trim(std::string_view text) {
    const char* blanks = " \t\r\n";
    auto first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    auto last = text.find_last_not_of(blanks);
    return std::string(text.substr(first, last - first + 1));
}

}  // namespace zr::cli
