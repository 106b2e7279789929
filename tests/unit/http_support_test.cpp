#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "common/error.hpp"
#include "common/strings.hpp"
#include "http/error_response.hpp"
#include "http/server_support.hpp"

namespace zr::http {
namespace {

using nlohmann::json;

std::optional<std::string> HeaderOf(const Response& r, std::string_view name) {
    for (const auto& [key, value] : r.headers) {
        if (key == name) return value;
    }
    return std::nullopt;
}

TEST(ErrorResponseTest, DetailForm) {
    const Response r = ErrorResponse(Error::Detail(ErrorKind::kConflict, "This username already exists !!"));
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(json::parse(r.body), json({{"detail", "This username already exists !!"}}));
    EXPECT_FALSE(HeaderOf(r, "WWW-Authenticate"));
}

TEST(ErrorResponseTest, MessageFormNeverShowsLogDetail) {
    const Response r = ErrorResponse(
        Error::Message(ErrorKind::kNotFound, "There is no challenge with the following id: 9999", "/srv/secret/path"));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(json::parse(r.body), json({{"message", "There is no challenge with the following id: 9999"}}));
    EXPECT_EQ(r.body.find("/srv/secret"), std::string::npos);
}

TEST(ErrorResponseTest, ValidationFormListsEveryIssue) {
    const Response r = ErrorResponse(Error::Validation(
        {{json::array({"body", "email"}), "field required", "value_error.missing"},
         {json::array({"query", "include_inactive"}), "value could not be parsed to a boolean", "type_error.bool"}}));
    EXPECT_EQ(r.status, 422);
    const json expected = {{"detail",
                            {{{"loc", {"body", "email"}}, {"msg", "field required"}, {"type", "value_error.missing"}},
                             {{"loc", {"query", "include_inactive"}},
                              {"msg", "value could not be parsed to a boolean"},
                              {"type", "type_error.bool"}}}}};
    EXPECT_EQ(json::parse(r.body), expected);
}

TEST(ErrorResponseTest, UnauthenticatedCarriesBearerChallenge) {
    const Response r = ErrorResponse(Error::Detail(ErrorKind::kUnauthenticated, "Not authenticated"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"), "Bearer");
    EXPECT_EQ(json::parse(r.body), json({{"detail", "Not authenticated"}}));
}

TEST(ErrorResponseTest, NotFoundAndMethodNotAllowed) {
    EXPECT_EQ(NotFound().status, 404);
    EXPECT_EQ(NotFound().body, R"({"detail":"Not Found"})");
    EXPECT_EQ(MethodNotAllowed().status, 405);
    EXPECT_EQ(MethodNotAllowed().body, R"({"detail":"Method Not Allowed"})");
}

TEST(MessageTest, JsonWithInvalidUtf8DoesNotThrow) {
    const Response r = Response::Json(200, {{"x", std::string("a\xff")}});
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.body.empty());
    const Response empty = Response::Empty();
    EXPECT_EQ(empty.status, 200);
    EXPECT_TRUE(empty.body.empty());
    EXPECT_TRUE(empty.content_type.empty());
    const Response redirect = Response::Redirect(307, "/x/");
    EXPECT_EQ(HeaderOf(redirect, "Location"), "/x/");
    EXPECT_TRUE(redirect.content_type.empty());
}

TEST(MessageTest, HeaderLookupIsCaseInsensitiveAndFirstWins) {
    Request request;
    request.headers = {{"origin", "a"}, {"x-thing", "1"}, {"x-thing", "2"}};
    EXPECT_EQ(request.Header("X-Thing"), "1");
    EXPECT_EQ(request.Header("ORIGIN"), "a");
    EXPECT_FALSE(request.Header("authorization"));
}

TEST(UrlTest, PercentDecode) {
    EXPECT_EQ(zr::PercentDecode("/a%20b/c%2Fd", false), "/a b/c/d");
    EXPECT_EQ(zr::PercentDecode("a+b", false), "a+b");
    EXPECT_EQ(zr::PercentDecode("a+b%2B", true), "a b+");
    EXPECT_EQ(zr::PercentDecode("100%", false), "100%");
    EXPECT_EQ(zr::PercentDecode("%G1%4", false), "%G1%4");
    EXPECT_EQ(zr::PercentDecode("%e2%82%ac", false), "\xe2\x82\xac");
}

TEST(SupportTest, DecodeRequestPathRejectsNulAndRelative) {
    EXPECT_EQ(DecodeRequestPath("/a%41"), "/aA");
    EXPECT_FALSE(DecodeRequestPath("/a%00b"));
    EXPECT_FALSE(DecodeRequestPath("a"));
    EXPECT_FALSE(DecodeRequestPath(""));
    EXPECT_FALSE(DecodeRequestPath("*"));
}

TEST(SupportTest, RedirectLocationKeepsQueryAndStaysOnHost) {
    EXPECT_EQ(RedirectLocation("/challenges", "include_inactive=true"), "/challenges/?include_inactive=true");
    EXPECT_EQ(RedirectLocation("/users/profile/", ""), "/users/profile");
    EXPECT_EQ(RedirectLocation("//evil.example/", ""), "/evil.example");
    EXPECT_EQ(RedirectLocation("///evil.example", ""), "/evil.example/");
}

TEST(SupportTest, SplitTarget) {
    std::string_view path;
    std::string_view query;
    SplitTarget("/a/b?x=1&y=2?z", &path, &query);
    EXPECT_EQ(path, "/a/b");
    EXPECT_EQ(query, "x=1&y=2?z");
    SplitTarget("/a", &path, &query);
    EXPECT_EQ(path, "/a");
    EXPECT_EQ(query, "");
}

TEST(SupportTest, RequestIdsAreHexAndUnique) {
    RequestIdGenerator ids;
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        const std::string id = ids.Next();
        ASSERT_EQ(id.size(), 16u);
        ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 10000u);
}

TEST(SupportTest, SaneRequestIds) {
    EXPECT_TRUE(IsSaneRequestId("abc-DEF_1.2"));
    EXPECT_TRUE(IsSaneRequestId(std::string(64, 'a')));
    EXPECT_FALSE(IsSaneRequestId(std::string(65, 'a')));
    EXPECT_FALSE(IsSaneRequestId(""));
    EXPECT_FALSE(IsSaneRequestId("a b"));
    EXPECT_FALSE(IsSaneRequestId("a\r\nSet-Cookie: x"));
}

TEST(SupportTest, HttpDateFormat) {
    const std::string date(HttpDate());
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    ASSERT_EQ(date.size(), 29u);
    EXPECT_EQ(date.substr(3, 2), ", ");
    EXPECT_EQ(date.substr(26), "GMT");
}

TEST(CorsTest, AllowedOriginGetsHeaders) {
    const CorsPolicy cors({"https://zerospeech.com", "http://localhost:1313"});
    Response r;
    cors.AddHeaders("https://zerospeech.com", r);
    EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Origin"), "https://zerospeech.com");
    EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Credentials"), "true");
    EXPECT_EQ(HeaderOf(r, "Vary"), "Origin");
    Response other;
    cors.AddHeaders("https://evil.example", other);
    EXPECT_TRUE(other.headers.empty());
}

TEST(CorsTest, Preflight) {
    const CorsPolicy cors({"https://zerospeech.com"});
    const Response ok = cors.Preflight("https://zerospeech.com", "authorization, content-type");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(HeaderOf(ok, "Access-Control-Allow-Methods"), "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
    EXPECT_EQ(HeaderOf(ok, "Access-Control-Allow-Headers"), "authorization, content-type");
    EXPECT_EQ(HeaderOf(ok, "Access-Control-Max-Age"), "600");
    EXPECT_EQ(HeaderOf(ok, "Access-Control-Allow-Origin"), "https://zerospeech.com");
    const Response refused = cors.Preflight("https://evil.example", std::nullopt);
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(refused.body, "Disallowed CORS origin");
    EXPECT_EQ(refused.content_type, "text/plain; charset=utf-8");
    EXPECT_FALSE(HeaderOf(refused, "Access-Control-Allow-Origin"));
}

TEST(CorsTest, WildcardAllowsAny) {
    const CorsPolicy cors({"*"});
    EXPECT_TRUE(cors.Allowed("https://anything.example"));
}

}  // namespace
}  // namespace zr::http
