#include <gtest/gtest.h>

#include "api/fields.hpp"
#include "api/forms.hpp"
#include "common/strings.hpp"

namespace zr::api {
namespace {

http::Request Req(std::string body, std::string content_type, std::string query = {}) {
    http::Request r;
    r.body = std::move(body);
    r.query = std::move(query);
    if (!content_type.empty()) r.headers.emplace_back("content-type", std::move(content_type));
    return r;
}

std::vector<std::string> Types(const Error& e) {
    std::vector<std::string> out;
    for (const auto& issue : e.issues()) out.push_back(issue.loc.dump() + " " + issue.type);
    return out;
}

TEST(ApiForms, UrlEncodedDecodesPlusAndPercent) {
    auto pairs = ParseUrlEncoded("a=1&b=x+y%21&c=&d&a=2");
    ASSERT_EQ(pairs.size(), 5u);
    EXPECT_EQ(pairs[1], (std::pair<std::string, std::string>{"b", "x y!"}));
    EXPECT_EQ(pairs[3].second, "");
    // Malformed escapes stay as they are (Starlette's unquote).
    EXPECT_EQ(ParseUrlEncoded("a=%zz&b=%4").at(0).second, "%zz");
    EXPECT_EQ(ParseUrlEncoded("a=%zz&b=%4").at(1).second, "%4");
}

TEST(ApiForms, MultipartFields) {
    const std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\r\n"
        "--XyZ--\r\n";
    auto pairs = ParseFormBody(Req(body, "multipart/form-data; boundary=XyZ"));
    ASSERT_TRUE(pairs);
    ASSERT_EQ(pairs->size(), 2u);
    EXPECT_EQ((*pairs)[0].second, "alice");
    EXPECT_EQ((*pairs)[1].second, "line1\r\nline2");
}

TEST(ApiForms, MultipartMalformedIsRejected) {
    EXPECT_FALSE(ParseFormBody(Req("--XyZ\r\nno headers end", "multipart/form-data; boundary=XyZ")));
    EXPECT_FALSE(ParseFormBody(Req("anything", "multipart/form-data")));
    EXPECT_FALSE(ParseFormBody(Req("--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--",
                                   "multipart/form-data; boundary=\"XyZ\"")));
}

TEST(ApiFields, ReportsEveryProblemAtOnce) {
    auto fields = Fields::FromJsonBody(Req(R"({"username": 5, "email": ""})", "application/json"));
    fields.RequiredString("username");
    fields.RequiredString("email");
    fields.RequiredString("pwd");
    try {
        fields.ThrowIfInvalid();
        FAIL() << "expected a validation error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::kValidation);
        EXPECT_EQ(Types(e), (std::vector<std::string>{R"(["body","username"] type_error.str)",
                                                      R"(["body","email"] value_error.any_str.min_length)",
                                                      R"(["body","pwd"] value_error.missing)"}));
    }
}

TEST(ApiFields, MalformedJsonAndNonObject) {
    EXPECT_THROW(Fields::FromJsonBody(Req("{\"a\":", "application/json")), Error);
    try {
        Fields::FromJsonBody(Req("[1]", "application/json"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.issues().at(0).type, "type_error.dict");
    }
    try {
        Fields::FromJsonBody(Req("nope", "application/json"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.issues().at(0).type, "value_error.jsondecode");
    }
}

// Found by fuzz/submission_create_fuzz.cpp: nlohmann throws out_of_range (not parse_error) for a
// number beyond a double, which escaped as a 500.
TEST(ApiFields, NumberOverflowIsMalformedJson) {
    for (const char* body : {"{\"filename\": 1e400}", "[-1e999]", "1E+400"}) {
        try {
            Fields::FromJsonBody(Req(body, "application/json"));
            ADD_FAILURE() << body;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::kValidation) << body;
            EXPECT_EQ(e.issues().at(0).type, "value_error.jsondecode") << body;
        }
    }
}

TEST(ApiFields, QueryBooleans) {
    for (const char* yes : {"true", "TRUE", "1", "yes", "On"}) {
        auto q = Fields::FromQuery(Req("", "", std::string("include_inactive=") + yes));
        EXPECT_EQ(q.OptionalBool("include_inactive"), true) << yes;
        EXPECT_NO_THROW(q.ThrowIfInvalid());
    }
    auto q = Fields::FromQuery(Req("", "", "include_inactive=maybe"));
    q.OptionalBool("include_inactive");
    try {
        q.ThrowIfInvalid();
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(Types(e), std::vector<std::string>{R"(["query","include_inactive"] type_error.bool)"});
    }
}

TEST(ApiFields, PathInt) {
    http::Request r;
    r.path_params["challenge_id"] = "12";
    EXPECT_EQ(PathInt(r, "challenge_id"), 12);
    for (const char* bad : {"abc", "", "1x", "99999999999999999999"}) {
        r.path_params["challenge_id"] = bad;
        EXPECT_THROW(PathInt(r, "challenge_id"), Error) << bad;
    }
}

}  // namespace
}  // namespace zr::api
