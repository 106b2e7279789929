// SiteState: lock mode's readonly.lock and the durable installation time.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "storage/site_state.hpp"
#include "temp_database.hpp"

namespace zr::storage {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;

std::string ReadText(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class SiteStateTest : public ::testing::Test {
protected:
    TempDir dir_;
    PosixFileSystem file_system_;
    SiteState site_{file_system_, dir_.path()};
};

TEST_F(SiteStateTest, LockAndUnlock) {
    EXPECT_FALSE(site_.Locked());
    EXPECT_EQ(site_.LockReason(), std::nullopt);
    EXPECT_FALSE(site_.Unlock());

    site_.Lock("nightly backup");
    EXPECT_TRUE(site_.Locked());
    EXPECT_EQ(site_.LockReason(), "nightly backup");
    EXPECT_EQ(ReadText(dir_.path() / "readonly.lock"), "nightly backup\n");
    site_.Lock("");  // relocking replaces the reason
    EXPECT_EQ(site_.LockReason(), "");

    EXPECT_TRUE(site_.Unlock());
    EXPECT_FALSE(site_.Locked());
    EXPECT_FALSE(fs::exists(dir_.path() / "readonly.lock"));
}

TEST_F(SiteStateTest, AnythingNamedReadonlyLockLocks) {
    // Organisers may touch the file by hand, or even make a folder of that name.
    std::ofstream(dir_.path() / "readonly.lock").close();
    EXPECT_TRUE(site_.Locked());
    EXPECT_EQ(site_.LockReason(), "");
    ASSERT_TRUE(site_.Unlock());
    fs::create_directory(dir_.path() / "readonly.lock");
    EXPECT_TRUE(site_.Locked());
    EXPECT_EQ(site_.LockReason(), "");
    EXPECT_TRUE(site_.Unlock());
    EXPECT_FALSE(site_.Locked());
}

TEST_F(SiteStateTest, InstallationTimeIsWrittenOnceAndKept) {
    const auto first = *ParseDateTime("2026-12-07 11:54:23.187419");
    site_.RecordInstallation(first);
    EXPECT_EQ(site_.installed_at(), first);
    EXPECT_EQ(ReadText(dir_.path() / "installation_datetime"), "2026-12-07 11:54:23.187419\n");

    SiteState later(file_system_, dir_.path());
    later.RecordInstallation(first + std::chrono::hours(48));
    EXPECT_EQ(later.installed_at(), first);
}

TEST_F(SiteStateTest, UnreadableInstallationTimeIsReplacedOnce) {
    std::ofstream(dir_.path() / "installation_datetime") << "yesterday-ish";
    const auto now = *ParseDateTime("2027-01-02 03:04:05.000006");
    site_.RecordInstallation(now);
    EXPECT_EQ(site_.installed_at(), now);
    SiteState again(file_system_, dir_.path());
    again.RecordInstallation(now + std::chrono::hours(1));
    EXPECT_EQ(again.installed_at(), now);
}

}  // namespace
}  // namespace zr::storage
