#include "accounts/account_service.hpp"

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/strings.hpp"
#include "crypto/crypto.hpp"
#include "db/repositories.hpp"

namespace zr::accounts {
namespace {

constexpr std::string_view kBadCredentials = "Incorrect username or password";
constexpr std::string_view kInactive = "User inactive, should not connect";
constexpr std::string_view kBadToken = "Token is not found or invalid !";
// Verification codes look like the first implementation's (secrets.token_urlsafe(8)).
constexpr std::size_t kVerificationCodeBytes = 8;

// Hashes a new password with a fresh salt.
std::pair<crypto::Bytes, crypto::Bytes> HashNewPassword(std::string_view password) {
    crypto::Bytes salt = crypto::RandomBytes(crypto::kSaltBytes);
    crypto::Bytes hash = crypto::Pbkdf2Sha256(password, salt);
    return {std::move(hash), std::move(salt)};
}

// 429 for a throttled login: the same words for an account's block and an address's.
Error Throttled(const LoginRefusal& refusal) {
    return Error::Detail(ErrorKind::kRateLimited, "Too many failed login attempts, please try again in " +
                                                      std::to_string(refusal.retry_after.count()) + " seconds")
        .WithRetryAfter(refusal.retry_after);
}

// 409 "This <field> already exists !!", the field ("username" or "email") as the error's data.
Error AlreadyExists(const std::string& field) {
    return Error::Detail(ErrorKind::kConflict, "This " + field + " already exists !!").WithData(field);
}

}  // namespace

AccountService::AccountService(db::Database& db, const storage::Profiles& profiles, mail::MailQueue& mail,
                               const templates::Engine& templates, const settings::Settings& settings,
                               const PasswordPolicy& password_policy, const Clock& clock)
    : db_(db),
      profiles_(profiles),
      mail_(mail),
      templates_(templates),
      settings_(settings),
      password_policy_(password_policy),
      clock_(clock),
      throttle_(db, settings, clock) {}

domain::UserId AccountService::Signup(const SignupRequest& request) {
    const domain::UserId id = CreateUser(request, /*verified=*/false);
    return id;
}

domain::UserId AccountService::CreateUser(const SignupRequest& request, bool verified, PasswordRule rule) {
    std::vector<ValidationIssue> issues;
    if (!IsValidUsername(request.username)) {
        issues.push_back({{"body", "username"},
                          "username must be 1-64 letters, digits, '_', '.' or '-', not starting with '.' or '-'",
                          "value_error.username"});
    }
    if (IsReservedUsername(request.username)) {
        issues.push_back({{"body", "username"},
                          "the username '" + request.username + "' is reserved, please choose another one",
                          "value_error.username.reserved"});
    }
    if (!IsValidEmail(request.email)) {
        issues.push_back({{"body", "email"}, "value is not a valid email address", "value_error.email"});
    }
    if (request.password.empty()) {
        issues.push_back({{"body", request.password_field},
                          "ensure this value has at least 1 characters",
                          "value_error.any_str.min_length"});
    } else if (rule == PasswordRule::kEnforce) {
        if (auto refusal = password_policy_.Check(request.password, request.username)) {
            issues.push_back(
                {{"body", request.password_field}, std::move(refusal->reason), std::string(refusal->Type())});
        }
    }
    if (!issues.empty()) throw Error::Validation(std::move(issues));

    auto [hash, salt] = HashNewPassword(request.password);
    domain::NewUser user{request.username,
                         request.email,
                         true,
                         verified ? std::string(domain::kVerifiedMarker) : crypto::NewToken(kVerificationCodeBytes),
                         std::move(hash),
                         std::move(salt),
                         clock_.Now()};
    auto conn = db_.Acquire();
    db::Transaction tx(*conn);
    db::UserRepository users(*conn);
    if (users.FindByUsername(request.username)) throw AlreadyExists("username");
    if (users.FindByEmail(request.email)) throw AlreadyExists("email");
    domain::UserId id = 0;
    try {
        id = users.Create(user);
    } catch (const db::UniqueViolation& e) {
        throw AlreadyExists(e.column() == "email" ? "email" : "username");
    }
    // The profile is written before the commit: if it cannot be written, no half account remains.
    profiles_.Write(request.username, {{"username", request.username},
                                       {"affiliation", request.affiliation},
                                       {"first_name", request.first_name},
                                       {"last_name", request.last_name}});
    tx.Commit();
    spdlog::info("user {} ({}) created, id {}", request.username, request.email, id);
    if (!verified) {
        auto created = FindUser(id);
        if (created) QueueVerificationMail(*created, created->verified);
    }
    return id;
}

std::pair<std::optional<domain::User>, LoginKeys> AccountService::LoginAttempt(std::string_view login,
                                                                               std::string_view client_address) {
    std::optional<domain::User> user;
    {
        auto conn = db_.Acquire();
        user = db::UserRepository(*conn).FindByLogin(login);
    }
    LoginKeys keys = throttle_.KeysOf(user, login, client_address);
    if (const auto refusal = throttle_.Check(keys)) throw Throttled(*refusal);
    return {std::move(user), std::move(keys)};
}

void AccountService::ScreenLogin(std::string_view login, std::string_view client_address) {
    LoginAttempt(login, client_address);
}

LoginResult AccountService::Login(std::string_view login, std::string_view password, std::string_view client_address) {
    // Checked again here: requests that passed the screen together may have been blocked since.
    auto [user, keys] = LoginAttempt(login, client_address);
    if (!user) {
        // Spend the same time as a real check so that response times do not reveal accounts.
        crypto::Pbkdf2Sha256(password, crypto::Bytes(crypto::kSaltBytes, 0));
        throttle_.Failed(keys);
        throw Error::Detail(ErrorKind::kUnauthenticated, std::string(kBadCredentials));
    }
    const crypto::Bytes hash = crypto::Pbkdf2Sha256(password, user->salt);
    if (!crypto::ConstantTimeEquals(hash, user->hashed_pswd)) {
        throttle_.Failed(keys);
        throw Error::Detail(ErrorKind::kUnauthenticated, std::string(kBadCredentials));
    }
    const TimePoint now = clock_.Now();
    domain::Session session{crypto::NewToken(), user->id, now + settings_.session_expiry_delay};
    auto conn = db_.Acquire();
    db::Transaction tx(*conn);
    // The right password, also for a deactivated account: its failures are forgotten.
    LoginThrottle::Succeeded(keys, *conn);
    if (!user->active) {
        tx.Commit();
        throw Error::Detail(ErrorKind::kUnauthenticated, std::string(kInactive));
    }
    db::SessionRepository sessions(*conn);
    sessions.DeleteExpired(now);
    sessions.Create(session);
    tx.Commit();
    spdlog::info("user {} logged in", user->username);
    return {std::move(session.token), user->username};
}

void AccountService::Logout(std::string_view token) {
    auto conn = db_.Acquire();
    db::SessionRepository(*conn).Delete(token);
}

Caller AccountService::Authenticate(std::string_view token, AuthLevel level) {
    const auto stamp = db_.LastCommit();  // before reading: see db::CommitCache
    std::shared_ptr<const SessionRecord> found;
    if (stamp) found = sessions_.Find(token, *stamp).value_or(nullptr);
    if (!found) {
        std::optional<std::pair<domain::Session, domain::User>> row;
        {
            auto conn = db_.Acquire();
            row = db::SessionRepository(*conn).FindWithUser(token);
        }
        if (row) {
            found = std::make_shared<const SessionRecord>(SessionRecord{std::move(row->first), std::move(row->second)});
            if (stamp) sessions_.Store(std::string(token), found, *stamp);
        }
    }
    if (!found || found->session.expiration_date <= clock_.Now()) {
        throw Error::Detail(ErrorKind::kUnauthenticated, std::string(kBadToken));
    }
    if (level == AuthLevel::kActiveUser) {
        if (!found->user.active) throw Error::Detail(ErrorKind::kUnauthenticated, std::string(kInactive));
        if (!found->user.IsVerified()) throw Error::Detail(ErrorKind::kNotVerified, "User not verified");
    }
    return Caller(std::move(found));
}

Outcome AccountService::VerifyEmail(std::string_view username, std::string_view code) {
    auto conn = db_.Acquire();
    db::UserRepository users(*conn);
    auto user = users.FindByUsername(username);
    // The first implementation's reasons, word for word (exception class names included).
    if (!user) return {false, std::string(username), "Username does not exist", false};
    if (user->IsVerified()) return {false, user->username, "ActionNotValid: Email already verified", false};
    if (!crypto::ConstantTimeEquals(code, user->verified)) {
        return {false, user->username, "ValueNotValid: validation code was not correct", false};
    }
    users.SetVerified(user->id, domain::kVerifiedMarker);
    spdlog::info("user {} verified their e-mail", user->username);
    return {true, user->username, {}, false};
}

}  // namespace zr::accounts
