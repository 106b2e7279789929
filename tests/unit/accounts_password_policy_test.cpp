// accounts::PasswordPolicy against the real libpwquality and cracklib dictionary of the host
// (scripts/setup.sh installs libpwquality-dev and cracklib-runtime).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "accounts/password_policy.hpp"

namespace zr::accounts {
namespace {

using Kind = PasswordRefusal::Kind;

// The reason `password` is refused for `username`, or "" when it is accepted.
std::string Reason(const PasswordPolicy& policy, std::string_view password, std::string_view username = "alice") {
    const auto refusal = policy.Check(password, username);
    return refusal ? refusal->reason : std::string();
}

const PasswordPolicy& DefaultPolicy() {
    static const PasswordPolicy policy(PasswordPolicy::Options{});
    return policy;
}

TEST(PasswordPolicy, TheHostsDictionaryWorks) {
    EXPECT_TRUE(DefaultPolicy().dictionary_available()) << "is cracklib-runtime installed?";
    EXPECT_EQ(DefaultPolicy().min_length(), 8u);
}

TEST(PasswordPolicy, StrongPasswordsAreAccepted) {
    for (const char* strong : {"correcthorse", "Tr0ub4dor&3", "zerospeech2024", "kdj3#kdLL", "Grüße-Zürich-7"}) {
        EXPECT_EQ(Reason(DefaultPolicy(), strong), "") << strong;
    }
}

TEST(PasswordPolicy, ShortPasswordsAreRefusedInCharacters) {
    const auto refusal = DefaultPolicy().Check("Zq7#vLp", "alice");
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->kind, Kind::kTooShort);
    EXPECT_EQ(refusal->reason, "The password is shorter than 8 characters");
    EXPECT_EQ(refusal->Type(), "value_error.password.too_short");
    EXPECT_EQ(DefaultPolicy().Check("", "alice")->kind, Kind::kTooShort);
    // 7 characters in 14 bytes: too short; one more character and it is long enough.
    EXPECT_EQ(Reason(DefaultPolicy(), "ÀÉÎÕÜçñ"), "The password is shorter than 8 characters");
    EXPECT_EQ(Reason(DefaultPolicy(), "ÀÉÎÕÜçñø"), "");
}

TEST(PasswordPolicy, CommonAndDictionaryPasswordsAreRefused) {
    for (const char* common :
         {"password", "Password1", "qwertyuiop", "monkey123", "letmein!", "sunshine", "iloveyou", "hunter2!"}) {
        const auto refusal = DefaultPolicy().Check(common, "alice");
        ASSERT_TRUE(refusal) << common;
        EXPECT_EQ(refusal->kind, Kind::kWeak) << common;
        EXPECT_EQ(refusal->Type(), "value_error.password.weak");
        EXPECT_EQ(refusal->reason, "The password fails the dictionary check - it is based on a dictionary word")
            << common;
    }
    for (const char* systematic : {"12345678", "abcdefgh"}) {
        EXPECT_EQ(Reason(DefaultPolicy(), systematic),
                  "The password fails the dictionary check - it is too simplistic/systematic")
            << systematic;
    }
    EXPECT_EQ(Reason(DefaultPolicy(), "aaaaaaaa"), "The password is a palindrome");
}

TEST(PasswordPolicy, TheUsernameMayNotBeInThePassword) {
    EXPECT_EQ(Reason(DefaultPolicy(), "alice123", "alice"), "The password contains the user name in some form");
    EXPECT_EQ(Reason(DefaultPolicy(), "x-Dave-pass-1", "dave"), "The password contains the user name in some form");
    EXPECT_EQ(Reason(DefaultPolicy(), "x-Dave-pass-1", "erin"), "");
    EXPECT_EQ(Reason(DefaultPolicy(), "x-Dave-pass-1", ""), "");  // no username: no username check
}

TEST(PasswordPolicy, MinimumLengthIsASetting) {
    const PasswordPolicy policy({.min_length = 12});
    EXPECT_EQ(Reason(policy, "Tr0ub4dor&3"), "The password is shorter than 12 characters");
    EXPECT_EQ(Reason(policy, "Tr0ub4dor&3x"), "");
    // The lowest minimum is cracklib's own.
    const PasswordPolicy lowest({.min_length = PasswordPolicy::kLowestMinLength});
    EXPECT_EQ(Reason(lowest, "Zq7#vL"), "");
    EXPECT_EQ(Reason(lowest, "Zq7#v"), "The password is shorter than 6 characters");
}

TEST(PasswordPolicy, LongPasswordsAreJudgedOnTheirBeginning) {
    std::string long_password = "Zq7#vLp2!mZ9";
    while (long_password.size() < 200'000) long_password += "-kdj3#kdLL-" + std::to_string(long_password.size());
    EXPECT_EQ(Reason(DefaultPolicy(), long_password, std::string(64, 'u')), "");
    EXPECT_EQ(Reason(DefaultPolicy(), std::string(200'000, 'a'), "alice"), "The password is a palindrome");
}

TEST(PasswordPolicy, ChecksFromManyThreadsGetTheSameVerdicts) {
    std::vector<std::thread> threads;
    std::vector<int> wrong(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&wrong, t] {
            for (int i = 0; i < 25; ++i) {
                if (Reason(DefaultPolicy(), "sunshine").empty()) ++wrong[t];
                if (!Reason(DefaultPolicy(), "kdj3#kdLL").empty()) ++wrong[t];
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

TEST(PasswordPolicy, WithoutItsDictionaryTheOtherRulesStillApply) {
    // What a host without cracklib-runtime gets: an error in the log, no dictionary check, and
    // the length, palindrome and username rules still enforced.
    const PasswordPolicy policy({.min_length = 8, .dictionary_path = "/nonexistent/zr-test/cracklib_dict"});
    EXPECT_FALSE(policy.dictionary_available());
    EXPECT_EQ(Reason(policy, "kdj3#kdLL"), "");
    EXPECT_EQ(Reason(policy, "sunshine"), "");  // no longer caught: that is what the error says
    EXPECT_EQ(Reason(policy, "Zq7#vLp"), "The password is shorter than 8 characters");
    EXPECT_EQ(Reason(policy, "aaaaaaaa"), "The password is a palindrome");
    EXPECT_EQ(Reason(policy, "alice123", "alice"), "The password contains the user name in some form");
}

}  // namespace
}  // namespace zr::accounts
