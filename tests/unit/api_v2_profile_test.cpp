// v2::ProfileJson: the Profile zrc feeds to CurrentUser(**body), from the account and any profile
// file, seed-era four-key files included (api-v2.md 1.3 P1-b, 5 row 1).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/v2_json.hpp"

namespace zr::api::v2 {
namespace {

using nlohmann::json;

domain::User Account(bool verified, std::optional<TimePoint> created) {
    domain::User user;
    user.id = 7;
    user.username = "probe";
    user.email = "probe@example.org";
    user.verified = verified ? std::string(domain::kVerifiedMarker) : "code123";
    user.created_at = created;
    return user;
}

TEST(ApiV2Profile, SeedEraFileWithoutCreationDate) {
    const json file = {{"username", "probe"}, {"affiliation", "ENS"}, {"first_name", "Pro"}, {"last_name", "Be"}};
    EXPECT_EQ(ProfileJson(Account(true, std::nullopt), file), json({{"username", "probe"},
                                                                    {"affiliation", "ENS"},
                                                                    {"first_name", "Pro"},
                                                                    {"last_name", "Be"},
                                                                    {"verified", true},
                                                                    {"email", "probe@example.org"},
                                                                    {"created", nullptr}}));
}

TEST(ApiV2Profile, TextsAreAlwaysStrings) {
    const json file = {{"affiliation", nullptr}, {"first_name", 12}, {"username", "someone-else"}};
    const json out = ProfileJson(Account(false, std::nullopt), file);
    EXPECT_EQ(out["affiliation"], "");
    EXPECT_EQ(out["first_name"], "12");
    EXPECT_EQ(out["last_name"], "");
    EXPECT_EQ(out["username"], "probe");  // the account's, whatever the file says
    EXPECT_EQ(out["verified"], false);
    EXPECT_EQ(ProfileJson(Account(true, std::nullopt), json::object())["affiliation"], "");
}

TEST(ApiV2Profile, AccountFieldsComeFromTheAccountAndExtrasPass) {
    const auto created = *ParseDateTime("2026-12-07 11:53:53.698884");
    const json file = {{"email", "forged@example.org"},
                       {"verified", false},
                       {"created", "1999-01-01T00:00:00"},
                       {"token", "x"},
                       {"team", "CoML"},
                       {"links", {{"paper", "https://p"}}}};
    const json out = ProfileJson(Account(true, created), file);
    EXPECT_EQ(out["email"], "probe@example.org");
    EXPECT_EQ(out["verified"], true);
    EXPECT_EQ(out["created"], "2026-12-07T11:53:53.698884");
    EXPECT_FALSE(out.contains("token"));  // CurrentUser(token=..., **profile) would get it twice
    EXPECT_EQ(out["team"], "CoML");
    EXPECT_EQ(out["links"], file["links"]);
}

TEST(ApiV2Profile, AccountKeys) {
    for (const char* key : {"email", "verified", "created"}) EXPECT_TRUE(IsAccountProfileKey(key)) << key;
    for (const char* key : {"username", "affiliation", "first_name", "team"}) EXPECT_FALSE(IsAccountProfileKey(key));
}

}  // namespace
}  // namespace zr::api::v2
