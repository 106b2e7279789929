#pragma once
// Upload progress on the error stream: a redrawn bar on a terminal, periodic plain lines
// otherwise, or nothing. Not thread-safe (called from the uploading thread only).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

namespace zr::client {

// "0 B", "512 B", "1.5 KiB", "12.3 MiB", "1.02 GiB" (three significant digits from KiB up).
std::string FormatBytes(std::uint64_t bytes);
// "85.3 MB/s" (decimal megabytes, as network rates are usually given); "-- MB/s" when unknown (< 0).
std::string FormatRate(double bytes_per_second);
// "0:05", "12:34", "1:02:03"; "--:--" when unknown (< 0 or absurdly long).
std::string FormatEta(double seconds);

// One state of an upload, as shown to the user.
struct ProgressSnapshot {
    std::uint64_t done = 0;  // bytes confirmed or in flight
    std::uint64_t total = 0;
    double rate = -1;  // bytes/s, < 0 unknown
    double eta = -1;   // seconds, < 0 unknown
};

// "[=========>          ]  45.0%  1.23 GiB / 2.73 GiB  85.3 MB/s  ETA 0:12" with a bar of
// `bar_width` cells.
std::string FormatBarLine(const ProgressSnapshot& snapshot, int bar_width = 24);
// "uploaded 1.23 GiB of 2.73 GiB (45.0%), 85.3 MB/s, ETA 0:12"
std::string FormatPlainLine(const ProgressSnapshot& snapshot);

enum class ProgressStyle { kNone, kBar, kLines };

class ProgressReporter {
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    // `total` bytes to upload of which `already_done` were sent by an earlier run (they do not
    // count towards the rate). `lines_interval`: at most one periodic plain line per interval.
    ProgressReporter(ProgressStyle style, std::ostream& err, std::uint64_t total, std::uint64_t already_done,
                     Clock clock = std::chrono::steady_clock::now,
                     std::chrono::milliseconds lines_interval = std::chrono::seconds(2));

    // `in_flight` bytes of the current part have been sent.
    void Update(std::uint64_t in_flight);
    // The current part was confirmed by the server (its bytes become done); prints a line in the
    // plain-lines style.
    void PartDone(const std::string& name, std::uint64_t size, std::size_t index, std::size_t count);
    // The current part failed: its in-flight bytes are forgotten.
    void PartFailed();
    // A message line (retries, warnings), printed in every style, without garbling the bar.
    void Message(const std::string& text);
    // Ends the bar's line.
    void Finish();

    ProgressSnapshot Snapshot() const;

private:
    void Draw(bool force);
    void ClearBar();

    ProgressStyle style_;
    std::ostream& err_;
    std::uint64_t total_;
    std::uint64_t confirmed_;
    std::uint64_t in_flight_ = 0;
    std::uint64_t start_bytes_;
    Clock clock_;
    std::chrono::milliseconds lines_interval_;
    std::chrono::steady_clock::time_point start_;
    std::optional<std::chrono::steady_clock::time_point> last_draw_;
    bool bar_shown_ = false;
};

}  // namespace zr::client
