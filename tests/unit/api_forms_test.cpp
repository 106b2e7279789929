#include <gtest/gtest.h>

#include "api/fields.hpp"
#include "api/forms.hpp"
#include "api/submission_request.hpp"
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
    EXPECT_FALSE(ParseFormBody(
        Req("--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--", "multipart/form-data; boundary=\"XyZ\"")));
}

TEST(ApiFields, ReportsEveryProblemAtOnce) {
    auto fields =
        Fields::FromJsonBody(Req(R"({"username": {}, "email": null, "affiliation": ""})", "application/json"));
    fields.RequiredString("username");
    fields.RequiredString("email");
    fields.RequiredString("pwd");
    EXPECT_EQ(fields.RequiredString("affiliation"), "");  // a plain pydantic str takes ""
    try {
        fields.ThrowIfInvalid();
        FAIL() << "expected a validation error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::kValidation);
        EXPECT_EQ(Types(e), (std::vector<std::string>{R"(["body","username"] type_error.str)",
                                                      R"(["body","email"] type_error.none.not_allowed)",
                                                      R"(["body","pwd"] value_error.missing)"}));
    }
}

// pydantic v1: a str field takes numbers and booleans as their Python str().
TEST(ApiFields, StrFieldsCoerceScalarsAsPydantic) {
    auto fields =
        Fields::FromJsonBody(Req(R"({"a": 5, "b": 1.5, "c": true, "d": 1e15, "e": "x"})", "application/json"));
    EXPECT_EQ(fields.RequiredString("a"), "5");
    EXPECT_EQ(fields.RequiredString("b"), "1.5");
    EXPECT_EQ(fields.RequiredString("c"), "True");
    EXPECT_EQ(fields.OptionalString("d"), "1000000000000000.0");
    EXPECT_EQ(fields.OptionalString("e"), "x");
    EXPECT_EQ(fields.OptionalString("missing"), std::nullopt);
    EXPECT_NO_THROW(fields.ThrowIfInvalid());
}

TEST(ApiFields, BoolsAsPydantic) {
    auto fields = Fields::FromJsonBody(Req(
        R"({"a": "Y", "b": "off", "c": 1, "d": 0.0, "e": "t", "f": 2, "g": " true", "h": []})", "application/json"));
    EXPECT_EQ(fields.OptionalBool("a"), true);
    EXPECT_EQ(fields.OptionalBool("b"), false);
    EXPECT_EQ(fields.OptionalBool("c"), true);
    EXPECT_EQ(fields.OptionalBool("d"), false);
    EXPECT_EQ(fields.RequiredBool("e"), true);
    fields.OptionalBool("f");
    fields.OptionalBool("g");  // not trimmed
    fields.RequiredBool("h");
    fields.RequiredBool("i");
    try {
        fields.ThrowIfInvalid();
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(Types(e),
                  (std::vector<std::string>{R"(["body","f"] type_error.bool)", R"(["body","g"] type_error.bool)",
                                            R"(["body","h"] type_error.bool)", R"(["body","i"] value_error.missing)"}));
    }
}

TEST(ApiFields, EmptyFormValueIsMissingEmptyQueryValueIsRefused) {
    auto form = Fields::FromFormBody(Req("username=&password=x", "application/x-www-form-urlencoded"));
    form.RequiredString("username");
    EXPECT_EQ(form.RequiredString("password"), "x");
    auto query = Fields::FromQuery(Req("", "", "v="));
    query.RequiredString("v");
    try {
        Fields::ThrowIfInvalid({&form, &query});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(Types(e), (std::vector<std::string>{R"(["body","username"] value_error.missing)",
                                                      R"(["query","v"] value_error.any_str.min_length)"}));
        EXPECT_EQ(e.issues().at(1).ctx, (nlohmann::json{{"limit_value", 1}}));
    }
}

// FastAPI: no body or null is a missing model; dict() makes [] and "" an empty model and a list of
// pairs an object; anything else is not a dict.
TEST(ApiFields, BodiesThatAreNotObjects) {
    auto only = [](const std::string& body) {
        try {
            Fields::FromJsonBody(Req(body, "application/json"));
        } catch (const Error& e) {
            return e.issues().at(0).loc.dump() + " " + e.issues().at(0).type + " " + e.issues().at(0).msg;
        }
        return std::string("accepted");
    };
    EXPECT_EQ(only(""), R"(["body"] value_error.missing field required)");
    EXPECT_EQ(only("null"), R"(["body"] value_error.missing field required)");
    EXPECT_EQ(only("[]"), "accepted");
    EXPECT_EQ(only("\"\""), "accepted");
    EXPECT_EQ(only("1"), R"(["body"] type_error.dict value is not a valid dict)");
    EXPECT_EQ(only("\"str\""), R"(["body"] type_error.dict value is not a valid dict)");
    EXPECT_EQ(only("[[1, 2]]"), R"(["body"] type_error keywords must be strings)");
    EXPECT_EQ(only("[[\"a\", 1, 2]]"), R"(["body"] type_error.dict value is not a valid dict)");
    auto pairs = Fields::FromJsonBody(Req(R"([["username", "u"], "ab", ["username", "v"]])", "application/json"));
    EXPECT_EQ(pairs.RequiredString("username"), "v");
    EXPECT_EQ(pairs.RequiredString("a"), "b");
}

TEST(ApiFields, MalformedJsonAsFastApi) {
    try {
        Fields::FromJsonBody(Req("\xEF\xBB\xBF{\"username\": \"a\",}", "application/json"));  // the BOM is dropped
        FAIL();
    } catch (const Error& e) {
        ASSERT_EQ(e.issues().size(), 1u);
        const auto& issue = e.issues()[0];
        EXPECT_EQ(issue.loc, (nlohmann::json{"body", 17}));
        EXPECT_EQ(issue.type, "value_error.jsondecode");
        EXPECT_EQ(issue.msg, "Expecting property name enclosed in double quotes: line 1 column 18 (char 17)");
        EXPECT_EQ(issue.ctx, (nlohmann::json{{"msg", "Expecting property name enclosed in double quotes"},
                                             {"doc", "{\"username\": \"a\",}"},
                                             {"pos", 17},
                                             {"lineno", 1},
                                             {"colno", 18}}));
    }
    try {
        Fields::FromJsonBody(Req("{\"a\": \"\xff\"}", "application/json"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput);
        EXPECT_EQ(e.message(), "There was an error parsing the body");
    }
}

TEST(ApiFields, SubmissionIndexAsPydantic) {
    const auto create = ParseCreateRequest(Req(R"({"filename": "a.zip", "hash": 5, "multipart": "yes", "index": [
        {"file_name": "p1", "file_size": "12", "file_hash": "h"},
        [["file_name", "p2"], ["file_size", 1.7], ["file_hash", "h"]],
        {"file_name": 3, "file_size": true, "file_hash": "h"}]})",
                                               "application/json"));
    EXPECT_EQ(create.hash, "5");
    EXPECT_TRUE(create.multipart);
    ASSERT_EQ(create.index.size(), 3u);
    EXPECT_EQ(create.index[0].file_size, 12u);
    EXPECT_EQ(create.index[1].file_name, "p2");
    EXPECT_EQ(create.index[1].file_size, 1u);  // int(1.7)
    EXPECT_EQ(create.index[2].file_name, "3");
    EXPECT_EQ(create.index[2].file_size, 1u);
    try {
        ParseCreateRequest(Req(R"({"filename": null, "multipart": null, "index": [
            {"file_name": "p", "file_size": -1, "file_hash": null}, {"file_size": "1.5"}, 7]})",
                               "application/json"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(Types(e), (std::vector<std::string>{R"(["body","filename"] type_error.none.not_allowed)",
                                                      R"(["body","hash"] value_error.missing)",
                                                      R"(["body","multipart"] type_error.none.not_allowed)",
                                                      R"(["body","index",0,"file_size"] value_error.number.not_ge)",
                                                      R"(["body","index",0,"file_hash"] value_error.missing)",
                                                      R"(["body","index",1,"file_name"] value_error.missing)",
                                                      R"(["body","index",1,"file_size"] type_error.integer)",
                                                      R"(["body","index",1,"file_hash"] value_error.missing)",
                                                      R"(["body","index",2] type_error.dict)"}));
    }
}

// The zrc client's body (api-v2.md P1-e): its own index keys, its extra fields; the 422s of the
// service's checks name its keys too.
TEST(ApiFields, SecondGenerationSubmissionCreate) {
    const auto create = ParseSecondGenerationCreate(Fields::FromJsonBody(Req(
        R"({"model_id": "Be26a", "benchmark_id": "sLM21", "filename": "s.zip", "hash": "AB", "has_scores": true,
            "multipart": true, "author_label": "Be et al.", "leaderboard": "scores/leaderboard.json",
            "index": [{"filename": "s_1.zip", "filesize": 4096, "filehash": "cd"}]})",
        "application/json")));
    EXPECT_EQ(create.benchmark_label, "sLM21");
    EXPECT_EQ(create.request.model_id, "Be26a");
    EXPECT_EQ(create.request.author_label, "Be et al.");
    EXPECT_EQ(create.request.leaderboard_file, "scores/leaderboard.json");
    EXPECT_TRUE(create.request.has_scores && create.request.multipart);
    ASSERT_EQ(create.request.index.size(), 1u);
    EXPECT_EQ(create.request.index[0].file_name, "s_1.zip");
    EXPECT_EQ(create.request.index[0].file_size, 4096u);
    EXPECT_EQ(create.request.index[0].file_hash, "cd");
    try {
        ParseSecondGenerationCreate(Fields::FromJsonBody(Req(
            R"({"model_id": "m", "benchmark_id": "b", "filename": "s.zip", "hash": "h", "multipart": true,
                "author_label": null, "index": [{"file_name": "x", "filesize": 1, "filehash": null}]})",
            "application/json")));
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(Types(e), (std::vector<std::string>{R"(["body","author_label"] type_error.none.not_allowed)",
                                                      R"(["body","has_scores"] value_error.missing)",
                                                      R"(["body","index",0,"filename"] value_error.missing)",
                                                      R"(["body","index",0,"filehash"] value_error.missing)"}));
    }
    const Error renamed = WithSecondGenerationKeys(Error::Validation(
        {{{"body", "index", 0, "file_name"}, "m", "t"}, {{"body", "index", 1, "file_hash"}, "m", "t"}}));
    EXPECT_EQ(Types(renamed),
              (std::vector<std::string>{R"(["body","index",0,"filename"] t)", R"(["body","index",1,"filehash"] t)"}));
    const Error other = WithSecondGenerationKeys(Error::Message(ErrorKind::kNotFound, "nope"));
    EXPECT_EQ(other.kind(), ErrorKind::kNotFound);
}

TEST(ApiFields, PathIntAsPythonInt) {
    http::Request request;
    for (const auto& [text, value] : std::vector<std::pair<std::string, std::int64_t>>{
             {"12", 12}, {" 12 ", 12}, {"+12", 12}, {"1_000", 1000}, {"-0", 0}, {"-9223372036854775808", INT64_MIN}}) {
        request.path_params["id"] = text;
        EXPECT_EQ(PathInt(request, "id"), value) << text;
    }
    for (const char* bad : {"", "1.5", "x", "1__0", "_1", "1_", "9223372036854775808", "0x10"}) {
        request.path_params["id"] = bad;
        EXPECT_THROW(PathInt(request, "id"), Error) << bad;
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
