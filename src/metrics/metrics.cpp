// Events go to a prometheus-cpp registry; scrape-time snapshots are converted to its families and
// serialised together with it.
#include "metrics/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <mutex>
#include <sstream>

namespace zr::metrics {
namespace {

// Seconds. Most API answers take well under a millisecond; uploads of big parts take minutes.
const prometheus::Histogram::BucketBoundaries kRequestBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
// Seconds, from an instant evaluation to a day-long one.
const prometheus::Histogram::BucketBoundaries kEvaluationBuckets = {1,    5,    15,   60,    300,   900,
                                                                    1800, 3600, 7200, 14400, 43200, 86400};

// "2xx" for 204; index 0..4 for 1xx..5xx.
std::size_t StatusClass(int status) {
    if (status < 100 || status > 599) return 4;
    return static_cast<std::size_t>(status / 100 - 1);
}
constexpr std::array<const char*, 5> kClassNames = {"1xx", "2xx", "3xx", "4xx", "5xx"};

prometheus::MetricFamily ToFamily(const Snapshot::Family& family) {
    prometheus::MetricFamily out;
    out.name = family.name;
    out.help = family.help;
    out.type = family.counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge;
    for (const auto& sample : family.samples) {
        prometheus::ClientMetric metric;
        for (const auto& [name, value] : sample.labels) metric.label.push_back({name, value});
        if (family.counter) {
            metric.counter.value = sample.value;
        } else {
            metric.gauge.value = sample.value;
        }
        out.metric.push_back(std::move(metric));
    }
    return out;
}

}  // namespace

Snapshot::Family& Snapshot::FamilyOf(std::string_view name, std::string_view help, bool counter) {
    for (auto& family : families_) {
        if (family.name == name) return family;
    }
    families_.push_back(Family{std::string(name), std::string(help), counter, {}});
    return families_.back();
}

void Snapshot::Gauge(std::string_view name, std::string_view help, double value, Labels labels) {
    FamilyOf(name, help, false).samples.push_back(Sample{std::move(labels), value});
}

void Snapshot::Counter(std::string_view name, std::string_view help, double value, Labels labels) {
    FamilyOf(name, help, true).samples.push_back(Sample{std::move(labels), value});
}

// One declared route's series: its histogram and its counters per status class (created on
// first use, so routes that never answered 5xx have no 5xx series).
struct RouteSeries {
    std::string method;
    std::string pattern;
    prometheus::Histogram* duration = nullptr;
    std::array<std::atomic<prometheus::Counter*>, 5> by_class{};
};

struct Metrics::Impl {
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
    prometheus::Family<prometheus::Counter>& requests =
        prometheus::BuildCounter()
            .Name("zr_http_requests_total")
            .Help("HTTP requests answered, by route template, method and status class")
            .Register(*registry);
    prometheus::Family<prometheus::Histogram>& durations =
        prometheus::BuildHistogram()
            .Name("zr_http_request_duration_seconds")
            .Help("Time from a request's first byte to its answer written, by route template and method")
            .Register(*registry);
    prometheus::Gauge& in_flight = prometheus::BuildGauge()
                                       .Name("zr_http_requests_in_flight")
                                       .Help("Requests being read, handled or answered")
                                       .Register(*registry)
                                       .Add({});
    prometheus::Family<prometheus::Counter>& runs =
        prometheus::BuildCounter()
            .Name("zr_evaluation_runs_started_total")
            .Help("Evaluation runs started by workers; attempt=\"retry\" when a job was handed out again")
            .Register(*registry);
    prometheus::Family<prometheus::Counter>& finished = prometheus::BuildCounter()
                                                            .Name("zr_evaluations_finished_total")
                                                            .Help("Evaluation jobs that ended, by final state")
                                                            .Register(*registry);
    prometheus::Family<prometheus::Histogram>& run_durations =
        prometheus::BuildHistogram()
            .Name("zr_evaluation_duration_seconds")
            .Help("Duration of evaluation runs, from the worker's start to the end, by final state")
            .Register(*registry);

    std::vector<std::unique_ptr<RouteSeries>> routes;  // written once by DeclareRoutes
    std::mutex sources_mutex;                          // guards sources and serialises scrapes
    std::vector<Source> sources;

    prometheus::Counter& ClassCounter(RouteSeries& series, std::size_t status_class);
};

prometheus::Counter& Metrics::Impl::ClassCounter(RouteSeries& series, std::size_t status_class) {
    auto& slot = series.by_class[status_class];
    prometheus::Counter* counter = slot.load(std::memory_order_acquire);
    if (counter == nullptr) {
        // Family::Add returns the same counter for the same labels, so a race only stores it twice.
        counter =
            &requests.Add({{"route", series.pattern}, {"method", series.method}, {"code", kClassNames[status_class]}});
        slot.store(counter, std::memory_order_release);
    }
    return *counter;
}

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}

Metrics::~Metrics() = default;

void Metrics::DeclareRoutes(const std::vector<std::pair<std::string, std::string>>& method_and_pattern) {
    impl_->routes.clear();
    for (const auto& [method, pattern] : method_and_pattern) {
        auto series = std::make_unique<RouteSeries>();
        series->method = method;
        series->pattern = pattern;
        series->duration = &impl_->durations.Add({{"route", pattern}, {"method", method}}, kRequestBuckets);
        impl_->routes.push_back(std::move(series));
    }
}

void Metrics::RequestStarted() { impl_->in_flight.Increment(); }

void Metrics::RequestFinished(std::size_t route, std::string_view method, int status,
                              std::chrono::nanoseconds elapsed) {
    impl_->in_flight.Decrement();
    if (status == 0) return;
    const double seconds = std::chrono::duration<double>(elapsed).count();
    const std::size_t status_class = StatusClass(status);
    if (route < impl_->routes.size()) {
        RouteSeries& series = *impl_->routes[route];
        impl_->ClassCounter(series, status_class).Increment();
        series.duration->Observe(seconds);
        return;
    }
    // Unmatched requests are rare (404, 405, redirects, preflights): the family's lookup will do.
    const std::string method_label(method);
    impl_->requests.Add({{"route", "(unmatched)"}, {"method", method_label}, {"code", kClassNames[status_class]}})
        .Increment();
    impl_->durations.Add({{"route", "(unmatched)"}, {"method", method_label}}, kRequestBuckets).Observe(seconds);
}

void Metrics::EvaluationStarted(unsigned attempt) {
    impl_->runs.Add({{"attempt", attempt <= 1 ? "first" : "retry"}}).Increment();
}

void Metrics::EvaluationFinished(std::string_view state, std::optional<double> run_seconds) {
    const std::string label(state);
    impl_->finished.Add({{"state", label}}).Increment();
    if (run_seconds) impl_->run_durations.Add({{"state", label}}, kEvaluationBuckets).Observe(*run_seconds);
}

void Metrics::AddSource(Source source) {
    std::lock_guard lock(impl_->sources_mutex);
    impl_->sources.push_back(std::move(source));
}

std::string Metrics::Render() const {
    std::vector<prometheus::MetricFamily> families = impl_->registry->Collect();
    {
        std::lock_guard lock(impl_->sources_mutex);
        for (const auto& source : impl_->sources) {
            Snapshot snapshot;
            try {
                source(snapshot);
            } catch (const std::exception& e) {
                spdlog::warn("metrics: a source failed: {}", e.what());
                continue;
            }
            for (const auto& family : snapshot.families()) families.push_back(ToFamily(family));
        }
    }
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, families);
    return out.str();
}

}  // namespace zr::metrics
