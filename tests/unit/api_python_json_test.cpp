#include <gtest/gtest.h>

#include "api/python_json.hpp"

namespace zr::api {
namespace {

struct Case {
    const char* text;
    const char* msg;
    std::size_t pos, lineno, colno;
};

// Expected values printed by CPython 3.11's json.loads on this machine (the C scanner, as the
// first implementation ran it): msg, pos, lineno, colno of the JSONDecodeError.
const Case kCases[] = {
    {"", "Expecting value", 0, 1, 1},
    {" ", "Expecting value", 1, 1, 2},
    {"}", "Expecting value", 0, 1, 1},
    {"tru", "Expecting value", 0, 1, 1},
    {"True", "Expecting value", 0, 1, 1},
    {"nul", "Expecting value", 0, 1, 1},
    {"-", "Expecting value", 0, 1, 1},
    {".5", "Expecting value", 0, 1, 1},
    {"+1", "Expecting value", 0, 1, 1},
    {"[1,]", "Expecting value", 3, 1, 4},
    {"{\"a\":}", "Expecting value", 5, 1, 6},
    {"{\"a\":[1,2,{\"b\":}]}", "Expecting value", 15, 1, 16},
    {"{", "Expecting property name enclosed in double quotes", 1, 1, 2},
    {"{\"a\":1,", "Expecting property name enclosed in double quotes", 7, 1, 8},
    {"{\"a\":1,}", "Expecting property name enclosed in double quotes", 7, 1, 8},
    {"{a:1}", "Expecting property name enclosed in double quotes", 1, 1, 2},
    {"{'a':1}", "Expecting property name enclosed in double quotes", 1, 1, 2},
    {"{\"a\"", "Expecting ':' delimiter", 4, 1, 5},
    {"{\"a\" 1}", "Expecting ':' delimiter", 5, 1, 6},
    {"{\"a\" : 1 , \"b\"  2}", "Expecting ':' delimiter", 16, 1, 17},
    {"{\"a\":1", "Expecting ',' delimiter", 6, 1, 7},
    {"{\"a\":1 \"b\":2}", "Expecting ',' delimiter", 7, 1, 8},
    {"[1 2]", "Expecting ',' delimiter", 3, 1, 4},
    {"{\"a\":0x10}", "Expecting ',' delimiter", 6, 1, 7},
    {"{\"a\":1.5e}", "Expecting ',' delimiter", 8, 1, 9},
    {"\"abc", "Unterminated string starting at", 0, 1, 1},
    {"\"\\", "Unterminated string starting at", 0, 1, 1},
    {"{\"a\":\"b\\", "Unterminated string starting at", 5, 1, 6},
    {"\"a\x01"
     "b\"",
     "Invalid control character at", 2, 1, 3},
    {"\"a\tb\"", "Invalid control character at", 2, 1, 3},
    {"\"\\x\"", "Invalid \\escape", 1, 1, 2},
    {"\"\\u12\"", "Invalid \\uXXXX escape", 2, 1, 3},
    {"\"\\u12G4\"", "Invalid \\uXXXX escape", 2, 1, 3},
    {"\"\\ud800\\uZZZZ\"", "Invalid \\uXXXX escape", 8, 1, 9},
    {"\"\\u1234", "Invalid \\uXXXX escape", 2, 1, 3},
    {"{\"a\":1}x", "Extra data", 7, 1, 8},
    {"{\"a\":1} {\"b\":2}", "Extra data", 8, 1, 9},
    {"01", "Extra data", 1, 1, 2},
    {"1.", "Extra data", 1, 1, 2},
    {"1e", "Extra data", 1, 1, 2},
    {"[]]", "Extra data", 2, 1, 3},
    {"1e+", "Extra data", 1, 1, 2},
    {"-a", "Expecting value", 0, 1, 1},
    {"{\n  \"\xc3"
     "\xa9"
     "\": \"\xc3"
     "\xbc"
     "\",\n  x\n}",
     "Expecting property name enclosed in double quotes", 16, 3, 3},
    {"[\"\xe6"
     "\x97"
     "\xa5"
     "\xe6"
     "\x9c"
     "\xac"
     "\", 1,\n 2 3]",
     "Expecting ',' delimiter", 13, 2, 4},
    {"[", "Expecting value", 1, 1, 2},
    {"[  ", "Expecting value", 3, 1, 4},
    {"-Inf", "Expecting value", 0, 1, 1},
    {"{\"\xf0"
     "\x9f"
     "\x98"
     "\x80"
     "\": tru}",
     "Expecting value", 6, 1, 7},
};

TEST(PythonJson, ErrorsAsCPythonReportsThem) {
    for (const Case& c : kCases) {
        const auto error = FindPythonJsonError(c.text);
        ASSERT_TRUE(error.has_value()) << c.text;
        EXPECT_EQ(error->msg, c.msg) << c.text;
        EXPECT_EQ(error->pos, c.pos) << c.text;
        EXPECT_EQ(error->lineno, c.lineno) << c.text;
        EXPECT_EQ(error->colno, c.colno) << c.text;
    }
}

TEST(PythonJson, TextAsStrOfTheException) {
    const auto error = FindPythonJsonError("{\"username\": \"a\",}");
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->Text(), "Expecting property name enclosed in double quotes: line 1 column 18 (char 17)");
}

TEST(PythonJson, AcceptsWhatPythonAccepts) {
    for (const char* text : {"{\"a\": 1}", "[NaN, Infinity, -Infinity]", "\"\\ud800\"", "{\"a\":1}\n\n", " 1 ",
                             "\"\\ud83d\\ude00\"", "[1e5, 1E+5, -0.5e-3, 0]", "{\"a\": {\"b\": [[], {}]}}"}) {
        EXPECT_FALSE(FindPythonJsonError(text).has_value()) << text;
    }
}

TEST(PythonJson, DeepNestingNeedsNoStack) {
    const std::string deep(200000, '[');
    const auto error = FindPythonJsonError(deep);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->msg, "Expecting value");
    EXPECT_EQ(error->pos, deep.size());
}

TEST(PythonJson, StrOfScalarsAsPython) {
    EXPECT_EQ(PythonStr(true), "True");
    EXPECT_EQ(PythonStr(false), "False");
    EXPECT_EQ(PythonStr(123), "123");
    EXPECT_EQ(PythonStr(-7), "-7");
    EXPECT_EQ(PythonStr(18446744073709551615ULL), "18446744073709551615");
    // repr(float): positional while the point is within -4 < point <= 16.
    const std::pair<double, const char*> floats[] = {
        {1.5, "1.5"},
        {100000.0, "100000.0"},
        {1e15, "1000000000000000.0"},
        {1e16, "1e+16"},
        {0.0001, "0.0001"},
        {0.00001, "1e-05"},
        {-0.0, "-0.0"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {0.1, "0.1"},
        {123.456, "123.456"},
        {2.5e-300, "2.5e-300"},
        {1.2345678901234568e+17, "1.2345678901234568e+17"},
    };
    for (const auto& [value, text] : floats) EXPECT_EQ(PythonStr(value), text) << text;
}

}  // namespace
}  // namespace zr::api
