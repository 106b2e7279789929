// ScratchSpace: a worker process's copies, and the sweep of those no living process holds.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "worker/scratch.hpp"

namespace zr::worker {
namespace {

namespace fs = std::filesystem;

class ScratchTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("zr-scratch-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // A copy with one file, as a worker leaves it.
    void Copy(const fs::path& folder) {
        fs::create_directories(folder / "input");
        std::ofstream(folder / "input" / "data.txt") << "data";
    }

    fs::path dir_;
};

TEST_F(ScratchTest, CopiesOfEndedProcessesAndOfTheEarlierLayoutAreRemoved) {
    Copy(dir_ / "424242" / "0" / "sub-a");  // a killed process: its lock file stays, unlocked
    std::ofstream(dir_ / "424242.lock") << "";
    Copy(dir_ / "sub-b");  // the earlier layout: <dir>/<submission>
    ScratchSpace space(dir_);
    EXPECT_EQ(space.swept(), 2u);
    EXPECT_FALSE(fs::exists(dir_ / "424242"));
    EXPECT_FALSE(fs::exists(dir_ / "424242.lock"));
    EXPECT_FALSE(fs::exists(dir_ / "sub-b"));
}

TEST_F(ScratchTest, ALivingProcesssCopiesAreLeftAlone) {
    // Another process holds its lock (another open file description conflicts the same way).
    Copy(dir_ / "777" / "0" / "sub-c");
    const int fd = ::open((dir_ / "777.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    {
        ScratchSpace space(dir_);
        EXPECT_EQ(space.swept(), 0u);
        EXPECT_TRUE(fs::exists(dir_ / "777" / "0" / "sub-c" / "input" / "data.txt"));
    }
    ::close(fd);  // the process "ends": the next worker to start removes its copies
    ScratchSpace later(dir_);
    EXPECT_EQ(later.swept(), 1u);
    EXPECT_FALSE(fs::exists(dir_ / "777"));
}

TEST_F(ScratchTest, AreasAreDistinctAndTheProcesssFolderGoesWithTheSpace) {
    const fs::path own = dir_ / std::to_string(::getpid());
    {
        auto space = ScratchSpace::ForProcess(dir_);
        EXPECT_EQ(ScratchSpace::ForProcess(dir_), space);  // one per folder and process
        const fs::path a = space->Area();
        const fs::path b = space->Area();
        EXPECT_NE(a, b);
        EXPECT_EQ(a.parent_path(), own);
        Copy(a / "sub-d");
        EXPECT_TRUE(fs::exists(own.string() + ".lock"));
    }
    EXPECT_FALSE(fs::exists(own));
    EXPECT_FALSE(fs::exists(own.string() + ".lock"));
}

}  // namespace
}  // namespace zr::worker
