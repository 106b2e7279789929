#include "client/progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace zr::client {
namespace {

constexpr auto kBarRedraw = std::chrono::milliseconds(100);
// Rates need some elapsed time and bytes before they mean anything.
constexpr double kMinRateSeconds = 0.2;

std::string Printf(const char* format, double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, format, value);
    return buffer;
}

std::string Percent(const ProgressSnapshot& s) {
    double percent = s.total == 0 ? 100.0 : 100.0 * static_cast<double>(s.done) / static_cast<double>(s.total);
    return Printf("%5.1f%%", std::min(percent, 100.0));
}

}  // namespace

std::string FormatBytes(std::uint64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " B";
    const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    while (value >= 1000.0 && unit + 1 < std::size(units)) {
        value /= 1024.0;
        ++unit;
    }
    const char* format = value < 10 ? "%.2f" : value < 100 ? "%.1f" : "%.0f";
    return Printf(format, value) + " " + units[unit];
}

std::string FormatRate(double bytes_per_second) {
    if (bytes_per_second < 0 || !std::isfinite(bytes_per_second)) return "-- MB/s";
    return Printf("%.1f", bytes_per_second / 1e6) + " MB/s";
}

std::string FormatEta(double seconds) {
    if (seconds < 0 || !std::isfinite(seconds) || seconds >= 100.0 * 3600) return "--:--";
    auto total = static_cast<long>(std::llround(seconds));
    long hours = total / 3600, minutes = total / 60 % 60, secs = total % 60;
    char buffer[32];
    if (hours > 0)
        std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", hours, minutes, secs);
    else
        std::snprintf(buffer, sizeof buffer, "%ld:%02ld", minutes, secs);
    return buffer;
}

std::string FormatBarLine(const ProgressSnapshot& s, int bar_width) {
    double fraction = s.total == 0 ? 1.0 : std::min(1.0, static_cast<double>(s.done) / static_cast<double>(s.total));
    auto filled = static_cast<int>(fraction * bar_width);
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < bar_width) {
        bar += '>';
        bar.append(static_cast<std::size_t>(bar_width - filled - 1), ' ');
    }
    return "[" + bar + "] " + Percent(s) + "  " + FormatBytes(s.done) + " / " + FormatBytes(s.total) + "  " +
           FormatRate(s.rate) + "  ETA " + FormatEta(s.eta);
}

std::string FormatPlainLine(const ProgressSnapshot& s) {
    std::string percent = Percent(s);
    percent.erase(0, percent.find_first_not_of(' '));
    return "uploaded " + FormatBytes(s.done) + " of " + FormatBytes(s.total) + " (" + percent + "), " +
           FormatRate(s.rate) + ", ETA " + FormatEta(s.eta);
}

ProgressReporter::ProgressReporter(ProgressStyle style, std::ostream& err, std::uint64_t total,
                                   std::uint64_t already_done, Clock clock, std::chrono::milliseconds lines_interval)
    : style_(style),
      err_(err),
      total_(total),
      confirmed_(already_done),
      start_bytes_(already_done),
      clock_(std::move(clock)),
      lines_interval_(lines_interval),
      start_(clock_()) {}

ProgressSnapshot ProgressReporter::Snapshot() const {
    ProgressSnapshot s;
    s.total = total_;
    s.done = std::min(total_, confirmed_ + in_flight_);
    double elapsed = std::chrono::duration<double>(clock_() - start_).count();
    auto sent = static_cast<double>(s.done - std::min(s.done, start_bytes_));
    if (elapsed >= kMinRateSeconds && sent > 0) {
        s.rate = sent / elapsed;
        s.eta = static_cast<double>(s.total - s.done) / s.rate;
    }
    return s;
}

void ProgressReporter::Update(std::uint64_t in_flight) {
    in_flight_ = in_flight;
    Draw(false);
}

void ProgressReporter::PartDone(const std::string& name, std::uint64_t size, std::size_t index, std::size_t count) {
    in_flight_ = 0;
    confirmed_ += size;
    if (style_ == ProgressStyle::kLines) {
        err_ << "part " << index + 1 << "/" << count << " " << name << " (" << FormatBytes(size) << ") uploaded\n";
    }
    Draw(true);
}

void ProgressReporter::PartFailed() { in_flight_ = 0; }

void ProgressReporter::Message(const std::string& text) {
    ClearBar();
    err_ << text << '\n' << std::flush;
    if (style_ == ProgressStyle::kBar) Draw(true);
}

void ProgressReporter::Finish() {
    if (style_ == ProgressStyle::kBar) {
        Draw(true);
        if (bar_shown_) err_ << '\n' << std::flush;
        bar_shown_ = false;
    }
}

void ProgressReporter::ClearBar() {
    if (bar_shown_) err_ << "\r\033[K";
    bar_shown_ = false;
}

void ProgressReporter::Draw(bool force) {
    if (style_ == ProgressStyle::kNone) return;
    auto now = clock_();
    auto interval = style_ == ProgressStyle::kBar ? std::chrono::milliseconds(kBarRedraw) : lines_interval_;
    if (!force && last_draw_ && now - *last_draw_ < interval) return;
    if (style_ == ProgressStyle::kLines && !force && !last_draw_ && now - start_ < interval) return;
    last_draw_ = now;
    if (style_ == ProgressStyle::kBar) {
        err_ << "\r\033[K" << FormatBarLine(Snapshot()) << std::flush;
        bar_shown_ = true;
    } else {
        err_ << FormatPlainLine(Snapshot()) << '\n' << std::flush;
    }
}

}  // namespace zr::client
