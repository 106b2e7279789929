#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "templates/templates.hpp"

namespace {

using nlohmann::json;
using zr::templates::Engine;
using zr::templates::TemplateError;

json Site(json data) {
    data["app_name"] = "Zerospeech Challenge API";
    data["admin_email"] = "contact@zerospeech.com";
    return data;
}

class TempDir {
public:
    TempDir() {
        path_ = std::filesystem::temp_directory_path() /
                ("zr_templates_test_" + std::to_string(::getpid()) + "_" +
                 std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::filesystem::path& path() const { return path_; }
    void Write(const std::string& relative, const std::string& text) const {
        std::filesystem::create_directories((path_ / relative).parent_path());
        std::ofstream(path_ / relative) << text;
    }

private:
    std::filesystem::path path_;
};

void ExpectPageLayout(const std::string& html, const std::string& title) {
    EXPECT_EQ(html.rfind("<!doctype html>", 0), 0u) << html.substr(0, 80);
    EXPECT_NE(html.find("<title>" + title + " · Zerospeech Challenge API</title>"), std::string::npos);
    EXPECT_NE(html.find("href=\"/static/style.css\""), std::string::npos);
    EXPECT_NE(html.find("contact@zerospeech.com"), std::string::npos);
    EXPECT_NE(html.find("</html>"), std::string::npos);
    EXPECT_EQ(html.find("{{"), std::string::npos) << "unrendered tag";
}

// Every input of a form has a <label for=...> and the given attributes.
void ExpectInput(const std::string& html, const std::string& name, const std::string& type) {
    const std::regex input("<input id=\"" + name + "\" name=\"" + name + "\" type=\"" + type + "\"[^>]*required>");
    EXPECT_TRUE(std::regex_search(html, input)) << name;
    EXPECT_NE(html.find("<label for=\"" + name + "\">"), std::string::npos) << name;
}

TEST(TemplatesRender, SignupFormHasEveryField) {
    const std::string html = Engine().Render("pages/signup_form.html", Site({{"title", "Sign up"}}));
    ExpectPageLayout(html, "Sign up");
    EXPECT_NE(html.find("<form class=\"form\" method=\"post\" action=\"/auth/signup\">"), std::string::npos);
    for (const char* name : {"first_name", "last_name", "affiliation", "username"}) {
        ExpectInput(html, name, "text");
    }
    ExpectInput(html, "email", "email");
    ExpectInput(html, "password", "password");
    EXPECT_NE(html.find(">Sign Up</button>"), std::string::npos);
}

TEST(TemplatesRender, MessagePageSuccessAndError) {
    Engine engine;
    const std::string ok = engine.Render("pages/message.html", Site({{"title", "Sign up"},
                                                                     {"heading", "Account created successfully"},
                                                                     {"lines", {"Check your e-mail.", "Second line."}},
                                                                     {"success", true}}));
    ExpectPageLayout(ok, "Sign up");
    EXPECT_NE(ok.find("message--success"), std::string::npos);
    EXPECT_EQ(ok.find("message--error"), std::string::npos);
    EXPECT_NE(ok.find("Account created successfully"), std::string::npos);
    EXPECT_NE(ok.find("<p class=\"message__text\">Check your e-mail.</p>"), std::string::npos);
    EXPECT_NE(ok.find("<p class=\"message__text\">Second line.</p>"), std::string::npos);
    EXPECT_EQ(ok.find("<a class=\"button"), std::string::npos) << "no link without link_url";

    const std::string bad = engine.Render("pages/message.html", Site({{"title", "Sign up"},
                                                                      {"heading", "email already in use"},
                                                                      {"lines", {"Choose another one."}},
                                                                      {"success", false},
                                                                      {"link_url", "/page/new-user"},
                                                                      {"link_text", "Back to sign up"}}));
    EXPECT_NE(bad.find("message--error"), std::string::npos);
    EXPECT_EQ(bad.find("message--success"), std::string::npos);
    EXPECT_NE(bad.find("href=\"/page/new-user\">Back to sign up</a>"), std::string::npos);
}

TEST(TemplatesRender, PasswordPages) {
    Engine engine;
    const std::string request =
        engine.Render("pages/request_password_update.html", Site({{"title", "Reset password"}}));
    ExpectPageLayout(request, "Reset password");
    EXPECT_NE(request.find("method=\"post\" action=\"/auth/password/reset\""), std::string::npos);
    ExpectInput(request, "username", "text");
    ExpectInput(request, "email", "email");
    EXPECT_NE(request.find(">Request Password Reset</button>"), std::string::npos);

    const std::string update =
        engine.Render("pages/password_update_form.html", Site({{"title", "New password"},
                                                               {"username", "alice"},
                                                               {"token", "tok-_123"},
                                                               {"action", "/auth/password/update?v=tok-_123"}}));
    ExpectPageLayout(update, "New password");
    EXPECT_NE(update.find("method=\"post\" action=\"/auth/password/update?v=tok-_123\""), std::string::npos);
    EXPECT_NE(update.find("<input type=\"hidden\" name=\"session_code\" value=\"tok-_123\">"), std::string::npos);
    ExpectInput(update, "password", "password");
    ExpectInput(update, "password_validation", "password");
    EXPECT_NE(update.find(">Reset Password</button>"), std::string::npos);
    EXPECT_NE(update.find("alice"), std::string::npos);
}

// The text variant of each e-mail carries its link verbatim, alone on its line; the HTML variant
// escapes it in attributes.
TEST(TemplatesRender, EmailsCarryTheirLink) {
    Engine engine;
    const std::string link = "https://api.example.org/page/email-verify?v=a-b_c&username=bob";
    const json verification = Site({{"username", "bob"}, {"first_name", "Bob"}, {"link", link}});
    const json reset = Site({{"username", "bob"}, {"link", link}, {"expires_minutes", 45}});
    const json challenge = Site({{"username", "bob"}, {"challenge", "abx-2024"}, {"url", link}});
    for (const auto& [name, data] : {std::pair{"account_verification", verification},
                                     std::pair{"password_reset", reset}, std::pair{"new_challenge", challenge}}) {
        const std::string text = engine.Render(std::string("emails/") + name + ".txt", data);
        std::smatch match;
        ASSERT_TRUE(std::regex_search(text, match, std::regex(R"(https?://\S+)"))) << name;
        EXPECT_EQ(match.str(), link) << name;
        EXPECT_NE(text.find("\n" + link + "\n"), std::string::npos) << name;
        EXPECT_NE(text.find("bob"), std::string::npos) << name;

        const std::string html = engine.Render(std::string("emails/") + name + ".html", data);
        EXPECT_NE(html.find("href=\"https://api.example.org/page/email-verify?v=a-b_c&amp;"
                            "username=bob\""),
                  std::string::npos)
            << name;
        EXPECT_NE(html.find("contact@zerospeech.com"), std::string::npos) << name;
    }
    EXPECT_NE(engine.Render("emails/password_reset.txt", reset).find("45 minutes"), std::string::npos);
}

TEST(TemplatesRender, NewSubmissionEmailAndMattermost) {
    Engine engine;
    const json data = Site({{"username", "bob"}, {"submission_id", "01HX9"}, {"challenge", "abx"}});
    for (const char* name :
         {"emails/new_submission.txt", "emails/new_submission.html", "mattermost/new_submission.md"}) {
        const std::string out = engine.Render(name, data);
        EXPECT_NE(out.find("bob"), std::string::npos) << name;
        EXPECT_NE(out.find("01HX9"), std::string::npos) << name;
        EXPECT_NE(out.find("abx"), std::string::npos) << name;
    }
    const std::string board =
        engine.Render("mattermost/leaderboard_update.md", {{"leaderboard", "abx-lb"}, {"challenge", "abx"}});
    EXPECT_NE(board.find("**abx-lb**"), std::string::npos);
    EXPECT_NE(board.find("**abx**"), std::string::npos);
}

TEST(TemplatesRender, EscapesHtmlByDefault) {
    const std::string html = Engine().Render(
        "pages/message.html",
        Site({{"title", "t"}, {"heading", "<script>alert('x')</script>"}, {"lines", {"a & b"}}, {"success", false}}));
    EXPECT_EQ(html.find("<script>"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(html.find("a &amp; b"), std::string::npos);
}

TEST(TemplatesRender, ConvertsJsonTypes) {
    TempDir dir;
    dir.Write("t.mustache",
              "{{n}}|{{f}}|{{#yes}}Y{{/yes}}{{^no}}N{{/no}}{{^nothing}}0{{/nothing}}|"
              "{{#list}}[{{name}}]{{/list}}|{{obj.inner}}|{{{raw}}}");
    const std::string out = Engine(dir.path())
                                .Render("t", {{"n", 42},
                                              {"f", 1.5},
                                              {"yes", true},
                                              {"no", false},
                                              {"nothing", nullptr},
                                              {"list", json::array({{{"name", "a"}}, {{"name", "b"}}})},
                                              {"obj", {{"inner", "x"}}},
                                              {"raw", "<b>"}});
    EXPECT_EQ(out, "42|1.5|YN0|[a][b]|x|<b>");
}

TEST(TemplatesRender, OverrideDirectoryWinsOverEmbedded) {
    TempDir dir;
    dir.Write("pages/signup_form.html.mustache", "custom {{title}} {{> pages/_part}}");
    dir.Write("pages/_part.mustache", "part {{app_name}}");
    const json data = Site({{"title", "T"}});
    EXPECT_EQ(Engine(dir.path()).Render("pages/signup_form.html", data), "custom T part Zerospeech Challenge API");
    // Templates absent from the override folder still come from the binary, partials included.
    const std::string embedded = Engine(dir.path()).Render("pages/message.html", data);
    EXPECT_NE(embedded.find("<!doctype html>"), std::string::npos);
    EXPECT_EQ(Engine().Render("pages/signup_form.html", data).find("custom"), std::string::npos);
}

TEST(TemplatesRender, MissingTemplateOrPartialThrows) {
    EXPECT_THROW(Engine().Render("pages/nope.html", json::object()), TemplateError);
    TempDir dir;
    dir.Write("a.mustache", "x {{> does/not/exist}} y");
    EXPECT_THROW(Engine(dir.path()).Render("a", json::object()), TemplateError);
}

TEST(TemplatesRender, MalformedTemplateThrows) {
    TempDir dir;
    dir.Write("bad.mustache", "{{#open}} never closed");
    dir.Write("uses_bad.mustache", "ok {{> bad}}");
    EXPECT_THROW(Engine(dir.path()).Render("bad", json::object()), TemplateError);
    EXPECT_THROW(Engine(dir.path()).Render("uses_bad", json::object()), TemplateError);
}

TEST(TemplatesRender, RefusesPathTricks) {
    TempDir dir;
    dir.Write("inside/x.mustache", "inside");
    dir.Write("secret.mustache", "secret");
    const Engine engine(dir.path() / "inside");
    EXPECT_EQ(engine.Render("x", json::object()), "inside");
    EXPECT_THROW(engine.Render("../secret", json::object()), TemplateError);
    EXPECT_THROW(engine.Render("/etc/passwd", json::object()), TemplateError);
    EXPECT_THROW(engine.Render("", json::object()), TemplateError);
    dir.Write("inside/y.mustache", "{{> ../secret}}");
    EXPECT_THROW(engine.Render("y", json::object()), TemplateError);
}

}  // namespace
