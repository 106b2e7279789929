#pragma once
// Accounts: sign-up, e-mail verification, login sessions, password reset, profiles, and the admin
// operations on users. The HTTP handlers and the admin CLI both call this; it owns no SQL (data
// layer) and no file layout (storage).
//
// Errors: throws zr::Error with the first implementation's statuses and bodies (see api.md).
// Thread-safety: thread-safe; each call takes its own database connection.
// CPU: Signup, Login, UpdatePassword and CreateUser hash passwords (~25 ms): HTTP routes that call
// them run on the blocking pool. New passwords (Signup, CreateUser, UpdatePassword) are first
// checked against the PasswordPolicy (a few ms: cracklib reads its dictionary); Login never is, so
// existing accounts keep logging in with whatever password they had.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/login_throttle.hpp"
#include "accounts/password_policy.hpp"
#include "common/time.hpp"
#include "db/commit_cache.hpp"
#include "db/database.hpp"
#include "domain/user.hpp"
#include "mail/mailer.hpp"
#include "settings/settings.hpp"
#include "storage/profiles.hpp"
#include "templates/templates.hpp"

namespace zr::accounts {

// Usernames are used as file names: 1-64 of [A-Za-z0-9_.-], not starting with '.' or '-'.
bool IsValidUsername(std::string_view username);
// A plausible e-mail address: one '@', non-empty local part, a dot in the domain, no spaces.
bool IsValidEmail(std::string_view email);
// Usernames no account may take: the second API generation's /users/{username}/... routes would
// be shadowed by the first's /users/submissions/... and /users/profile (api-v2.md section 4.3).
inline constexpr std::string_view kReservedUsernames[] = {"submissions", "profile"};
bool IsReservedUsername(std::string_view username);

struct SignupRequest {
    std::string username;
    std::string email;
    std::string password;
    std::string first_name;
    std::string last_name;
    std::string affiliation;
    // The request field that carried the password, named by a 422 item's loc: "pwd" in the JSON
    // sign-up (the first implementation's UserCreate), "password" in the HTML form.
    std::string password_field = "pwd";
};

// Whether a new password must satisfy the PasswordPolicy. Only an administrator may waive it
// (`zr users:create --allow-weak-password`).
enum class PasswordRule { kEnforce, kWaive };

// A session and its user as read from the database: shared by the session cache and every caller
// it authenticates, never copied per request.
struct SessionRecord {
    domain::Session session;
    domain::User user;
};

// The authenticated caller of a request: `user` and `token` are the shared record's.
struct Caller {
    explicit Caller(std::shared_ptr<const SessionRecord> found)
        : record(std::move(found)), user(record->user), token(record->session.token) {}
    Caller(const Caller& other) : Caller(other.record) {}
    Caller& operator=(const Caller&) = delete;
    ~Caller() = default;

    std::shared_ptr<const SessionRecord> record;  // never null
    const domain::User& user;
    const std::string& token;
};

enum class AuthLevel {
    kAnySession,  // any valid session (logout)
    kActiveUser,  // active and verified user
};

// The result of an operation whose failure is shown on an HTML page rather than as an error.
struct Outcome {
    bool ok = false;
    std::string username;          // when known
    std::string reason;            // when !ok, a sentence for the page
    bool session_invalid = false;  // when !ok because the reset token is unknown/expired/mismatched
    // When !ok because the new password breaks the policy (`reason` is its reason then).
    std::optional<PasswordRefusal> password_refusal = std::nullopt;
};

struct LoginResult {
    std::string token;
    std::string username;  // canonical, also when the login was an e-mail address
};

struct LoggedUser {
    domain::User user;
    TimePoint expires;
};

class AccountService {
public:
    // `password_policy` must outlive the service.
    AccountService(db::Database& db, const storage::Profiles& profiles, mail::MailQueue& mail,
                   const templates::Engine& templates, const settings::Settings& settings,
                   const PasswordPolicy& password_policy, const Clock& clock);

    // Creates an unverified user and their profile, and queues the verification e-mail.
    // 409 {"detail": "This username already exists !!"} / "This email already exists !!";
    // 422 for an invalid or reserved username, an invalid e-mail, or a password the policy refuses
    // (loc ["body", field], the password's field being request.password_field; type
    // "value_error.password.too_short" / "value_error.password.weak", msg the policy's reason).
    // Nothing is written when it throws.
    domain::UserId Signup(const SignupRequest& request);
    // Admin creation: same checks; `verified` skips the e-mail verification; PasswordRule::kWaive
    // accepts a password the policy refuses (a non-empty one).
    domain::UserId CreateUser(const SignupRequest& request, bool verified, PasswordRule rule = PasswordRule::kEnforce);
    // The policy new passwords are checked against (for callers that check before creating).
    const PasswordPolicy& password_policy() const { return password_policy_; }

    // Checks the password of `login` (username, or e-mail in any case) and opens a session; returns
    // its token and the account's username. 401 "Incorrect username or password"; 401 "User
    // inactive, should not connect" for a deactivated user whose password is right. An unverified
    // user gets a session (its use answers 406). Throttled (LoginThrottle): 429 with Retry-After,
    // nothing hashed, when the account or `client_address` is blocked; a wrong password counts a
    // failure, a right one forgets the account's.
    LoginResult Login(std::string_view login, std::string_view password, std::string_view client_address);
    // The throttle's check alone, cheap (two indexed reads, no hashing): throws the 429 Login
    // would. For the transport to refuse a throttled login before it waits for a hashing thread.
    void ScreenLogin(std::string_view login, std::string_view client_address);
    // Counters of the login throttle, for metrics.
    LoginThrottle::Counters ThrottleCounters() const { return throttle_.counters(); }
    void Logout(std::string_view token);
    // 401 "Token is not found or invalid !" (unknown/expired); with kActiveUser also
    // 406 "User not verified" and 401 "User inactive, should not connect". A known token's session
    // and user are kept in memory and reused until anything is committed to the database (a
    // logout, a password change, an admin command: see db::CommitCache); unknown tokens are not.
    Caller Authenticate(std::string_view token, AuthLevel level);

    // Link from the verification e-mail.
    Outcome VerifyEmail(std::string_view username, std::string_view code);

    // Mails a reset link if username and e-mail name the same account; answers the same way
    // either way. 429 {"detail": ...} past the rate limit per e-mail and per client address.
    void RequestPasswordReset(std::string_view username, std::string_view email, std::string_view client_address);
    // The username a valid, unexpired reset token belongs to.
    std::optional<std::string> CheckResetToken(std::string_view token);
    // Sets the password of the reset token's user; ends their sessions and reset tokens. A password
    // the policy refuses changes nothing (the token stays usable): !ok with `password_refusal`.
    Outcome UpdatePassword(std::string_view token, std::string_view session_code, std::string_view password,
                           std::string_view password_validation);

    // The profile file as the first implementation answered it: {"username", "affiliation",
    // "first_name", "last_name", ...the file's other keys}; `with_account` adds "email" and
    // "verified" (bool) from the account.
    nlohmann::json GetProfile(const domain::User& user, bool with_account = false);
    // The same, from a profile file read before (`file`: null when there is none).
    static nlohmann::json ProfileJson(const domain::User& user, const nlohmann::json* file, bool with_account);
    // The user's profile file as storage::Profiles reads it, with its version: for callers that
    // keep what they derive from it (the profile routes' JSON text).
    storage::ProfileSnapshot ProfileOf(const domain::User& user) const;
    // Keeps extra keys; "username" is always the caller's (cannot write another user's file).
    // 422 when affiliation is missing or fields have wrong types.
    void UpdateProfile(const domain::User& user, const nlohmann::json& body);

    // Logs a warning naming each existing account whose username is reserved (IsReservedUsername);
    // returns how many. Called at start-up.
    int WarnReservedUsernames();

    // Admin operations (CLI). Unknown user ids: 404 {"message": "..."}.
    std::vector<domain::User> ListUsers();
    std::optional<domain::User> FindUser(domain::UserId id);
    std::vector<LoggedUser> ListLogged();
    int CloseSessions(domain::UserId id);
    int CloseAllSessions();
    void MarkVerified(domain::UserId id);
    void MarkAllVerified();
    // Re-sends the verification e-mail (new code) to an unverified user; false if already verified.
    bool SendVerification(domain::UserId id);
    void SetActive(domain::UserId id, bool active);
    void SetAllActive(bool active);
    // Creates a reset token and mails the link; returns the link.
    std::string StartPasswordReset(domain::UserId id);

private:
    void QueueVerificationMail(const domain::User& user, std::string_view code);
    std::string QueueResetMail(const domain::User& user);
    // Records a reset request and answers nullopt, or, past the limit, how long until one is allowed.
    std::optional<std::chrono::seconds> ResetRequestWait(std::string_view email, std::string_view client_address);
    // The account `login` names, and the throttle's keys of an attempt by `client_address`.
    std::pair<std::optional<domain::User>, LoginKeys> LoginAttempt(std::string_view login,
                                                                   std::string_view client_address);

    db::Database& db_;
    const storage::Profiles& profiles_;
    mail::MailQueue& mail_;
    const templates::Engine& templates_;
    const settings::Settings& settings_;
    const PasswordPolicy& password_policy_;
    const Clock& clock_;

    LoginThrottle throttle_;
    std::mutex rate_mutex_;
    std::map<std::string, std::vector<TimePoint>> reset_requests_;
    // Token -> its session and user, as last read from the database.
    static constexpr std::size_t kSessionCacheSize = 4096;
    db::CommitCache<std::string, std::shared_ptr<const SessionRecord>> sessions_{kSessionCacheSize};
};

}  // namespace zr::accounts
