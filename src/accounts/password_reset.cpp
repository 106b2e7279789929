// Password reset: requests (rate-limited, no account enumeration), token checks and the update.
#include <spdlog/spdlog.h>

#include "accounts/account_service.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"
#include "crypto/crypto.hpp"
#include "db/repositories.hpp"

namespace zr::accounts {

std::optional<std::chrono::seconds> AccountService::ResetRequestWait(std::string_view email,
                                                                     std::string_view client_address) {
    const TimePoint now = clock_.Now();
    const TimePoint window_start = now - settings_.reset_rate_window;
    std::lock_guard lock(rate_mutex_);
    // Forget old entries so the map does not grow without bound.
    for (auto it = reset_requests_.begin(); it != reset_requests_.end();) {
        auto& times = it->second;
        std::erase_if(times, [&](TimePoint t) { return t < window_start; });
        it = times.empty() ? reset_requests_.erase(it) : std::next(it);
    }
    const std::string keys[] = {"mail:" + ToLower(email), "ip:" + std::string(client_address)};
    std::optional<std::chrono::seconds> wait;
    for (const auto& key : keys) {
        auto it = reset_requests_.find(key);
        if (it == reset_requests_.end() || it->second.size() < settings_.reset_rate_limit) continue;
        // Allowed again once the oldest request of the window has left it.
        const auto until = it->second.front() + settings_.reset_rate_window;
        wait = std::max(wait.value_or(std::chrono::seconds(0)), std::chrono::ceil<std::chrono::seconds>(until - now));
    }
    if (wait) return wait;
    for (const auto& key : keys) reset_requests_[key].push_back(now);
    return std::nullopt;
}

void AccountService::RequestPasswordReset(std::string_view username, std::string_view email,
                                          std::string_view client_address) {
    if (const auto wait = ResetRequestWait(email, client_address)) {
        throw Error::Detail(ErrorKind::kRateLimited, "Too many password reset requests, please try again later")
            .WithRetryAfter(*wait);
    }
    std::optional<domain::User> user;
    {
        auto conn = db_.Acquire();
        user = db::UserRepository(*conn).FindByUsername(username);
    }
    if (!user || !EqualsIgnoreCase(user->email, email)) {
        // Same answer as for a real account: the caller learns nothing about which accounts exist.
        spdlog::info("password reset requested for unknown account '{}' / '{}'", username, email);
        return;
    }
    QueueResetMail(*user);
}

std::optional<std::string> AccountService::CheckResetToken(std::string_view token) {
    auto conn = db_.Acquire();
    auto reset = db::PasswordResetRepository(*conn).Find(token);
    if (!reset || reset->expiration_date <= clock_.Now()) return std::nullopt;
    auto user = db::UserRepository(*conn).FindById(reset->user_id);
    if (!user) return std::nullopt;
    return user->username;
}

Outcome AccountService::UpdatePassword(std::string_view token, std::string_view session_code, std::string_view password,
                                       std::string_view password_validation) {
    // The reasons are the first implementation's, word for word.
    if (!crypto::ConstantTimeEquals(token, session_code)) {
        return {false, {}, "session validation not passed !!!", true};
    }
    std::optional<std::string> username;
    {
        auto conn = db_.Acquire();
        auto reset = db::PasswordResetRepository(*conn).Find(token);
        if (!reset) return {false, {}, "session was not found", true};
        if (reset->expiration_date <= clock_.Now()) return {false, {}, "session expired", true};
        auto user = db::UserRepository(*conn).FindById(reset->user_id);
        if (!user) return {false, {}, "database does not contain a user for given credentials", true};
        username = user->username;
    }
    if (password != password_validation) return {false, *username, "passwords do not match", false};
    if (password.empty()) return {false, *username, "the password must not be empty", false};
    if (auto refusal = password_policy_.Check(password, *username)) {
        std::string reason = refusal->reason;
        return {false, *username, std::move(reason), false, std::move(refusal)};
    }

    const crypto::Bytes salt = crypto::RandomBytes(crypto::kSaltBytes);
    const crypto::Bytes hash = crypto::Pbkdf2Sha256(password, salt);
    auto conn = db_.Acquire();
    db::Transaction tx(*conn);
    db::PasswordResetRepository resets(*conn);
    auto reset = resets.Find(token);  // re-read inside the transaction: a token is used once
    if (!reset) return {false, *username, "session was not found", true};
    db::UserRepository(*conn).SetPassword(reset->user_id, hash, salt);
    const int closed = db::SessionRepository(*conn).DeleteForUser(reset->user_id);
    resets.DeleteForUser(reset->user_id);
    tx.Commit();
    spdlog::info("password of {} updated, {} session(s) closed", *username, closed);
    return {true, *username, {}, false};
}

std::string AccountService::QueueResetMail(const domain::User& user) {
    const TimePoint now = clock_.Now();
    domain::PasswordReset reset{crypto::NewToken(), user.id, now + settings_.password_reset_expiry_delay};
    {
        auto conn = db_.Acquire();
        db::PasswordResetRepository(*conn).Create(reset);
    }
    std::string link = settings_.api_base_url + "/page/password-update?v=" + PercentEncode(reset.token);
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(settings_.password_reset_expiry_delay);
    nlohmann::json data = {{"username", user.username},
                           {"link", link},
                           {"expires_minutes", minutes.count()},
                           {"app_name", settings_.app_name},
                           {"admin_email", settings_.admin_email}};
    mail_.Enqueue({user.email, "Zerospeech: password reset", templates_.Render("emails/password_reset.txt", data),
                   templates_.Render("emails/password_reset.html", data)});
    spdlog::info("password reset mail queued for {}", user.username);
    return link;
}

}  // namespace zr::accounts
