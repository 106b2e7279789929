// api::BearerToken, the one parser of "Authorization: Bearer <token>" for every route that declares
// an authentication (sessions, the worker token, the metrics token).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "api/context.hpp"
#include "http/message.hpp"

namespace zr::api {
namespace {

std::optional<std::string> TokenOf(std::optional<std::string> authorization) {
    http::Request request;
    if (authorization) request.headers.emplace_back("authorization", *authorization);
    const auto token = BearerToken(request);
    return token ? std::optional<std::string>(*token) : std::nullopt;
}

TEST(BearerTokenTest, TakesTheTokenOfTheBearerScheme) {
    EXPECT_EQ(TokenOf("Bearer s3cret"), "s3cret");
    EXPECT_EQ(TokenOf("bearer s3cret"), "s3cret");  // the scheme in any case
    EXPECT_EQ(TokenOf("BEARER s3cret"), "s3cret");
    EXPECT_EQ(TokenOf("Bearer s3cret "), "s3cret");     // trailing blanks of a header value
    EXPECT_EQ(TokenOf(" Bearer \t s3cret"), "s3cret");  // blanks around
    EXPECT_EQ(TokenOf("Bearer\ts3cret"), "s3cret");
}

TEST(BearerTokenTest, NoTokenWithoutTheHeaderAnotherSchemeOrAnEmptyOne) {
    EXPECT_EQ(TokenOf(std::nullopt), std::nullopt);
    EXPECT_EQ(TokenOf(""), std::nullopt);
    EXPECT_EQ(TokenOf("s3cret"), std::nullopt);  // no scheme
    EXPECT_EQ(TokenOf("Bearer"), std::nullopt);
    EXPECT_EQ(TokenOf("Bearer "), std::nullopt);
    EXPECT_EQ(TokenOf("Bearer   "), std::nullopt);
    EXPECT_EQ(TokenOf("Basic s3cret"), std::nullopt);
    EXPECT_EQ(TokenOf("Bearers s3cret"), std::nullopt);
}

TEST(BearerTokenTest, TheFirstAuthorizationHeaderCounts) {
    http::Request request;
    request.headers.emplace_back("authorization", "Bearer first");
    request.headers.emplace_back("authorization", "Bearer second");
    EXPECT_EQ(BearerToken(request), std::optional<std::string_view>("first"));
}

}  // namespace
}  // namespace zr::api
