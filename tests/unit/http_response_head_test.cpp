// ResponseHead writes the status line and header that Beast's serializer writes for the same
// message (SetCommonFields + Content-Length), byte for byte.
#include <gtest/gtest.h>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "http/server_request.hpp"

namespace zr::http {
namespace {

// The header part of Beast's serialisation, with the Date value blanked (it may tick between).
std::string ViaBeast(const Response& response, const Exchange& ex, std::uint64_t length) {
    bhttp::response<bhttp::string_body> message(static_cast<bhttp::status>(response.status), ex.version);
    SetCommonFields(message, response, ex);
    if (!StatusHasNoBody(response.status)) message.content_length(length);
    std::ostringstream out;
    out << message.base();
    return std::regex_replace(out.str(), std::regex("Date: [^\r]*"), "Date: -");
}

std::string ByHand(const Response& response, const Exchange& ex, std::uint64_t length) {
    return std::regex_replace(ResponseHead(response, ex, length), std::regex("Date: [^\r]*"), "Date: -");
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
    EXPECT_EQ(ByHand(response, ex, 0).find("Content-Type"), std::string::npos);
    EXPECT_TRUE(ByHand(response, ex, 0).ends_with("\r\n\r\n"));
}

}  // namespace
}  // namespace zr::http
