// metrics::Metrics: events, scrape-time sources and the text exposition format.
#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>

namespace zr::metrics {
namespace {

using namespace std::chrono_literals;

// The value of the line "<series> <value>" (series = name{labels} exactly as written), or -1.
double ValueOf(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
}

class MetricsTest : public ::testing::Test {
protected:
    void SetUp() override { metrics_.DeclareRoutes({{"GET", "/challenges/"}, {"GET", "/challenges/{challenge_id}"}}); }
    Metrics metrics_;
};

TEST_F(MetricsTest, RequestsAreCountedPerRouteAndStatusClass) {
    for (int i = 0; i < 3; ++i) {
        metrics_.RequestStarted();
        metrics_.RequestFinished(0, "GET", 200, 2ms);
    }
    metrics_.RequestStarted();
    metrics_.RequestFinished(1, "GET", 404, 1ms);
    metrics_.RequestStarted();
    metrics_.RequestFinished(1, "GET", 503, 1ms);
    const std::string text = metrics_.Render();
    EXPECT_EQ(ValueOf(text, R"(zr_http_requests_total{code="2xx",method="GET",route="/challenges/"})"), 3);
    EXPECT_EQ(ValueOf(text, R"(zr_http_requests_total{code="4xx",method="GET",route="/challenges/{challenge_id}"})"),
              1);
    EXPECT_EQ(ValueOf(text, R"(zr_http_requests_total{code="5xx",method="GET",route="/challenges/{challenge_id}"})"),
              1);
    // No series for a class a route never answered.
    EXPECT_EQ(ValueOf(text, R"(zr_http_requests_total{code="5xx",method="GET",route="/challenges/"})"), -1);
    EXPECT_EQ(ValueOf(text, "zr_http_requests_in_flight"), 0);
}

TEST_F(MetricsTest, DurationsAreCumulativeHistogramsInSeconds) {
    metrics_.RequestFinished(0, "GET", 200, 300us);   // <= 0.0005
    metrics_.RequestFinished(0, "GET", 200, 7ms);     // <= 0.01
    metrics_.RequestFinished(0, "GET", 200, 2000ms);  // <= 2.5
    const std::string text = metrics_.Render();
    const std::string prefix = "zr_http_request_duration_seconds_bucket{method=\"GET\",route=\"/challenges/\",le=";
    EXPECT_EQ(ValueOf(text, prefix + "\"0.0005\"}"), 1);
    EXPECT_EQ(ValueOf(text, prefix + "\"0.01\"}"), 2);
    EXPECT_EQ(ValueOf(text, prefix + "\"2.5\"}"), 3);
    EXPECT_EQ(ValueOf(text, prefix + "\"+Inf\"}"), 3);
    EXPECT_EQ(ValueOf(text, R"(zr_http_request_duration_seconds_count{method="GET",route="/challenges/"})"), 3);
    EXPECT_NEAR(ValueOf(text, R"(zr_http_request_duration_seconds_sum{method="GET",route="/challenges/"})"), 2.0073,
                1e-6);
}

TEST_F(MetricsTest, UnmatchedRequestsAndFailedConnections) {
    metrics_.RequestStarted();
    metrics_.RequestFinished(Metrics::kNoRoute, "POST", 405, 1ms);
    metrics_.RequestStarted();
    metrics_.RequestStarted();
    metrics_.RequestFinished(Metrics::kNoRoute, "GET", 0, 1ms);  // connection failed: not a request answered
    const std::string text = metrics_.Render();
    EXPECT_EQ(ValueOf(text, R"m(zr_http_requests_total{code="4xx",method="POST",route="(unmatched)"})m"), 1);
    EXPECT_EQ(ValueOf(text, R"m(zr_http_requests_total{code="2xx",method="GET",route="(unmatched)"})m"), -1);
    EXPECT_EQ(ValueOf(text, "zr_http_requests_in_flight"), 1);
    // An out-of-range route number is counted as unmatched, never indexes past the table.
    metrics_.RequestFinished(99, "GET", 200, 1ms);
    EXPECT_EQ(ValueOf(metrics_.Render(), R"m(zr_http_requests_total{code="2xx",method="GET",route="(unmatched)"})m"),
              1);
}

TEST_F(MetricsTest, EvaluationEvents) {
    metrics_.EvaluationStarted(1);
    metrics_.EvaluationStarted(2);
    metrics_.EvaluationStarted(3);
    metrics_.EvaluationFinished("completed", 12.5);
    metrics_.EvaluationFinished("canceled", std::nullopt);
    const std::string text = metrics_.Render();
    EXPECT_EQ(ValueOf(text, R"(zr_evaluation_runs_started_total{attempt="first"})"), 1);
    EXPECT_EQ(ValueOf(text, R"(zr_evaluation_runs_started_total{attempt="retry"})"), 2);
    EXPECT_EQ(ValueOf(text, R"(zr_evaluations_finished_total{state="completed"})"), 1);
    EXPECT_EQ(ValueOf(text, R"(zr_evaluations_finished_total{state="canceled"})"), 1);
    EXPECT_EQ(ValueOf(text, R"(zr_evaluation_duration_seconds_count{state="completed"})"), 1);
    EXPECT_EQ(ValueOf(text, R"(zr_evaluation_duration_seconds_bucket{state="completed",le="15"})"), 1);
    EXPECT_EQ(ValueOf(text, R"(zr_evaluation_duration_seconds_bucket{state="completed",le="5"})"), 0);
    EXPECT_EQ(ValueOf(text, R"(zr_evaluation_duration_seconds_count{state="canceled"})"), -1);
}

TEST_F(MetricsTest, SourcesAreReadAtEachScrapeAndAFailingOneIsSkipped) {
    int scrapes = 0;
    metrics_.AddSource([&scrapes](Snapshot& out) {
        ++scrapes;
        out.Gauge("zr_test_items", "Items by kind", 2, {{"kind", "a"}});
        out.Gauge("zr_test_items", "ignored: the first help wins", 5, {{"kind", "b"}});
        out.Counter("zr_test_done_total", "Done", scrapes);
    });
    metrics_.AddSource([](Snapshot&) { throw std::runtime_error("database locked"); });
    metrics_.Render();
    const std::string text = metrics_.Render();
    EXPECT_EQ(scrapes, 2);
    EXPECT_EQ(ValueOf(text, R"(zr_test_items{kind="a"})"), 2);
    EXPECT_EQ(ValueOf(text, R"(zr_test_items{kind="b"})"), 5);
    EXPECT_EQ(ValueOf(text, "zr_test_done_total"), 2);
    EXPECT_NE(text.find("# HELP zr_test_items Items by kind\n# TYPE zr_test_items gauge\n"), std::string::npos);
    EXPECT_NE(text.find("# TYPE zr_test_done_total counter\n"), std::string::npos);
    EXPECT_EQ(text.find("ignored"), std::string::npos);
}

TEST_F(MetricsTest, LabelValuesAreEscaped) {
    metrics_.AddSource([](Snapshot& out) { out.Gauge("zr_test_host", "Hosts", 1, {{"host", "a\"b\\c\nd"}}); });
    const std::string text = metrics_.Render();
    EXPECT_NE(text.find(R"(zr_test_host{host="a\"b\\c\nd"} 1)"), std::string::npos) << text;
}

TEST_F(MetricsTest, EveryLineIsACommentOrASample) {
    metrics_.RequestFinished(0, "GET", 200, 1ms);
    metrics_.AddSource(AddProcessMetrics);
    const std::string text = metrics_.Render();
    const std::regex sample(
        R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? -?[0-9.e+Inf]+$)");
    const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
    std::istringstream in(text);
    int samples = 0;
    for (std::string line; std::getline(in, line);) {
        if (std::regex_match(line, comment)) continue;
        EXPECT_TRUE(std::regex_match(line, sample)) << line;
        ++samples;
    }
    EXPECT_GT(samples, 5);
    EXPECT_GT(ValueOf(text, "process_resident_memory_bytes"), 1e6);
    EXPECT_GT(ValueOf(text, "process_open_fds"), 0);
    EXPECT_GT(ValueOf(text, "process_start_time_seconds"), 1.6e9);
}

}  // namespace
}  // namespace zr::metrics
