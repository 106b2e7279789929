// ProfileBodies: the profile routes' JSON text kept per thread is always what rendering the
// profile file and the account afresh gives, whatever changed in between (the file, the account's
// fields, another user, another thread).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "api/profile_bodies.hpp"
#include "api/v2_json.hpp"
#include "settings/settings.hpp"
#include "temp_database.hpp"
#include "wiring/services.hpp"

namespace zr::api {
namespace {

using nlohmann::json;
using Shape = ProfileBodies::Shape;
using test_support::TempDir;

domain::User Account(domain::UserId id, const std::string& username) {
    domain::User user;
    user.id = id;
    user.username = username;
    user.email = username + "@example.org";
    user.verified = std::string(domain::kVerifiedMarker);
    return user;
}

class ProfileBodiesTest : public ::testing::Test {
protected:
    // What the routes answered before the bodies were kept: rendered from the file every time.
    json Fresh(const domain::User& user, Shape shape) {
        auto& accounts = services_->accounts();
        if (shape == Shape::kSecondGeneration) return v2::ProfileJson(user, accounts.GetProfile(user));
        return accounts.GetProfile(user, shape == Shape::kSeedWithAccount);
    }
    void ExpectFresh(const domain::User& user) {
        for (const Shape shape : {Shape::kSeed, Shape::kSeedWithAccount, Shape::kSecondGeneration}) {
            const std::string body = bodies_->Body(user, shape);
            EXPECT_EQ(json::parse(body), Fresh(user, shape)) << body;
            EXPECT_EQ(bodies_->Body(user, shape), body);  // the kept copy
        }
    }
    // The seed route's "affiliation" once it is `expected`, or the last one after 10 s.
    json EventualAffiliation(const domain::User& user, const json& expected) {
        json seen;
        for (int i = 0; i < 1000; ++i) {
            seen = json::parse(bodies_->Body(user, Shape::kSeed))["affiliation"];
            if (seen == expected) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return seen;
    }
    std::filesystem::path ProfileFile(const std::string& username) const {
        return services_->settings().user_data_dir / (username + ".json");
    }

    TempDir data_;
    std::unique_ptr<wiring::Services> services_ =
        std::make_unique<wiring::Services>(settings::LoadFrom({{"DATA_FOLDER", data_.path().string()}}).settings);
    std::unique_ptr<ProfileBodies> bodies_ = std::make_unique<ProfileBodies>(services_->accounts());
};

TEST_F(ProfileBodiesTest, FollowsTheProfileFile) {
    const auto ada = Account(1, "ada");
    ExpectFresh(ada);  // no file yet
    services_->accounts().UpdateProfile(ada, {{"affiliation", "Lab A"}, {"first_name", "Ada"}});
    ExpectFresh(ada);
    EXPECT_EQ(json::parse(bodies_->Body(ada, Shape::kSeed))["affiliation"], "Lab A");
    services_->accounts().UpdateProfile(ada, {{"affiliation", "Lab B"}, {"team", "CoML"}});
    ExpectFresh(ada);
    EXPECT_EQ(json::parse(bodies_->Body(ada, Shape::kSecondGeneration))["team"], "CoML");

    // changed by another process (the admin CLI, an editor): seen once the watch counted it
    std::ofstream(ProfileFile("ada"), std::ios::trunc) << R"({"affiliation": "Lab C"})";
    EXPECT_EQ(EventualAffiliation(ada, "Lab C"), "Lab C");
    ExpectFresh(ada);
    std::filesystem::remove(ProfileFile("ada"));
    EXPECT_EQ(EventualAffiliation(ada, nullptr), nullptr);
}

TEST_F(ProfileBodiesTest, FollowsTheAccount) {
    auto ada = Account(1, "ada");
    services_->accounts().UpdateProfile(ada, {{"affiliation", "Lab A"}});
    ExpectFresh(ada);
    ada.verified = "code123";
    EXPECT_EQ(json::parse(bodies_->Body(ada, Shape::kSeedWithAccount))["verified"], false);
    EXPECT_EQ(json::parse(bodies_->Body(ada, Shape::kSecondGeneration))["verified"], false);
    ExpectFresh(ada);
    ada.email = "new@example.org";
    EXPECT_EQ(json::parse(bodies_->Body(ada, Shape::kSecondGeneration))["email"], "new@example.org");
    ExpectFresh(ada);
    ada.created_at = *ParseDateTime("2026-12-07 11:53:53.698884");
    EXPECT_EQ(json::parse(bodies_->Body(ada, Shape::kSecondGeneration))["created"], "2026-12-07T11:53:53.698884");
    ExpectFresh(ada);
    // the same name for another account (deleted, then created again)
    auto again = Account(2, "ada");
    again.email = ada.email;
    again.created_at = ada.created_at;
    again.verified = ada.verified;
    ExpectFresh(again);
}

TEST_F(ProfileBodiesTest, UsersAndThreadsAreNotMixed) {
    const auto ada = Account(1, "ada");
    const auto bob = Account(2, "bob");
    services_->accounts().UpdateProfile(ada, {{"affiliation", "Lab A"}});
    services_->accounts().UpdateProfile(bob, {{"affiliation", "Lab B"}});
    EXPECT_EQ(json::parse(bodies_->Body(ada, Shape::kSeed))["username"], "ada");
    EXPECT_EQ(json::parse(bodies_->Body(bob, Shape::kSeed))["username"], "bob");
    ExpectFresh(ada);
    ExpectFresh(bob);
    std::thread other([&] {
        EXPECT_EQ(json::parse(bodies_->Body(ada, Shape::kSeed))["affiliation"], "Lab A");
        services_->accounts().UpdateProfile(ada, {{"affiliation", "Lab A2"}});
        EXPECT_EQ(json::parse(bodies_->Body(ada, Shape::kSeed))["affiliation"], "Lab A2");
    });
    other.join();
    EXPECT_EQ(json::parse(bodies_->Body(ada, Shape::kSeed))["affiliation"], "Lab A2");
}

}  // namespace
}  // namespace zr::api
