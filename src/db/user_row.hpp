#pragma once
// Internal to zr_db: reading a users_credentials row, shared by the user and session repositories.
#include "db/database.hpp"
#include "domain/user.hpp"

namespace zr::db::detail {

// Reads id, username, email, active, verified, hashed_pswd, salt, created_at from columns
// first..first+7.
domain::User ReadUser(const Statement& stmt, int first);

}  // namespace zr::db::detail
