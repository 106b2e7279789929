#include <gtest/gtest.h>

#include <sstream>

#include "client/progress.hpp"

namespace zr::client {
namespace {
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ClientProgressFormat, Bytes) {
    EXPECT_EQ(FormatBytes(0), "0 B");
    EXPECT_EQ(FormatBytes(1023), "1023 B");
    EXPECT_EQ(FormatBytes(1024), "1.00 KiB");
    EXPECT_EQ(FormatBytes(1536), "1.50 KiB");
    EXPECT_EQ(FormatBytes(524288000), "500 MiB");
    EXPECT_EQ(FormatBytes(12900000), "12.3 MiB");
    EXPECT_EQ(FormatBytes(1099511627776ull), "1.00 TiB");
    EXPECT_EQ(FormatBytes(1000 * 1024), "0.98 MiB");  // never four digits before the point
}

TEST(ClientProgressFormat, RateAndEta) {
    EXPECT_EQ(FormatRate(85.3e6), "85.3 MB/s");
    EXPECT_EQ(FormatRate(0), "0.0 MB/s");
    EXPECT_EQ(FormatRate(-1), "-- MB/s");
    EXPECT_EQ(FormatEta(5), "0:05");
    EXPECT_EQ(FormatEta(754), "12:34");
    EXPECT_EQ(FormatEta(3723), "1:02:03");
    EXPECT_EQ(FormatEta(-1), "--:--");
    EXPECT_EQ(FormatEta(1e9), "--:--");
}

TEST(ClientProgressFormat, BarLine) {
    ProgressSnapshot s{512, 1024, 2e6, 3};
    EXPECT_EQ(FormatBarLine(s, 10), "[=====>    ]  50.0%  512 B / 1.00 KiB  2.0 MB/s  ETA 0:03");
    s.done = 1024;
    s.eta = 0;
    EXPECT_EQ(FormatBarLine(s, 4), "[====] 100.0%  1.00 KiB / 1.00 KiB  2.0 MB/s  ETA 0:00");
    ProgressSnapshot start{0, 1024, -1, -1};
    EXPECT_EQ(FormatBarLine(start, 4), "[>   ]   0.0%  0 B / 1.00 KiB  -- MB/s  ETA --:--");
}

TEST(ClientProgressFormat, PlainLine) {
    ProgressSnapshot s{256, 1024, 1e6, 61};
    EXPECT_EQ(FormatPlainLine(s), "uploaded 256 B of 1.00 KiB (25.0%), 1.0 MB/s, ETA 1:01");
    ProgressSnapshot empty{0, 0, -1, -1};
    EXPECT_EQ(FormatPlainLine(empty), "uploaded 0 B of 0 B (100.0%), -- MB/s, ETA --:--");
}

// A clock the test moves by hand.
struct FakeClock {
    std::chrono::steady_clock::time_point now{};
    ProgressReporter::Clock Fn() {
        return [this] { return now; };
    }
};

TEST(ClientProgressReporter, RateCountsOnlyThisRunAndEtaFollows) {
    FakeClock clock;
    std::ostringstream err;
    ProgressReporter progress(ProgressStyle::kNone, err, 10'000'000, 4'000'000, clock.Fn());
    EXPECT_LT(progress.Snapshot().rate, 0);  // nothing sent yet
    clock.now += seconds(2);
    progress.Update(2'000'000);
    auto s = progress.Snapshot();
    EXPECT_EQ(s.done, 6'000'000u);
    EXPECT_DOUBLE_EQ(s.rate, 1e6);
    EXPECT_DOUBLE_EQ(s.eta, 4.0);
    progress.PartFailed();
    EXPECT_EQ(progress.Snapshot().done, 4'000'000u);
    progress.PartDone("p", 3'000'000, 1, 3);
    EXPECT_EQ(progress.Snapshot().done, 7'000'000u);
    progress.Update(20'000'000);  // never above the total
    EXPECT_EQ(progress.Snapshot().done, 10'000'000u);
    progress.Finish();
    EXPECT_EQ(err.str(), "");  // kNone prints nothing
}

TEST(ClientProgressReporter, PlainLinesAreThrottled) {
    FakeClock clock;
    std::ostringstream err;
    ProgressReporter progress(ProgressStyle::kLines, err, 1000, 0, clock.Fn(), seconds(2));
    clock.now += milliseconds(500);
    progress.Update(100);
    EXPECT_EQ(err.str(), "");
    clock.now += milliseconds(1600);
    progress.Update(200);
    clock.now += milliseconds(100);
    progress.Update(300);
    EXPECT_EQ(err.str(), "uploaded 200 B of 1000 B (20.0%), 0.0 MB/s, ETA 0:08\n");
    err.str("");
    progress.PartDone("a.zip.part0", 500, 0, 2);
    EXPECT_EQ(err.str(),
              "part 1/2 a.zip.part0 (500 B) uploaded\nuploaded 500 B of 1000 B (50.0%), 0.0 MB/s, ETA 0:02\n");
}

TEST(ClientProgressReporter, BarIsRedrawnInPlaceAndMessagesDoNotGarbleIt) {
    FakeClock clock;
    std::ostringstream err;
    ProgressReporter progress(ProgressStyle::kBar, err, 1000, 0, clock.Fn());
    clock.now += seconds(1);
    progress.Update(500);
    std::string out = err.str();
    EXPECT_EQ(out.rfind("\r\033[K[", 0), 0u) << out;
    EXPECT_NE(out.find(" 50.0%"), std::string::npos) << out;
    EXPECT_NE(out.find("ETA 0:01"), std::string::npos) << out;
    EXPECT_EQ(out.find('\n'), std::string::npos);
    err.str("");
    clock.now += milliseconds(10);
    progress.Update(600);  // within the redraw interval: not drawn
    EXPECT_EQ(err.str(), "");
    progress.Message("zr: retrying");
    out = err.str();
    EXPECT_EQ(out.rfind("\r\033[Kzr: retrying\n\r\033[K[", 0), 0u) << out;
    err.str("");
    progress.Finish();
    EXPECT_EQ(err.str().back(), '\n');
}

}  // namespace
}  // namespace zr::client
