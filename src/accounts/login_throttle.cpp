#include "accounts/login_throttle.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/ip_address.hpp"
#include "common/strings.hpp"

namespace zr::accounts {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Longest login text kept in a key: longer ones (no account has them) share their prefix's count.
constexpr std::size_t kMaxLoginKeyBytes = 254;
// 2^30 blocks are more than any maximum could need; the shift must not overflow.
constexpr int kMaxDoublings = 30;

}  // namespace

seconds BlockLength(const ThrottleRule& rule, int blocks) {
    const int doublings = std::clamp(blocks, 0, kMaxDoublings);
    const auto factor = std::int64_t{1} << doublings;
    if (rule.block.count() > rule.block_max.count() / factor) return std::max(rule.block, rule.block_max);
    return std::max(rule.block, std::min(rule.block * factor, rule.block_max));
}

db::ThrottleRow AfterFailure(const std::optional<db::ThrottleRow>& row, std::string_view key, const ThrottleRule& rule,
                             TimePoint now) {
    db::ThrottleRow next;
    if (row && row->expires > now) {
        next = *row;
    } else {
        next.key = std::string(key);
        next.window_start = now;
    }
    if (now - next.window_start >= rule.window) {
        next.failures = 0;
        next.window_start = now;
    }
    ++next.failures;
    if (next.failures >= static_cast<int>(rule.limit)) {
        next.blocked_until = now + BlockLength(rule, next.blocks);
        ++next.blocks;
        // Counting starts again once the block is over.
        next.failures = 0;
        next.window_start = next.blocked_until;
    }
    next.expires = std::max(next.window_start, next.blocked_until) + rule.window;
    return next;
}

milliseconds RemainingBlock(const db::ThrottleRow& row, TimePoint now) {
    if (row.blocked_until <= now) return milliseconds(0);
    return std::chrono::ceil<milliseconds>(row.blocked_until - now);
}

LoginThrottle::LoginThrottle(db::Database& db, const settings::Settings& settings, const Clock& clock)
    : db_(db),
      account_rule_{settings.login_account_limit, settings.login_account_window, settings.login_block,
                    settings.login_block_max},
      address_rule_{settings.login_address_limit, settings.login_address_window, settings.login_block,
                    settings.login_block_max},
      clock_(clock) {}

LoginKeys LoginThrottle::KeysOf(const std::optional<domain::User>& user, std::string_view login,
                                std::string_view client_address) const {
    LoginKeys keys;
    keys.client_address = std::string(client_address);
    if (account_rule_.limit != 0) {
        keys.account = user ? "account:" + std::to_string(user->id)
                            : "login:" + ToLower(login.substr(0, std::min(login.size(), kMaxLoginKeyBytes)));
    }
    if (address_rule_.limit != 0) {
        const auto address = IpAddress::Parse(client_address);
        keys.address = "address:" + (address ? address->LimitKey() : std::string(client_address));
    }
    return keys;
}

std::optional<LoginRefusal> LoginThrottle::Check(const LoginKeys& keys) {
    if (keys.account.empty() && keys.address.empty()) return std::nullopt;
    const TimePoint now = clock_.Now();
    milliseconds account_wait{0};
    milliseconds address_wait{0};
    {
        auto conn = db_.Acquire();
        db::LoginThrottleRepository rows(*conn);
        if (!keys.account.empty()) {
            if (auto row = rows.Find(keys.account)) account_wait = RemainingBlock(*row, now);
        }
        if (!keys.address.empty()) {
            if (auto row = rows.Find(keys.address)) address_wait = RemainingBlock(*row, now);
        }
    }
    if (account_wait.count() == 0 && address_wait.count() == 0) return std::nullopt;
    const bool by_account = account_wait >= address_wait;
    (by_account ? refused_account_ : refused_address_).fetch_add(1, std::memory_order_relaxed);
    return LoginRefusal{by_account ? ThrottleScope::kAccount : ThrottleScope::kAddress,
                        std::chrono::ceil<seconds>(std::max(account_wait, address_wait))};
}

void LoginThrottle::Failed(const LoginKeys& keys) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    if (keys.account.empty() && keys.address.empty()) return;
    const TimePoint now = clock_.Now();
    struct Counted {
        const std::string& key;
        const ThrottleRule& rule;
        std::atomic<std::uint64_t>& blocks;
    };
    const Counted counted[] = {{keys.account, account_rule_, blocks_account_},
                               {keys.address, address_rule_, blocks_address_}};
    try {
        auto conn = db_.Acquire();
        db::Transaction tx(*conn);
        db::LoginThrottleRepository rows(*conn);
        rows.DeleteExpired(now);
        for (const auto& [key, rule, blocks] : counted) {
            if (key.empty()) continue;
            const auto before = rows.Find(key);
            const db::ThrottleRow after = AfterFailure(before, key, rule, now);
            rows.Put(after);
            if (after.blocks > (before && before->expires > now ? before->blocks : 0)) {
                blocks.fetch_add(1, std::memory_order_relaxed);
                // An unknown login may be a password typed in the wrong field: not logged.
                const std::string_view what =
                    key.starts_with("login:") ? std::string_view("a login of no account") : key;
                spdlog::warn("login throttled: {} blocked for {} s after {} failed logins (block {}, last from {})",
                             what, std::chrono::ceil<seconds>(after.blocked_until - now).count(), rule.limit,
                             after.blocks, keys.client_address);
            }
        }
        tx.Commit();
    } catch (const std::exception& e) {
        spdlog::error("login throttling: could not record a failed login from {}: {}", keys.client_address, e.what());
    }
}

void LoginThrottle::Succeeded(const LoginKeys& keys, db::Connection& conn) {
    if (!keys.account.empty()) db::LoginThrottleRepository(conn).Delete(keys.account);
}

LoginThrottle::Counters LoginThrottle::counters() const {
    return {failures_.load(std::memory_order_relaxed), refused_account_.load(std::memory_order_relaxed),
            refused_address_.load(std::memory_order_relaxed), blocks_account_.load(std::memory_order_relaxed),
            blocks_address_.load(std::memory_order_relaxed)};
}

}  // namespace zr::accounts
