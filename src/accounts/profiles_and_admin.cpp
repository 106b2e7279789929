// Profiles and the admin operations on users (used by the zr CLI).
#include <spdlog/spdlog.h>

#include "accounts/account_service.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"
#include "crypto/crypto.hpp"
#include "db/repositories.hpp"

namespace zr::accounts {
namespace {

domain::User RequireUser(db::UserRepository& users, domain::UserId id) {
    auto user = users.FindById(id);
    if (!user) {
        throw Error::Message(ErrorKind::kNotFound, "There is no user with the following id: " + std::to_string(id));
    }
    return *user;
}

}  // namespace

nlohmann::json AccountService::GetProfile(const domain::User& user, bool with_account) {
    return ProfileJson(user, ProfileOf(user).json.get(), with_account);
}

storage::ProfileSnapshot AccountService::ProfileOf(const domain::User& user) const {
    return profiles_.Snapshot(user.username);
}

nlohmann::json AccountService::ProfileJson(const domain::User& user, const nlohmann::json* file, bool with_account) {
    nlohmann::json profile = file != nullptr ? *file : nlohmann::json::object();
    profile["username"] = user.username;
    for (const char* key : {"affiliation", "first_name", "last_name"}) {
        if (!profile.contains(key)) profile[key] = nullptr;
    }
    if (with_account) {
        profile["email"] = user.email;
        profile["verified"] = user.IsVerified();
    }
    return profile;
}

void AccountService::UpdateProfile(const domain::User& user, const nlohmann::json& body) {
    nlohmann::json profile = profiles_.Read(user.username).value_or(nlohmann::json::object());
    for (const auto& [key, value] : body.items()) {
        if (key != "username") profile[key] = value;  // always the caller's own (see below)
    }
    profile["username"] = user.username;
    profiles_.Write(user.username, profile);
}

int AccountService::WarnReservedUsernames() {
    int found = 0;
    auto conn = db_.Acquire();
    db::UserRepository users(*conn);
    for (const std::string_view name : kReservedUsernames) {
        if (auto user = users.FindByUsername(name)) {
            ++found;
            spdlog::warn(
                "user '{}' (id {}) has a reserved username: its second-generation routes /users/{}/... clash "
                "with the first generation's /users/submissions/... and /users/profile (the first generation "
                "wins); the account keeps working with the first-generation routes only",
                user->username, user->id, user->username);
        }
    }
    return found;
}

std::vector<domain::User> AccountService::ListUsers() {
    auto conn = db_.Acquire();
    return db::UserRepository(*conn).List();
}

std::optional<domain::User> AccountService::FindUser(domain::UserId id) {
    auto conn = db_.Acquire();
    return db::UserRepository(*conn).FindById(id);
}

std::vector<LoggedUser> AccountService::ListLogged() {
    auto conn = db_.Acquire();
    std::vector<LoggedUser> out;
    for (auto& [user, expires] : db::SessionRepository(*conn).ListLogged(clock_.Now())) {
        out.push_back({std::move(user), expires});
    }
    return out;
}

int AccountService::CloseSessions(domain::UserId id) {
    auto conn = db_.Acquire();
    db::UserRepository users(*conn);
    RequireUser(users, id);
    return db::SessionRepository(*conn).DeleteForUser(id);
}

int AccountService::CloseAllSessions() {
    auto conn = db_.Acquire();
    return db::SessionRepository(*conn).DeleteAll();
}

void AccountService::MarkVerified(domain::UserId id) {
    auto conn = db_.Acquire();
    db::UserRepository users(*conn);
    RequireUser(users, id);
    users.SetVerified(id, domain::kVerifiedMarker);
}

void AccountService::MarkAllVerified() {
    auto conn = db_.Acquire();
    db::UserRepository(*conn).SetAllVerified();
}

bool AccountService::SendVerification(domain::UserId id) {
    domain::User user;
    {
        auto conn = db_.Acquire();
        db::UserRepository users(*conn);
        user = RequireUser(users, id);
        if (user.IsVerified()) return false;
        if (user.verified.empty()) {
            user.verified = crypto::NewToken(8);
            users.SetVerified(id, user.verified);
        }
    }
    QueueVerificationMail(user, user.verified);
    return true;
}

void AccountService::SetActive(domain::UserId id, bool active) {
    auto conn = db_.Acquire();
    db::UserRepository users(*conn);
    RequireUser(users, id);
    users.SetActive(id, active);
    if (!active) db::SessionRepository(*conn).DeleteForUser(id);
}

void AccountService::SetAllActive(bool active) {
    auto conn = db_.Acquire();
    db::UserRepository(*conn).SetAllActive(active);
}

std::string AccountService::StartPasswordReset(domain::UserId id) {
    domain::User user;
    {
        auto conn = db_.Acquire();
        db::UserRepository users(*conn);
        user = RequireUser(users, id);
    }
    return QueueResetMail(user);
}

void AccountService::QueueVerificationMail(const domain::User& user, std::string_view code) {
    const std::string link = settings_.api_base_url + "/page/email-verify?v=" + PercentEncode(code) +
                             "&username=" + PercentEncode(user.username);
    const auto profile = profiles_.Read(user.username).value_or(nlohmann::json::object());
    const auto first_name = profile.find("first_name");
    nlohmann::json data = {
        {"username", user.username},
        {"first_name",
         first_name != profile.end() && first_name->is_string() ? first_name->get<std::string>() : user.username},
        {"link", link},
        {"app_name", settings_.app_name},
        {"admin_email", settings_.admin_email}};
    mail_.Enqueue({user.email, "Zerospeech: verify your e-mail address",
                   templates_.Render("emails/account_verification.txt", data),
                   templates_.Render("emails/account_verification.html", data)});
    spdlog::info("verification mail queued for {}", user.username);
}

}  // namespace zr::accounts
