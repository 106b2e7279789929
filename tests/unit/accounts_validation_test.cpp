#include <gtest/gtest.h>

#include "accounts/account_service.hpp"

namespace zr::accounts {
namespace {

TEST(AccountsValidation, UsernamesAreSafeFileNames) {
    for (const char* ok : {"alice", "Bob_2", "a.b-c", "x"}) EXPECT_TRUE(IsValidUsername(ok)) << ok;
    for (const char* bad : {"", "../x", "a/b", ".hidden", "-rf", "white space", "é", "a\\b"}) {
        EXPECT_FALSE(IsValidUsername(bad)) << bad;
    }
    EXPECT_FALSE(IsValidUsername(std::string("a\0b", 3)));
    EXPECT_FALSE(IsValidUsername(std::string(65, 'a')));
    EXPECT_TRUE(IsValidUsername(std::string(64, 'a')));
}

TEST(AccountsValidation, Emails) {
    for (const char* ok : {"a@b.co", "first.last+tag@example.org"}) EXPECT_TRUE(IsValidEmail(ok)) << ok;
    for (const char* bad : {"", "plain", "@x.org", "a@b", "a@@b.org", "a b@c.org", "a@.org", "a@b."}) {
        EXPECT_FALSE(IsValidEmail(bad)) << bad;
    }
}

TEST(AccountsValidation, ReservedUsernamesAreExactNames) {
    // Valid as file names, but path segments of the first generation's /users/... routes.
    for (const char* reserved : {"submissions", "profile"}) {
        EXPECT_TRUE(IsValidUsername(reserved)) << reserved;
        EXPECT_TRUE(IsReservedUsername(reserved)) << reserved;
    }
    for (const char* free : {"Submissions", "profiles", "submission", "profile_", "alice"}) {
        EXPECT_FALSE(IsReservedUsername(free)) << free;
    }
}

}  // namespace
}  // namespace zr::accounts
