#include "settings/values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "common/ip_address.hpp"
#include "common/strings.hpp"
#include "settings/settings.hpp"

namespace zr::settings::detail {
namespace {

[[noreturn]] void Fail(const std::string& var, std::string_view problem, std::string_view text) {
    throw SettingsError(var, var + ": " + std::string(problem) + ": '" + std::string(text) + "'");
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A run of decimal digits (no sign) at the start of `text`, consumed; nullopt if none or overflow.
std::optional<std::uint64_t> TakeNumber(std::string_view& text) {
    std::size_t n = 0;
    while (n < text.size() && IsDigit(text[n])) ++n;
    if (n == 0) return std::nullopt;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + n, value);
    if (ec != std::errc() || end != text.data() + n) return std::nullopt;
    text.remove_prefix(n);
    return value;
}

std::optional<std::uint64_t> WholeNumber(std::string_view text) {
    auto value = TakeNumber(text);
    if (!text.empty()) return std::nullopt;
    return value;
}

std::optional<std::uint64_t> SizeMultiplier(std::string_view suffix) {
    const std::string unit = ToUpper(Trim(suffix));
    if (unit.empty() || unit == "B") return 1;
    for (auto [letter, factor] : {std::pair{'K', 1ull << 10}, {'M', 1ull << 20}, {'G', 1ull << 30}}) {
        if (unit == std::string(1, letter) || unit == std::string(1, letter) + "B" ||
            unit == std::string(1, letter) + "IB") {
            return factor;
        }
    }
    return std::nullopt;
}

std::optional<std::uint64_t> SecondsPerUnit(char unit) {
    switch (std::tolower(static_cast<unsigned char>(unit))) {
        case 'd':
            return 86400;
        case 'h':
            return 3600;
        case 'm':
            return 60;
        case 's':
            return 1;
        default:
            return std::nullopt;
    }
}

// Sum of "<n><unit>" parts; nullopt if malformed or beyond what seconds can hold.
std::optional<std::uint64_t> DurationSeconds(std::string_view text) {
    constexpr std::uint64_t kMax = std::numeric_limits<std::int64_t>::max();
    if (text.empty()) return std::nullopt;
    if (auto plain = WholeNumber(text)) {
        if (*plain > kMax) return std::nullopt;
        return plain;
    }
    std::uint64_t total = 0;
    while (!text.empty()) {
        auto count = TakeNumber(text);
        if (!count || text.empty()) return std::nullopt;
        auto per_unit = SecondsPerUnit(text.front());
        text.remove_prefix(1);
        if (!per_unit || *count > (kMax - total) / *per_unit) return std::nullopt;
        total += *count * *per_unit;
    }
    return total;
}

std::vector<std::string> SplitCommas(std::string_view text) {
    std::vector<std::string> items;
    while (true) {
        const std::size_t comma = text.find(',');
        items.emplace_back(Trim(text.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return items;
}

std::optional<std::vector<std::string>> JsonStrings(std::string_view text) {
    auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!json.is_array()) return std::nullopt;
    std::vector<std::string> items;
    for (const auto& item : json) {
        if (!item.is_string()) return std::nullopt;
        items.emplace_back(Trim(item.get<std::string>()));
    }
    return items;
}

}  // namespace

std::string ParseChoice(const std::string& var, std::string_view text, std::initializer_list<const char*> choices) {
    const std::string_view value = Trim(text);
    std::string allowed;
    for (const char* choice : choices) {
        if (EqualsIgnoreCase(value, choice)) return choice;
        allowed += (allowed.empty() ? "" : ", ") + std::string(choice);
    }
    throw SettingsError(var, var + ": not one of " + allowed + ": '" + std::string(text) + "'");
}

bool ParseBool(const std::string& var, std::string_view text) {
    const auto value = ParseBoolWord(text);
    if (!value) Fail(var, "not a boolean (true/false, 1/0, yes/no, on/off)", text);
    return *value;
}

std::uint16_t ParsePort(const std::string& var, std::string_view text, bool allow_zero) {
    auto value = WholeNumber(Trim(text));
    if (!value) Fail(var, "not a port number", text);
    if (*value > 65535 || (*value == 0 && !allow_zero)) {
        Fail(var, allow_zero ? "port out of range (0-65535)" : "port out of range (1-65535)", text);
    }
    return static_cast<std::uint16_t>(*value);
}

unsigned ParseUnsigned(const std::string& var, std::string_view text, unsigned min_value) {
    auto value = WholeNumber(Trim(text));
    if (!value || *value > std::numeric_limits<unsigned>::max()) {
        Fail(var, "not a non-negative integer", text);
    }
    if (*value < min_value) Fail(var, "must be at least " + std::to_string(min_value), text);
    return static_cast<unsigned>(*value);
}

std::size_t ParseSize(const std::string& var, std::string_view text) {
    std::string_view rest = Trim(text);
    auto count = TakeNumber(rest);
    auto factor = SizeMultiplier(rest);
    if (!count || !factor || *count > std::numeric_limits<std::size_t>::max() / *factor) {
        Fail(var, "not a size (bytes, or a number with K/M/G)", text);
    }
    if (*count == 0) Fail(var, "must be more than 0 bytes", text);
    return static_cast<std::size_t>(*count * *factor);
}

std::chrono::seconds ParseDuration(const std::string& var, std::string_view text, std::chrono::seconds min_seconds) {
    auto total = DurationSeconds(Trim(text));
    if (!total) Fail(var, "not a duration (seconds, or like 7d, 12h, 45m, 30s)", text);
    // Timers and expiry dates add the value to a clock's now(), in int64 nanoseconds (292 years).
    constexpr std::uint64_t kMaxSeconds = 36500ull * 86400;
    if (*total > kMaxSeconds) Fail(var, "must be at most 36500d (100 years)", text);
    const std::chrono::seconds value(static_cast<std::int64_t>(*total));
    if (value < min_seconds) {
        Fail(var, "must be at least " + FormatDuration(min_seconds), text);
    }
    return value;
}

std::chrono::milliseconds ParseMillis(const std::string& var, std::string_view text, std::chrono::milliseconds min,
                                      std::chrono::milliseconds max) {
    const std::string_view trimmed = Trim(text);
    std::optional<std::uint64_t> millis;
    if (trimmed.size() > 2 && trimmed.substr(trimmed.size() - 2) == "ms") {
        millis = WholeNumber(trimmed.substr(0, trimmed.size() - 2));
    } else if (auto seconds = DurationSeconds(trimmed); seconds && *seconds <= 36500ull * 86400) {
        millis = *seconds * 1000;
    }
    if (!millis) Fail(var, "not a duration (like 250ms, 2s, 1m)", text);
    if (*millis < static_cast<std::uint64_t>(min.count())) Fail(var, "must be at least " + FormatMillis(min), text);
    if (*millis > static_cast<std::uint64_t>(max.count())) Fail(var, "must be at most " + FormatMillis(max), text);
    return std::chrono::milliseconds(static_cast<std::int64_t>(*millis));
}

std::string FormatMillis(std::chrono::milliseconds value) {
    if (value.count() % 1000 == 0) return FormatDuration(std::chrono::duration_cast<std::chrono::seconds>(value));
    return std::to_string(value.count()) + "ms";
}

std::vector<std::string> ParseList(const std::string& var, std::string_view text) {
    const std::string_view trimmed = Trim(text);
    std::vector<std::string> raw;
    if (!trimmed.empty() && trimmed.front() == '[') {
        auto parsed = JsonStrings(trimmed);
        if (!parsed) Fail(var, "not a JSON list of strings", text);
        raw = std::move(*parsed);
    } else if (!trimmed.empty()) {
        raw = SplitCommas(trimmed);
        // JSON text is UTF-8 by construction; a plain list must be too, or FormatList cannot
        // print it back (`zr check:settings`).
        const auto utf8 = [](const std::string& item) { return IsValidUtf8(item); };
        if (!std::all_of(raw.begin(), raw.end(), utf8)) Fail(var, "not valid UTF-8", text);
    }
    std::vector<std::string> items;
    std::set<std::string> seen;
    for (auto& item : raw) {
        if (!item.empty() && seen.insert(item).second) items.push_back(std::move(item));
    }
    return items;
}

void CheckAddresses(const std::string& var, const std::vector<std::string>& entries) {
    try {
        AddressSet::Parse(entries);
    } catch (const std::invalid_argument& e) {
        throw SettingsError(var, var + ": " + e.what());
    }
}

std::map<std::string, std::string> ParseMap(const std::string& var, std::string_view text) {
    const std::string_view trimmed = Trim(text);
    std::map<std::string, std::string> items;
    if (trimmed.empty()) return items;
    auto json = nlohmann::json::parse(trimmed, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) Fail(var, "not a JSON object of strings", text);
    for (const auto& [key, value] : json.items()) {
        if (!value.is_string()) Fail(var, "not a JSON object of strings", text);
        items.emplace(key, value.get<std::string>());
    }
    return items;
}

std::map<std::string, std::vector<std::string>> ParsePools(const std::string& var, std::string_view text) {
    const std::string_view trimmed = Trim(text);
    std::map<std::string, std::vector<std::string>> pools;
    if (trimmed.empty()) return pools;
    constexpr const char* kShape = R"(not a JSON object of host lists, like {"gpu": ["gpu1", "gpu2"]})";
    auto json = nlohmann::json::parse(trimmed, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) Fail(var, kShape, text);
    for (const auto& [pool, hosts] : json.items()) {
        if (Trim(pool).empty() || !hosts.is_array() || hosts.empty()) Fail(var, kShape, text);
        std::vector<std::string> members;
        for (const auto& host : hosts) {
            if (!host.is_string() || Trim(host.get<std::string>()).empty()) Fail(var, kShape, text);
            const std::string name(Trim(host.get<std::string>()));
            if (std::find(members.begin(), members.end(), name) != members.end()) {
                std::string problem = "host " + name;
                problem += " is listed twice in pool ";
                problem += pool;
                Fail(var, problem, text);
            }
            members.push_back(name);
        }
        pools.emplace(pool, std::move(members));
    }
    return pools;
}

std::string FormatPools(const std::map<std::string, std::vector<std::string>>& pools) {
    return nlohmann::json(pools).dump();
}

std::string FormatDuration(std::chrono::seconds value) {
    const auto secs = value.count();
    if (secs == 0) return "0s";
    for (auto [unit, per_unit] : {std::pair{'d', 86400}, {'h', 3600}, {'m', 60}}) {
        if (secs % per_unit == 0) return std::to_string(secs / per_unit) + unit;
    }
    return std::to_string(secs) + "s";
}

std::string FormatSize(std::size_t bytes) {
    if (bytes == 0) return "0";
    for (auto [unit, factor] :
         {std::pair{'G', std::size_t{1} << 30}, {'M', std::size_t{1} << 20}, {'K', std::size_t{1} << 10}}) {
        if (bytes % factor == 0) return std::to_string(bytes / factor) + unit;
    }
    return std::to_string(bytes);
}

std::string FormatList(const std::vector<std::string>& items) { return nlohmann::json(items).dump(); }

std::string FormatMap(const std::map<std::string, std::string>& items) { return nlohmann::json(items).dump(); }

}  // namespace zr::settings::detail
