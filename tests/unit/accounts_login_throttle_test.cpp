#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <random>

#include "accounts/login_throttle.hpp"

namespace zr::accounts {
namespace {

namespace fs = std::filesystem;
using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kStart = TimePoint(std::chrono::hours(24 * 365 * 50));
const ThrottleRule kRule{3, minutes(15), minutes(1), minutes(8)};

TEST(AccountsLoginThrottle, BlocksDoubleUpToTheMaximum) {
    EXPECT_EQ(BlockLength(kRule, 0), minutes(1));
    EXPECT_EQ(BlockLength(kRule, 1), minutes(2));
    EXPECT_EQ(BlockLength(kRule, 3), minutes(8));
    EXPECT_EQ(BlockLength(kRule, 4), minutes(8));
    EXPECT_EQ(BlockLength(kRule, 1000), minutes(8));
    // A maximum below the first block: the first block wins.
    EXPECT_EQ(BlockLength({3, minutes(1), minutes(5), minutes(1)}, 2), minutes(5));
}

TEST(AccountsLoginThrottle, LimitFailuresInAWindowStartABlock) {
    std::optional<db::ThrottleRow> row;
    for (int i = 0; i < 2; ++i) {
        row = AfterFailure(row, "account:1", kRule, kStart + seconds(i));
        EXPECT_EQ(RemainingBlock(*row, kStart + seconds(i)).count(), 0);
    }
    row = AfterFailure(row, "account:1", kRule, kStart + seconds(10));
    EXPECT_EQ(row->key, "account:1");
    EXPECT_EQ(row->blocks, 1);
    EXPECT_EQ(row->blocked_until, kStart + seconds(70));
    EXPECT_EQ(RemainingBlock(*row, kStart + seconds(10)), std::chrono::milliseconds(60'000));
    EXPECT_EQ(RemainingBlock(*row, kStart + seconds(70)).count(), 0);
    // After the block, `limit` more failures start a block twice as long.
    TimePoint t = kStart + seconds(80);
    for (int i = 0; i < 3; ++i) row = AfterFailure(row, "account:1", kRule, t += seconds(1));
    EXPECT_EQ(row->blocks, 2);
    EXPECT_EQ(row->blocked_until, t + minutes(2));
}

TEST(AccountsLoginThrottle, FailuresOutsideTheWindowStartAgain) {
    std::optional<db::ThrottleRow> row;
    row = AfterFailure(row, "k", kRule, kStart);
    row = AfterFailure(row, "k", kRule, kStart + seconds(1));
    // The third failure comes after the window: counting restarts, no block.
    row = AfterFailure(row, "k", kRule, kStart + minutes(15) + seconds(1));
    EXPECT_EQ(row->failures, 1);
    EXPECT_EQ(row->blocks, 0);
    EXPECT_EQ(row->expires, kStart + minutes(30) + seconds(1));
}

TEST(AccountsLoginThrottle, AQuietWindowAfterABlockForgetsTheBlocks) {
    std::optional<db::ThrottleRow> row;
    for (int i = 0; i < 3; ++i) row = AfterFailure(row, "k", kRule, kStart);
    ASSERT_EQ(row->blocks, 1);
    EXPECT_EQ(row->expires, kStart + minutes(1) + minutes(15));
    // Expired: the next failure starts a fresh row.
    row = AfterFailure(row, "k", kRule, row->expires);
    EXPECT_EQ(row->blocks, 0);
    EXPECT_EQ(row->failures, 1);
}

class SteppedClock : public Clock {
public:
    TimePoint Now() const override { return now.load(); }
    std::atomic<TimePoint> now{kStart};
};

class AccountsLoginThrottleDb : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("zr-throttle-" + std::to_string(std::random_device()()));
        fs::create_directories(dir_);
        db_ = std::make_unique<db::Database>(dir_ / "zerospeech.db");
        settings_.login_account_limit = 3;
        settings_.login_account_window = minutes(15);
        settings_.login_address_limit = 5;
        settings_.login_address_window = minutes(1);
        settings_.login_block = seconds(30);
        settings_.login_block_max = minutes(4);
        throttle_ = std::make_unique<LoginThrottle>(*db_, settings_, clock_);
    }
    void TearDown() override {
        throttle_.reset();
        db_.reset();
        fs::remove_all(dir_);
    }
    static domain::User UserWithId(domain::UserId id) {
        domain::User user;
        user.id = id;
        return user;
    }

    fs::path dir_;
    std::unique_ptr<db::Database> db_;
    settings::Settings settings_;
    SteppedClock clock_;
    std::unique_ptr<LoginThrottle> throttle_;
};

TEST_F(AccountsLoginThrottleDb, AnAccountIsBlockedThenFreedAndASuccessForgetsIt) {
    const auto keys = throttle_->KeysOf(UserWithId(7), "alice", "192.0.2.1");
    EXPECT_EQ(keys.account, "account:7");
    EXPECT_EQ(keys.address, "address:192.0.2.1");
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(throttle_->Check(keys));
        throttle_->Failed(keys);
    }
    auto refusal = throttle_->Check(keys);
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->scope, ThrottleScope::kAccount);
    EXPECT_EQ(refusal->retry_after, seconds(30));
    // Another address is refused too: the block is the account's.
    EXPECT_TRUE(throttle_->Check(throttle_->KeysOf(UserWithId(7), "alice@example.com", "198.51.100.1")));
    clock_.now = kStart + seconds(31);
    EXPECT_FALSE(throttle_->Check(keys));
    // One more failure is not a block yet; a success forgets the account's count.
    throttle_->Failed(keys);
    {
        auto conn = db_->Acquire();
        LoginThrottle::Succeeded(keys, *conn);
        EXPECT_FALSE(db::LoginThrottleRepository(*conn).Find("account:7"));
        EXPECT_TRUE(db::LoginThrottleRepository(*conn).Find("address:192.0.2.1"));
    }
    const auto counters = throttle_->counters();
    EXPECT_EQ(counters.failures, 4u);
    EXPECT_EQ(counters.refused_account, 2u);
    EXPECT_EQ(counters.blocks_account, 1u);
}

TEST_F(AccountsLoginThrottleDb, AnAddressIsBlockedWhateverTheLogin) {
    for (int i = 0; i < 5; ++i) {
        throttle_->Failed(
            throttle_->KeysOf(std::nullopt, "nobody" + std::to_string(i), "2001:db8:1:2::" + std::to_string(i + 1)));
    }
    // The same /64 is blocked; an account that never failed is refused from there.
    auto refusal = throttle_->Check(throttle_->KeysOf(UserWithId(1), "bob", "2001:db8:1:2::99"));
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->scope, ThrottleScope::kAddress);
    EXPECT_FALSE(throttle_->Check(throttle_->KeysOf(UserWithId(1), "bob", "2001:db8:1:3::1")));
    EXPECT_EQ(throttle_->counters().blocks_address, 1u);
}

TEST_F(AccountsLoginThrottleDb, UnknownLoginsCountLikeAccountsAndExpiredRowsGo) {
    const auto keys = throttle_->KeysOf(std::nullopt, "Ghost@Example.com", "192.0.2.9");
    EXPECT_EQ(keys.account, "login:ghost@example.com");
    for (int i = 0; i < 3; ++i) throttle_->Failed(keys);
    EXPECT_TRUE(throttle_->Check(keys));
    // Long after the block and a quiet window, the next failure sweeps the old rows away.
    clock_.now = kStart + std::chrono::hours(1);
    throttle_->Failed(throttle_->KeysOf(std::nullopt, "other", "192.0.2.10"));
    auto conn = db_->Acquire();
    EXPECT_EQ(db::LoginThrottleRepository(*conn).Count(), 2);  // the new failure's two keys only
}

TEST_F(AccountsLoginThrottleDb, ALimitOfZeroTurnsThatKindOff) {
    settings_.login_account_limit = 0;
    settings_.login_address_limit = 0;
    LoginThrottle off(*db_, settings_, clock_);
    const auto keys = off.KeysOf(UserWithId(7), "alice", "192.0.2.1");
    EXPECT_TRUE(keys.account.empty());
    EXPECT_TRUE(keys.address.empty());
    for (int i = 0; i < 50; ++i) off.Failed(keys);
    EXPECT_FALSE(off.Check(keys));
    EXPECT_EQ(off.counters().failures, 50u);
}

}  // namespace
}  // namespace zr::accounts
