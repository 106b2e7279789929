#include <gtest/gtest.h>

#include <any>
#include <stdexcept>
#include <string>

#include "common/error.hpp"
#include "http/router.hpp"

namespace zr::http {
namespace {

Response Named(std::string name) {
    Response r;
    r.body = std::move(name);
    return r;
}

Handler Returns(std::string name) {
    return [name](Request&) { return Named(name); };
}

std::string Call(const Match& m) {
    Request request;
    return m.route->handler(request).body;
}

class RouterTest : public ::testing::Test {
protected:
    void SetUp() override {
        router_.Add(Method::kGet, "/", Returns("root"))
            .Add(Method::kGet, "/challenges/", Returns("list"))
            .Add(Method::kGet, "/challenges/{id}", Returns("one"))
            .Add(Method::kGet, "/challenges/{id}/leaderboard", Returns("board"))
            .Add(Method::kGet, "/users/{name}", Returns("user-param"))
            .Add(Method::kGet, "/users/profile", Returns("profile-get"))
            .Add(Method::kPost, "/users/profile", Returns("profile-post"))
            .Add(Method::kGet, "/users/submissions/{submission_id}/status", Returns("status"))
            .Add(Method::kGet, "/static/{path:path}", Returns("static"))
            .Add(Method::kGet, "/static/special", Returns("special"))
            .Add(Method::kPut, "/auth/signup", Returns("signup-put"))
            .Add(Method::kPost, "/auth/signup", Returns("signup-post"));
    }
    Router router_;
};

TEST_F(RouterTest, LiteralRoutesMatchExactly) {
    auto m = router_.Find(Method::kGet, "/challenges/");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(Call(m), "list");
    EXPECT_TRUE(m.params.empty());
    m = router_.Find(Method::kGet, "/");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(Call(m), "root");
}

TEST_F(RouterTest, ParamsCaptureOneSegment) {
    auto m = router_.Find(Method::kGet, "/challenges/42");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(Call(m), "one");
    EXPECT_EQ(m.params.at("id"), "42");
    m = router_.Find(Method::kGet, "/challenges/7/leaderboard");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(Call(m), "board");
    EXPECT_EQ(m.params.at("id"), "7");
    m = router_.Find(Method::kGet, "/users/submissions/abc/status");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.params.at("submission_id"), "abc");
    // A parameter never matches several segments or an empty one.
    EXPECT_EQ(router_.Find(Method::kGet, "/challenges/1/2").route, nullptr);
    EXPECT_EQ(router_.Find(Method::kGet, "/challenges//leaderboard").route, nullptr);
}

TEST_F(RouterTest, LiteralWinsOverParamWhateverTheOrder) {
    auto m = router_.Find(Method::kGet, "/users/profile");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(Call(m), "profile-get");
    m = router_.Find(Method::kGet, "/users/alice");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(Call(m), "user-param");
    EXPECT_EQ(m.params.at("name"), "alice");
    m = router_.Find(Method::kGet, "/static/special");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(Call(m), "special");
}

TEST_F(RouterTest, PathParamTakesTheRest) {
    auto m = router_.Find(Method::kGet, "/static/css/site.css");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(Call(m), "static");
    EXPECT_EQ(m.params.at("path"), "css/site.css");
    m = router_.Find(Method::kGet, "/static/a//b/");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.params.at("path"), "a//b/");
    m = router_.Find(Method::kGet, "/static/");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.params.at("path"), "");
}

TEST_F(RouterTest, MethodSelectsRouteAnd405VersusUnknown) {
    auto m = router_.Find(Method::kPost, "/auth/signup");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(Call(m), "signup-post");
    m = router_.Find(Method::kDelete, "/auth/signup");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_TRUE(m.path_known);
    EXPECT_FALSE(m.redirect);
    m = router_.Find(Method::kPost, "/challenges/3");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_TRUE(m.path_known);
    m = router_.Find(Method::kGet, "/nothing/here");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_FALSE(m.path_known);
    EXPECT_FALSE(m.redirect);
}

TEST_F(RouterTest, HeadFallsBackToGet) {
    auto m = router_.Find(Method::kHead, "/challenges/5");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(Call(m), "one");
    EXPECT_EQ(m.params.at("id"), "5");
    m = router_.Find(Method::kHead, "/auth/signup");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_TRUE(m.path_known);
}

TEST_F(RouterTest, TrailingSlashRedirects) {
    auto m = router_.Find(Method::kGet, "/challenges");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_FALSE(m.path_known);
    ASSERT_TRUE(m.redirect);
    EXPECT_EQ(*m.redirect, "/challenges/");
    // The other way round too, as Starlette does.
    m = router_.Find(Method::kGet, "/users/profile/");
    ASSERT_TRUE(m.redirect);
    EXPECT_EQ(*m.redirect, "/users/profile");
    // Redirect whatever the method, when the other form is a route of any method.
    m = router_.Find(Method::kDelete, "/auth/signup/");
    ASSERT_TRUE(m.redirect);
    EXPECT_EQ(*m.redirect, "/auth/signup");
    EXPECT_FALSE(router_.Find(Method::kGet, "/nothing").redirect);
}

TEST_F(RouterTest, PathsNotStartingWithSlashMatchNothing) {
    auto m = router_.Find(Method::kGet, "challenges/");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_FALSE(m.path_known);
    EXPECT_FALSE(router_.Find(Method::kGet, "").path_known);
}

TEST(RouterPatterns, BadPatternsAreRefused) {
    Router router;
    EXPECT_THROW(router.Add(Method::kGet, "no-slash", Returns("x")), std::invalid_argument);
    EXPECT_THROW(router.Add(Method::kGet, "/a/{p:path}/b", Returns("x")), std::invalid_argument);
    EXPECT_THROW(router.Add(Method::kGet, "/a/{p:int}", Returns("x")), std::invalid_argument);
    EXPECT_THROW(router.Add(Method::kGet, "/a/{}", Returns("x")), std::invalid_argument);
    EXPECT_TRUE(router.routes().empty());
    router.Add(Method::kGet, "/a/{p:str}", Returns("x"));
    EXPECT_EQ(router.Find(Method::kGet, "/a/b").params.at("p"), "b");
}

TEST(RouterPatterns, FirstOfTwoIdenticalRoutesWins) {
    Router router;
    router.Add(Method::kGet, "/x/{a}", Returns("first")).Add(Method::kGet, "/x/{b}", Returns("second"));
    auto m = router.Find(Method::kGet, "/x/1");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(Call(m), "first");
    EXPECT_EQ(m.params.at("a"), "1");
}

RouteOptions WithAuth(Auth auth) {
    RouteOptions options;
    options.auth = auth;
    return options;
}

// The kind of the zr::Error held in `error` (kInternal for anything else).
ErrorKind KindOf(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const Error& e) {
        return e.kind();
    } catch (...) {
        return ErrorKind::kInternal;
    }
}

TEST(RouterAuthentication, TheDeclaredAuthIsResolvedIntoTheRequest) {
    Router router;
    int calls = 0;
    router.SetAuthenticator([&calls](Auth auth, const Request& request) -> std::any {
        ++calls;
        if (request.Header("authorization") != "Bearer good") {
            throw Error::Detail(ErrorKind::kUnauthenticated, "Not authenticated");
        }
        return std::string(auth == Auth::kWorkerToken ? "worker" : "user");
    });
    router.Add(Method::kGet, "/public", Returns("public"));
    router.Add(Method::kGet, "/mine", Returns("mine"), WithAuth(Auth::kActiveUser));
    router.Add(Method::kGet, "/worker", Returns("worker"), WithAuth(Auth::kWorkerToken));

    Request open;
    router.Authenticate(*router.Find(Method::kGet, "/public").route, open);
    EXPECT_EQ(calls, 0);  // never called for Auth::kNone
    EXPECT_FALSE(open.caller.has_value());
    EXPECT_FALSE(open.auth_error);

    Request good;
    good.headers.emplace_back("authorization", "Bearer good");
    router.Authenticate(*router.Find(Method::kGet, "/mine").route, good);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(std::any_cast<std::string>(good.caller), "user");
    EXPECT_FALSE(good.auth_error);
    Request worker = good;
    worker.caller.reset();
    router.Authenticate(*router.Find(Method::kGet, "/worker").route, worker);
    EXPECT_EQ(std::any_cast<std::string>(worker.caller), "worker");

    Request bad;  // the error is kept for the prepare step and the handler, not thrown here
    router.Authenticate(*router.Find(Method::kGet, "/mine").route, bad);
    EXPECT_EQ(calls, 3);
    EXPECT_FALSE(bad.caller.has_value());
    ASSERT_TRUE(bad.auth_error);
    EXPECT_EQ(KindOf(bad.auth_error), ErrorKind::kUnauthenticated);
}

TEST(RouterAuthentication, ARouteWithAuthButNoAuthenticatorIsAnInternalError) {
    Router router;
    router.Add(Method::kGet, "/mine", Returns("mine"), WithAuth(Auth::kSession));
    Request request;
    router.Authenticate(*router.Find(Method::kGet, "/mine").route, request);
    ASSERT_TRUE(request.auth_error);
    EXPECT_EQ(KindOf(request.auth_error), ErrorKind::kInternal);
}

}  // namespace
}  // namespace zr::http
