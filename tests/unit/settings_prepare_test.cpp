#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "settings/settings.hpp"

namespace zr::settings {
namespace {

namespace fs = std::filesystem;

class SettingsPrepare : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr-prepare-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::permissions(root_, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(root_, ec);
    }
    // The SettingsError thrown by PrepareDataFolder; fails the test if none is thrown.
    static SettingsError PrepareError(const Settings& settings) {
        try {
            PrepareDataFolder(settings);
        } catch (const SettingsError& e) {
            return e;
        }
        ADD_FAILURE() << "no SettingsError";
        return SettingsError("", "");
    }
    fs::path root_;
};

TEST_F(SettingsPrepare, CreatesSubFoldersAndIsIdempotent) {
    const Settings s = LoadFrom({{"ZR_DATA_FOLDER", root_.string()}}).settings;
    PrepareDataFolder(s);
    for (const char* leaf : {"_static", "user_data", "submissions", "leaderboards", "archive"}) {
        EXPECT_TRUE(fs::is_directory(root_ / leaf)) << leaf;
    }
    std::ofstream(root_ / "user_data" / "alice.json") << "{}";
    PrepareDataFolder(s);
    EXPECT_TRUE(fs::exists(root_ / "user_data" / "alice.json"));
}

TEST_F(SettingsPrepare, CreatesExplicitFoldersOutsideDataFolder) {
    const fs::path data = root_ / "data", elsewhere = root_ / "elsewhere" / "deep" / "subs";
    fs::create_directory(data);
    const Settings s =
        LoadFrom({{"ZR_DATA_FOLDER", data.string()}, {"ZR_SUBMISSION_DIR", elsewhere.string()}}).settings;
    PrepareDataFolder(s);
    EXPECT_TRUE(fs::is_directory(elsewhere));
    EXPECT_FALSE(fs::exists(data / "submissions"));
}

TEST_F(SettingsPrepare, MissingDataFolderIsAnError) {
    const fs::path missing = root_ / "missing";
    const SettingsError e = PrepareError(LoadFrom({{"ZR_DATA_FOLDER", missing.string()}}).settings);
    EXPECT_EQ(e.key(), "ZR_DATA_FOLDER");
    EXPECT_EQ(std::string(e.what()), "ZR_DATA_FOLDER: '" + missing.string() + "' does not exist");
    EXPECT_FALSE(fs::exists(missing));
}

TEST_F(SettingsPrepare, DataFolderThatIsAFileIsAnError) {
    const fs::path file = root_ / "file";
    std::ofstream(file) << "x";
    const SettingsError e = PrepareError(LoadFrom({{"ZR_DATA_FOLDER", file.string()}}).settings);
    EXPECT_EQ(e.key(), "ZR_DATA_FOLDER");
    EXPECT_EQ(std::string(e.what()), "ZR_DATA_FOLDER: '" + file.string() + "' is not a writable directory");
}

TEST_F(SettingsPrepare, ReadOnlyDataFolderIsAnError) {
    if (geteuid() == 0) GTEST_SKIP() << "root may write anywhere";
    fs::permissions(root_, fs::perms::owner_read | fs::perms::owner_exec);
    const SettingsError e = PrepareError(LoadFrom({{"ZR_DATA_FOLDER", root_.string()}}).settings);
    EXPECT_EQ(e.key(), "ZR_DATA_FOLDER");
    EXPECT_NE(std::string(e.what()).find("is not a writable directory"), std::string::npos);
}

TEST_F(SettingsPrepare, SubFolderBlockedByAFileNamesItsKey) {
    std::ofstream(root_ / "user_data") << "not a folder";
    const SettingsError e = PrepareError(LoadFrom({{"ZR_DATA_FOLDER", root_.string()}}).settings);
    EXPECT_EQ(e.key(), "ZR_USER_DATA_DIR");
    EXPECT_EQ(std::string(e.what()).rfind("ZR_USER_DATA_DIR: cannot create '", 0), 0u) << e.what();
}

}  // namespace
}  // namespace zr::settings
