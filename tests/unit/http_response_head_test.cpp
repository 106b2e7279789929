// ResponseHead writes the status line and header that Beast's serializer writes for the same
// message (SetCommonFields + Content-Length), byte for byte; both add the transport's headers
// (ForEachAddedHeader: nosniff on every answer, ServerConfig::html_headers on HTML answers).
#include <gtest/gtest.h>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "http/server_request.hpp"

namespace zr::http {
namespace {

const HeaderList kHtmlHeaders = {{"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"},
                                 {"X-Frame-Options", "DENY"}};

// The header part of Beast's serialisation, with the Date value blanked (it may tick between).
std::string ViaBeast(const Response& response, const Exchange& ex, std::uint64_t length,
                     const HeaderList& html_headers = kHtmlHeaders) {
    bhttp::response<bhttp::string_body> message(static_cast<bhttp::status>(response.status), ex.version);
    SetCommonFields(message, response, ex, html_headers);
    if (!StatusHasNoBody(response.status)) message.content_length(length);
    std::ostringstream out;
    out << message.base();
    return std::regex_replace(out.str(), std::regex("Date: [^\r]*"), "Date: -");
}

std::string ByHand(const Response& response, const Exchange& ex, std::uint64_t length,
                   const HeaderList& html_headers = kHtmlHeaders) {
    return std::regex_replace(ResponseHead(response, ex, length, html_headers), std::regex("Date: [^\r]*"), "Date: -");
}

// The headers ForEachAddedHeader names, in order.
std::vector<std::pair<std::string, std::string>> Added(const Response& response) {
    std::vector<std::pair<std::string, std::string>> out;
    ForEachAddedHeader(response, kHtmlHeaders,
                       [&out](std::string_view name, std::string_view value) { out.emplace_back(name, value); });
    return out;
}

TEST(ResponseHead, IsWhatBeastWrites) {
    for (const unsigned version : {10u, 11u}) {
        for (const bool close : {false, true}) {
            for (const int status : {200, 201, 204, 301, 304, 307, 400, 401, 404, 413, 422, 431, 500, 503, 599}) {
                Exchange ex;
                ex.version = version;
                ex.close = close;
                ex.request.request_id = "0123456789abcdef";
                Response response = Response::JsonText(status, R"({"a":1})");
                if (status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
                if (status == 307) {
                    response = Response::Redirect(307, "/challenges/");
                }
                if (status == 204) response = Response::Empty(204);
                if (status == 201 || status == 404) response = Response::Html(status, "<p>page</p>");
                response.headers.emplace_back("Access-Control-Allow-Origin", "https://zerospeech.com");
                response.headers.emplace_back("Vary", "Origin");
                const std::uint64_t length = response.body.size();
                SCOPED_TRACE(testing::Message() << "HTTP/" << version << " status " << status << " close " << close);
                EXPECT_EQ(ByHand(response, ex, length), ViaBeast(response, ex, length));
            }
        }
    }
}

TEST(ResponseHead, NoContentTypeAndAHeadLength) {
    Exchange ex;
    ex.request.request_id = "r";
    Response response = Response::Empty(200);
    EXPECT_EQ(ByHand(response, ex, 12345), ViaBeast(response, ex, 12345));
    EXPECT_NE(ByHand(response, ex, 12345).find("Content-Length: 12345\r\n"), std::string::npos);
    EXPECT_EQ(ByHand(response, ex, 0).find("\r\nContent-Type:"), std::string::npos);  // not X-Content-Type-Options
    EXPECT_TRUE(ByHand(response, ex, 0).ends_with("\r\n\r\n"));
}

TEST(ResponseHead, HtmlAnswersCarryTheHtmlHeadersAndEveryAnswerNosniff) {
    Exchange ex;
    ex.request.request_id = "r";
    const Response page = Response::Html(200, "<p>page</p>");
    const std::string head = ByHand(page, ex, page.body.size());
    EXPECT_EQ(head, ViaBeast(page, ex, page.body.size()));
    EXPECT_NE(head.find("\r\nX-Content-Type-Options: nosniff\r\n"), std::string::npos) << head;
    EXPECT_NE(head.find("\r\nContent-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"),
              std::string::npos)
        << head;
    EXPECT_NE(head.find("\r\nX-Frame-Options: DENY\r\n"), std::string::npos) << head;

    const Response json = Response::JsonText(200, "{}");
    const std::string json_head = ByHand(json, ex, 2);
    EXPECT_NE(json_head.find("\r\nX-Content-Type-Options: nosniff\r\n"), std::string::npos) << json_head;
    EXPECT_EQ(json_head.find("Content-Security-Policy"), std::string::npos) << json_head;
    EXPECT_EQ(json_head.find("X-Frame-Options"), std::string::npos) << json_head;
    EXPECT_NE(ByHand(Response::Empty(200), ex, 0).find("X-Content-Type-Options: nosniff"), std::string::npos);
}

TEST(AddedHeaders, NosniffAlwaysHtmlHeadersOnHtmlOnly) {
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(Added(Response::JsonText(200, "{}")), (Pairs{{"X-Content-Type-Options", "nosniff"}}));
    EXPECT_EQ(Added(Response::Redirect(307, "/x/")), (Pairs{{"X-Content-Type-Options", "nosniff"}}));
    EXPECT_EQ(Added(Response::Html(200, "")),
              (Pairs{{"X-Content-Type-Options", "nosniff"},
                     {"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"},
                     {"X-Frame-Options", "DENY"}}));
}

TEST(AddedHeaders, AnAnswersOwnHeaderWinsWhateverItsCase) {
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    Response page = Response::Html(200, "");
    page.headers.emplace_back("content-security-policy", "default-src 'none'");
    page.headers.emplace_back("X-CONTENT-TYPE-OPTIONS", "nosniff");
    EXPECT_EQ(Added(page), (Pairs{{"X-Frame-Options", "DENY"}}));
    Exchange ex;
    ex.request.request_id = "r";
    const std::string head = ByHand(page, ex, 0);
    EXPECT_EQ(head, ViaBeast(page, ex, 0));
    EXPECT_EQ(head.find("frame-ancestors"), std::string::npos) << head;
    EXPECT_EQ(head.find("nosniff"), head.rfind("nosniff")) << "nosniff twice:\n" << head;
}

TEST(AddedHeaders, NoHtmlHeadersConfigured) {
    Exchange ex;
    ex.request.request_id = "r";
    const Response page = Response::Html(200, "<p>page</p>");
    const std::string head = ByHand(page, ex, page.body.size(), {});
    EXPECT_EQ(head, ViaBeast(page, ex, page.body.size(), {}));
    EXPECT_EQ(head.find("Content-Security-Policy"), std::string::npos) << head;
    EXPECT_NE(head.find("X-Content-Type-Options: nosniff"), std::string::npos) << head;
}

TEST(AddedHeaders, HtmlContentTypes) {
    EXPECT_TRUE(IsHtmlContentType("text/html"));
    EXPECT_TRUE(IsHtmlContentType("text/html; charset=utf-8"));
    EXPECT_TRUE(IsHtmlContentType("Text/HTML;charset=UTF-8"));
    EXPECT_TRUE(IsHtmlContentType("text/html ; charset=utf-8"));
    EXPECT_FALSE(IsHtmlContentType(""));
    EXPECT_FALSE(IsHtmlContentType("text/htm"));
    EXPECT_FALSE(IsHtmlContentType("text/html5"));
    EXPECT_FALSE(IsHtmlContentType("text/plain; charset=utf-8"));
    EXPECT_FALSE(IsHtmlContentType("application/json"));
    EXPECT_FALSE(IsHtmlContentType("application/xhtml+xml"));
}

}  // namespace
}  // namespace zr::http
