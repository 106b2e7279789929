#pragma once
// The password policy of new passwords: sign-up, password update and `zr users:create` (issue 22).
// Existing accounts are never checked against it (login compares hashes only).
//
// A password is refused when it has fewer than `min_length` characters (UTF-8 code points), or
// when libpwquality refuses it: a palindrome, the account's username in it, and cracklib's
// dictionary check (words of its dictionary and their mangled forms, "simplistic/systematic"
// sequences, too few different characters). libpwquality runs with its built-in defaults, never
// /etc/security/pwquality.conf, so that a verdict does not depend on the host's configuration.
//
// The dictionary (Debian's cracklib-runtime, /var/cache/cracklib/cracklib_dict.*) is tried at
// construction on a known strong password and a known dictionary word. When it does not work (not
// installed, unreadable, or cracklib cannot look up the process's account), an error is logged
// and the dictionary check stays off for the object's life: the length and libpwquality's other
// rules are still enforced, so sign-ups keep working on a broken host, but weaker passwords get
// through until the dictionary is repaired and the process restarted.
//
// Errors: Check returns why a password is refused (an expected outcome), never throws for a weak
// password; the constructor throws std::bad_alloc when libpwquality cannot allocate its settings.
// Thread-safety: thread-safe. Checks are serialised by a mutex: cracklib keeps no promise of
// being reentrant (it looks the process's account up), and checks are rare (sign-ups, changes).
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

struct pwquality_settings;  // libpwquality's settings (pwquality.h), kept out of this header

namespace zr::accounts {

struct PasswordRefusal {
    enum class Kind {
        kTooShort,  // fewer characters than the policy's minimum
        kWeak,      // refused by libpwquality (dictionary, username, palindrome...)
    };
    Kind kind;
    // A sentence for the user, e.g. "The password is shorter than 8 characters" or "The password
    // fails the dictionary check - it is based on a dictionary word" (libpwquality's words).
    std::string reason;

    // The type of a 422 item about it: "value_error.password.too_short" / "value_error.password.weak".
    std::string_view Type() const;
};

class PasswordPolicy {
public:
    // cracklib refuses anything shorter ("it is too short"), so a lower minimum would only move
    // the refusal to a less clear message.
    static constexpr std::size_t kLowestMinLength = 6;

    struct Options {
        std::size_t min_length = 8;   // characters; at least kLowestMinLength (asserted)
        std::string dictionary_path;  // cracklib dictionary (without .pwd/.pwi/.hwm); "" = Debian's
    };

    // Sets libpwquality up and tries the dictionary (see above); logs an error when it fails.
    explicit PasswordPolicy(const Options& options);
    ~PasswordPolicy();
    PasswordPolicy(const PasswordPolicy&) = delete;
    PasswordPolicy& operator=(const PasswordPolicy&) = delete;

    // Why `password` may not become the password of the account `username`; nullopt when it may.
    // `username` may be empty (no username check). Only the first kCheckedBytes bytes are given
    // to libpwquality (the rest can only add strength; its username check needs memory and stack
    // in proportion to the length).
    std::optional<PasswordRefusal> Check(std::string_view password, std::string_view username) const;

    std::size_t min_length() const { return min_length_; }
    // Whether cracklib's dictionary check worked at construction (and is therefore applied).
    bool dictionary_available() const { return dictionary_available_; }

    static constexpr std::size_t kCheckedBytes = 1024;

private:
    struct SettingsDeleter {
        void operator()(pwquality_settings* settings) const;
    };
    // libpwquality's verdict: its error code (< 0) and message, or nullopt when it accepts.
    std::optional<std::pair<int, std::string>> Pwquality(std::string_view password, std::string_view username) const;
    bool TryDictionary();

    std::size_t min_length_;
    std::unique_ptr<pwquality_settings, SettingsDeleter> settings_;
    bool dictionary_available_ = false;
    mutable std::mutex mutex_;  // guards every libpwquality / cracklib call
};

}  // namespace zr::accounts
