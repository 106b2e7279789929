#pragma once
// Accounts: credentials, sessions and password resets, as stored in the first implementation's
// tables (users_credentials, logged_users, password_reset_users).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/time.hpp"

namespace zr::domain {

using UserId = std::int64_t;

// The literal stored in users_credentials.verified once the e-mail is verified.
inline constexpr std::string_view kVerifiedMarker = "True";

struct User {
    UserId id = 0;
    std::string username;
    std::string email;
    bool active = true;
    // "True" once verified, otherwise the pending verification code.
    std::string verified;
    std::vector<unsigned char> hashed_pswd;  // 32 bytes
    std::vector<unsigned char> salt;         // 32 bytes
    std::optional<TimePoint> created_at;     // none for accounts older than schema version 7

    bool IsVerified() const { return verified == kVerifiedMarker; }
};

// What is needed to create a user row.
struct NewUser {
    std::string username;
    std::string email;
    bool active = true;
    std::string verified;  // pending code, or "True"
    std::vector<unsigned char> hashed_pswd;
    std::vector<unsigned char> salt;
    std::optional<TimePoint> created_at;
};

// A row of logged_users.
struct Session {
    std::string token;
    UserId user_id = 0;
    TimePoint expiration_date;
};

// A row of password_reset_users.
struct PasswordReset {
    std::string token;
    UserId user_id = 0;
    TimePoint expiration_date;
};

}  // namespace zr::domain
