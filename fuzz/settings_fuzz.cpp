// Settings from an env file (ZR_ENV_FILE / .env): the KEY=value line parser, then every key's value
// parser through settings::LoadFrom (sizes, durations, ports, booleans, choices, JSON lists and
// maps, paths). Input: the env file's text.
//
// Properties: the only exception is SettingsError; the assignments survive being written back as
// double-quoted lines; loaded settings survive Describe -> LoadFrom -> Describe unchanged (what
// `zr check:settings` prints reads back as the same configuration); every duration can be added to
// a clock's now() (timers, expiry dates) without overflowing its nanoseconds.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "settings/env_file.hpp"
#include "settings/settings.hpp"

namespace {

using zr::settings::SettingsError;
using zr::settings::detail::Assignments;

std::string Quoted(const std::string& value) {
    std::string out = "\"";
    for (const char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += c;
        }
    }
    return out + "\"";
}

void CheckEnvRoundTrip(const Assignments& assignments) {
    std::string text;
    for (const auto& [key, value] : assignments) text += key + "=" + Quoted(value) + "\n";
    const Assignments back = zr::settings::detail::ParseEnvText(text, "round-trip");
    ZR_FUZZ_CHECK(back == assignments, text);
}

void CheckDurations(const zr::settings::Settings& s) {
    using std::chrono::seconds;
    // Room for now() + d on the steady and system clocks (int64 nanoseconds: 292 years, of which
    // the system clock's now() uses 56).
    const seconds limit = std::chrono::duration_cast<seconds>(std::chrono::nanoseconds::max()) / 2;
    for (const seconds d : {s.session_expiry_delay, s.password_reset_expiry_delay, s.read_timeout, s.idle_timeout,
                            s.shutdown_grace, s.reset_rate_window, s.rpc_heartbeat, s.eval_time_limit, s.eval_lease}) {
        ZR_FUZZ_CHECK(d.count() >= 0 && d <= limit, std::to_string(d.count()) + " s");
    }
}

std::string Show(const std::map<std::string, std::string>& described) {
    std::string out;
    for (const auto& [key, value] : described) out += key + "=" + value + "\n";
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Assignments assignments;
    try {
        assignments = zr::settings::detail::ParseEnvText(zr::fuzz::AsText(data, size), "fuzz.env");
    } catch (const SettingsError& e) {
        ZR_FUZZ_CHECK(e.key() == "ZR_ENV_FILE", e.what());
        return 0;
    }
    CheckEnvRoundTrip(assignments);
    std::map<std::string, std::string> vars;
    for (const auto& [key, value] : assignments) vars[key] = value;  // later lines win
    zr::settings::LoadResult loaded;
    try {
        loaded = zr::settings::LoadFrom(vars);
    } catch (const SettingsError&) {
        return 0;
    }
    CheckDurations(loaded.settings);
    const auto described = zr::settings::Describe(loaded.settings, false);
    zr::settings::LoadResult again;
    try {
        again = zr::settings::LoadFrom(described);
    } catch (const SettingsError& e) {
        ZR_FUZZ_CHECK(false, std::string(e.what()) + "\n" + Show(described));
    }
    const auto described_again = zr::settings::Describe(again.settings, false);
    ZR_FUZZ_CHECK(described_again == described, Show(described) + "---\n" + Show(described_again));
    return 0;
}
