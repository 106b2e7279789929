#pragma once
// The service's Prometheus metrics (issue 8, README "Health and metrics").
//
// Two kinds of values:
// - events counted as they happen (requests per route, in-flight requests, evaluation runs and
//   durations): the methods below, cheap enough for every request (atomics, one short mutex per
//   histogram observation);
// - state read when scraped (submissions by status, queue depth, workers, counters that other
//   modules keep themselves): sources registered with AddSource, called by Render().
// Render() writes the Prometheus text exposition format, version 0.0.4 (kContentType).
// prometheus-cpp (Debian's prometheus-cpp-dev, core library only) stays inside metrics/*.cpp.
//
// Thread-safety: every method is thread-safe. Sources are called on the scraping thread, one
// scrape at a time; a source that throws is logged and skipped (the scrape still answers).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zr::metrics {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<std::string, std::string>>;

// The values one source reports at scrape time. Samples of the same name form one family (the
// first call's help and type win); names and label names must match [a-zA-Z_:][a-zA-Z0-9_:]*.
class Snapshot {
public:
    void Gauge(std::string_view name, std::string_view help, double value, Labels labels = {});
    // A value that only grows over the process's life (kept by its owner, read here).
    void Counter(std::string_view name, std::string_view help, double value, Labels labels = {});

    struct Sample {
        Labels labels;
        double value = 0;
    };
    struct Family {
        std::string name;
        std::string help;
        bool counter = false;
        std::vector<Sample> samples;
    };
    const std::vector<Family>& families() const { return families_; }

private:
    Family& FamilyOf(std::string_view name, std::string_view help, bool counter);
    std::vector<Family> families_;
};

using Source = std::function<void(Snapshot&)>;

class Metrics {
public:
    Metrics();
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // --- HTTP (called by the transport through api's observer) ---
    // Declares the route templates up front ("GET", "/challenges/{challenge_id}"), numbered in
    // this order; RequestFinished takes that number. Call once, before serving.
    void DeclareRoutes(const std::vector<std::pair<std::string, std::string>>& method_and_pattern);
    void RequestStarted();
    // `route` is the number from DeclareRoutes, or kNoRoute for requests no route matched (404,
    // 405, redirects, CORS preflights, malformed requests). `status` 0 = the connection failed
    // before an answer (only the in-flight gauge changes).
    static constexpr std::size_t kNoRoute = static_cast<std::size_t>(-1);
    void RequestFinished(std::size_t route, std::string_view method, int status, std::chrono::nanoseconds elapsed);

    // --- evaluation (called by the evaluation service once a change committed) ---
    void EvaluationStarted(unsigned attempt);
    // `state`: completed, failed or canceled; `run_seconds` from the worker's start to the end,
    // when the job had started.
    void EvaluationFinished(std::string_view state, std::optional<double> run_seconds);

    // --- scrape ---
    void AddSource(Source source);
    // The whole exposition text.
    std::string Render() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The standard process_* metrics of this process from /proc/self (resident and virtual memory,
// open and maximum file descriptors, CPU seconds, start time, threads).
void AddProcessMetrics(Snapshot& snapshot);

}  // namespace zr::metrics
