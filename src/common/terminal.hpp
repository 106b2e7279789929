#pragma once
// Terminal helpers for the interactive commands (admin prompts, `zr submit` login).
namespace zr {

// Turns echo off on standard input for its lifetime (a password prompt). If Ctrl-C arrives while
// echo is off, the terminal is restored before the process exits (status 128 + signal).
// Does nothing when standard input is not a terminal. Not thread-safe: one at a time.
class TerminalEchoOff {
public:
    TerminalEchoOff();
    ~TerminalEchoOff();
    TerminalEchoOff(const TerminalEchoOff&) = delete;
    TerminalEchoOff& operator=(const TerminalEchoOff&) = delete;

private:
    bool active_ = false;
};

}  // namespace zr
