// v2::BenchmarkText, the direct writing of GET /benchmarks/{label}/info, is byte for byte what
// dumping v2::BenchmarkJson (the listings' object) gives, for every kind of value.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/v2_json.hpp"
#include "http/message.hpp"

namespace zr::api::v2 {
namespace {

domain::Challenge Challenge(std::string label, std::string url) {
    domain::Challenge c;
    c.id = 3;
    c.label = std::move(label);
    c.url = std::move(url);
    c.start_date = *ParseDayFirstDate("2021-01-05");
    return c;
}

TEST(ApiV2Benchmark, TextIsTheTreesDump) {
    std::vector<domain::Challenge> cases;
    cases.push_back(Challenge("abx-LS", "https://zerospeech.com/tasks/abx"));
    auto closed = Challenge("tde-17 \"quoted\" \\ é 中文", "https://x.org/?a=1&b=\n");
    closed.end_date = *ParseDayFirstDate("2030-12-31");
    closed.evaluator = 42;
    closed.active = false;
    closed.auto_eval = false;
    cases.push_back(closed);
    auto invalid = Challenge("bad utf-8 \xff\xfe", "");
    invalid.evaluator = 0;
    cases.push_back(invalid);
    for (const auto& c : cases) {
        EXPECT_EQ(BenchmarkText(c), http::Response::Json(200, BenchmarkJson(c)).body) << c.label;
    }
}

}  // namespace
}  // namespace zr::api::v2
