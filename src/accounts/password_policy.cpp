#include "accounts/password_policy.hpp"

#include <pwquality.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <new>

namespace zr::accounts {
namespace {

// The dictionary's self-test: the first must pass every rule, the second is refused by the
// dictionary alone (no sequence, no repeated character: "it is based on a dictionary word").
constexpr const char* kStrongSample = "kdj3#kdLL-9vQ";
constexpr const char* kDictionaryWord = "sunshine";

// What cracklib says when the fault is the host's, not the password's (cracklib's fascist.c).
bool IsHostFault(const std::string& cracklib_message) {
    for (const char* text :
         {"error loading dictionary", "you are not registered in the password file", "memory allocation error"}) {
        if (cracklib_message == text) return true;
    }
    return false;
}

// Characters, not bytes: the UTF-8 bytes that start a code point (invalid sequences count each
// stray byte that is not a continuation byte).
std::size_t CountCharacters(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

std::string_view PasswordRefusal::Type() const {
    switch (kind) {
        case Kind::kTooShort:
            return "value_error.password.too_short";
        case Kind::kWeak:
            return "value_error.password.weak";
    }
    return "value_error.password";
}

void PasswordPolicy::SettingsDeleter::operator()(pwquality_settings* settings) const {
    pwquality_free_settings(settings);
}

PasswordPolicy::PasswordPolicy(const Options& options)
    : min_length_(options.min_length), settings_(pwquality_default_settings()) {
    assert(min_length_ >= kLowestMinLength);
    if (!settings_) throw std::bad_alloc();
    // Our own minimum is checked in characters before libpwquality runs; its own (in bytes, with
    // "credits" for character classes) is set to the lowest it takes so that it never decides.
    pwquality_set_int_value(settings_.get(), PWQ_SETTING_MIN_LENGTH, static_cast<int>(kLowestMinLength));
    if (!options.dictionary_path.empty()) {
        pwquality_set_str_value(settings_.get(), PWQ_SETTING_DICT_PATH, options.dictionary_path.c_str());
    }
    dictionary_available_ = TryDictionary();
}

PasswordPolicy::~PasswordPolicy() = default;

std::optional<PasswordRefusal> PasswordPolicy::Check(std::string_view password, std::string_view username) const {
    if (CountCharacters(password) < min_length_) {
        return PasswordRefusal{PasswordRefusal::Kind::kTooShort,
                               "The password is shorter than " + std::to_string(min_length_) + " characters"};
    }
    auto verdict = Pwquality(password, username);
    if (!verdict) return std::nullopt;
    return PasswordRefusal{PasswordRefusal::Kind::kWeak, std::move(verdict->second)};
}

std::optional<std::pair<int, std::string>> PasswordPolicy::Pwquality(std::string_view password,
                                                                     std::string_view username) const {
    // C strings: a NUL byte ends what libpwquality sees (the part after it only adds strength).
    const std::string text(password.substr(0, kCheckedBytes));
    const std::string user(username.substr(0, kCheckedBytes));
    void* aux = nullptr;
    std::lock_guard lock(mutex_);
    const int code =
        pwquality_check(settings_.get(), text.c_str(), nullptr, user.empty() ? nullptr : user.c_str(), &aux);
    if (code >= 0) return std::nullopt;  // a score, 0-100: accepted
    char buffer[PWQ_MAX_ERROR_MESSAGE_LEN];
    const char* message = pwquality_strerror(buffer, sizeof buffer, code, aux);
    if (dictionary_available_ && code == PWQ_ERROR_CRACKLIB_CHECK && aux != nullptr &&
        IsHostFault(static_cast<const char*>(aux))) {
        // After a successful self-test: the dictionary went away (a package upgrade?). The
        // password is refused with cracklib's words rather than let through unchecked.
        spdlog::error("password policy: cracklib failed on this host: {} (check cracklib-runtime)",
                      static_cast<const char*>(aux));
    }
    return std::pair{code, std::string(message != nullptr ? message : "The password is too weak")};
}

bool PasswordPolicy::TryDictionary() {
    const auto strong = Pwquality(kStrongSample, {});
    const auto word = Pwquality(kDictionaryWord, {});
    if (!strong && word && word->first == PWQ_ERROR_CRACKLIB_CHECK) return true;
    if (strong) {
        // Every password would be refused: the dictionary check is off, the other rules stay.
        pwquality_set_int_value(settings_.get(), PWQ_SETTING_DICT_CHECK, 0);
        spdlog::error(
            "password policy: cracklib's dictionary check does not work on this host ({}): it is OFF, new passwords "
            "are only checked for length ({} characters) and by libpwquality's other rules. Install cracklib-runtime "
            "(/var/cache/cracklib/cracklib_dict.*), run as an account the system knows (cracklib looks it up), "
            "and restart.",
            strong->second, min_length_);
    } else {
        spdlog::error(
            "password policy: cracklib's dictionary accepts '{}': it looks empty or damaged, common passwords get "
            "through. Reinstall cracklib-runtime (/var/cache/cracklib/cracklib_dict.*) and restart.",
            kDictionaryWord);
    }
    return false;
}

}  // namespace zr::accounts
