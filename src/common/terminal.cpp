#include "common/terminal.hpp"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

namespace zr {
namespace {

// Written before the handler is installed and only read by it.
struct termios g_saved_terminal;
struct sigaction g_previous_sigint;

extern "C" void ZrRestoreTerminalAndExit(int signal_number) {
    tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
    _exit(128 + signal_number);
}

}  // namespace

TerminalEchoOff::TerminalEchoOff() {
    if (tcgetattr(STDIN_FILENO, &g_saved_terminal) != 0) return;
    struct termios quiet = g_saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    struct sigaction action {};
    action.sa_handler = ZrRestoreTerminalAndExit;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &g_previous_sigint);
    active_ = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    if (!active_) sigaction(SIGINT, &g_previous_sigint, nullptr);
}

TerminalEchoOff::~TerminalEchoOff() {
    if (!active_) return;
    tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
    sigaction(SIGINT, &g_previous_sigint, nullptr);
}

}  // namespace zr
