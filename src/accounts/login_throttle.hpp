#pragma once
// Login throttling: past `limit` failed logins in a window, an account (or a client address) is
// blocked for a while, and its logins are refused with 429 + Retry-After before any password is
// hashed. Each block doubles the previous one up to a maximum, so a guesser is slowed more and
// more while the owner of a targeted account is never locked out for long; a successful login
// forgets the account's failures (never the address's: a guesser with an account of their own
// must not clear their address by logging in). See README "Security".
//
// Keys: "account:<user id>" when the login names an account (by username or e-mail, both count
// together), "login:<the login, lower-cased>" when it names none (the same answers either way:
// throttling does not tell which accounts exist), and "address:<client address>" (an IPv6 client
// counts by its /64). The state is in the database (table login_throttle), so every `zr serve`
// process on the host shares it; rows are deleted a window after their last failure or block,
// so the table holds recent failures only (at most what the hashing threads can check in a
// window: a failure costs a hash).
//
// Thread-safety: thread-safe; each call takes its own database connection.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "db/database.hpp"
#include "db/repositories.hpp"
#include "domain/user.hpp"
#include "settings/settings.hpp"

namespace zr::accounts {

// One kind of limit: `limit` failures within `window` start a block of `block`, doubled with each
// further block up to `block_max`. A window without failure after the last block forgets the
// blocks. limit 0 = this kind of limit is off.
struct ThrottleRule {
    unsigned limit = 0;
    std::chrono::seconds window{0};
    std::chrono::seconds block{0};
    std::chrono::seconds block_max{0};
};

// The rule's arithmetic, kept pure for tests. The row of `key` after one more failure at `now`
// (`row` nullopt or expired: a fresh one).
db::ThrottleRow AfterFailure(const std::optional<db::ThrottleRow>& row, std::string_view key, const ThrottleRule& rule,
                             TimePoint now);
// How long `row` still blocks at `now`; zero when it does not.
std::chrono::milliseconds RemainingBlock(const db::ThrottleRow& row, TimePoint now);
// The length of the block that the `blocks`-th block (from 0) of `rule` lasts.
std::chrono::seconds BlockLength(const ThrottleRule& rule, int blocks);

enum class ThrottleScope { kAccount, kAddress };

struct LoginRefusal {
    ThrottleScope scope;
    std::chrono::seconds retry_after;
};

// The keys one login attempt counts under (empty when that kind of limit is off).
struct LoginKeys {
    std::string account;
    std::string address;
    std::string client_address;  // as given, for the log
};

class LoginThrottle {
public:
    LoginThrottle(db::Database& db, const settings::Settings& settings, const Clock& clock);

    // `user`: the account `login` names, if any.
    LoginKeys KeysOf(const std::optional<domain::User>& user, std::string_view login,
                     std::string_view client_address) const;
    // nullopt when the attempt may go on; else which limit refuses it and for how long (counted).
    std::optional<LoginRefusal> Check(const LoginKeys& keys);
    // Counts a failed login under both keys; logs a warning when a key gets blocked. A failure to
    // record is logged, not thrown (the login has failed anyway).
    void Failed(const LoginKeys& keys);
    // Forgets the account's failures, on the caller's connection (its transaction).
    static void Succeeded(const LoginKeys& keys, db::Connection& conn);

    struct Counters {
        std::uint64_t failures = 0;         // failed logins recorded
        std::uint64_t refused_account = 0;  // attempts refused (429) by an account's block
        std::uint64_t refused_address = 0;  // ... by an address's block
        std::uint64_t blocks_account = 0;   // blocks started
        std::uint64_t blocks_address = 0;
    };
    Counters counters() const;

private:
    db::Database& db_;
    const ThrottleRule account_rule_;
    const ThrottleRule address_rule_;
    const Clock& clock_;
    std::atomic<std::uint64_t> failures_{0};
    std::atomic<std::uint64_t> refused_account_{0};
    std::atomic<std::uint64_t> refused_address_{0};
    std::atomic<std::uint64_t> blocks_account_{0};
    std::atomic<std::uint64_t> blocks_address_{0};
};

}  // namespace zr::accounts
