// Profiles: the files of USER_DATA_DIR and the in-memory copy kept while the folder is unchanged.
#include <gtest/gtest.h>

#include <barrier>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "storage/folder_watch.hpp"
#include "storage/profiles.hpp"
#include "temp_database.hpp"

namespace zr::storage {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;

void WriteText(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

std::string Affiliation(const Profiles& profiles, const std::string& name) {
    const auto profile = profiles.Read(name);
    return profile ? profile->value("affiliation", std::string("<none>")) : std::string("<absent>");
}

// What Read() answers once it answers `expected`, or the last answer after 10 s: a change made
// by another process is counted by the watch's thread, normally within a millisecond.
std::string EventualAffiliation(const Profiles& profiles, const std::string& name, const std::string& expected) {
    std::string seen;
    for (int i = 0; i < 1000; ++i) {
        seen = Affiliation(profiles, name);
        if (seen == expected) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return seen;
}

class ProfilesTest : public ::testing::Test {
protected:
    TempDir dir_;
    PosixFileSystem file_system_;
    Profiles profiles_{file_system_, dir_.path()};
};

TEST_F(ProfilesTest, ReadsWhatWasWritten) {
    EXPECT_EQ(Affiliation(profiles_, "ada"), "<absent>");
    profiles_.Write("ada", {{"username", "ada"}, {"affiliation", "Lab A"}});
    EXPECT_EQ(Affiliation(profiles_, "ada"), "Lab A");
    EXPECT_EQ(Affiliation(profiles_, "ada"), "Lab A");  // from memory
    profiles_.Write("ada", {{"username", "ada"}, {"affiliation", "Lab B"}});
    EXPECT_EQ(Affiliation(profiles_, "ada"), "Lab B");
}

TEST_F(ProfilesTest, WriteLeavesOnlyTheProfileFile) {
    profiles_.Write("ada", {{"affiliation", "one"}});
    profiles_.Write("ada", {{"affiliation", "two"}});
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_.path())) names.push_back(entry.path().filename().string());
    EXPECT_EQ(names, (std::vector<std::string>{"ada.json"}));
}

TEST(ProfilesWithoutFolder, WriteToAMissingFolderThrowsFileError) {
    TempDir dir;
    PosixFileSystem file_system;
    Profiles profiles(file_system, dir.path() / "missing");
    EXPECT_THROW(profiles.Write("ada", {{"affiliation", "a"}}), FileError);
    EXPECT_FALSE(fs::exists(dir.path() / "missing"));
}

TEST_F(ProfilesTest, SeesEveryChangeMadeFromOutside) {
    const fs::path file = dir_.path() / "ada.json";
    WriteText(file, R"({"username":"ada","affiliation":"one"})");
    EXPECT_EQ(Affiliation(profiles_, "ada"), "one");
    EXPECT_EQ(Affiliation(profiles_, "ada"), "one");

    // rewritten in place, same size
    WriteText(file, R"({"username":"ada","affiliation":"two"})");
    EXPECT_EQ(EventualAffiliation(profiles_, "ada", "two"), "two");

    // replaced by a rename, as another zr process does
    WriteText(dir_.path() / "tmp", R"({"username":"ada","affiliation":"three"})");
    fs::rename(dir_.path() / "tmp", file);
    EXPECT_EQ(EventualAffiliation(profiles_, "ada", "three"), "three");

    // not an object any more, then deleted
    WriteText(file, "[1, 2]");
    EXPECT_EQ(EventualAffiliation(profiles_, "ada", "<absent>"), "<absent>");
    WriteText(file, R"({"affiliation":"four"})");
    EXPECT_EQ(Affiliation(profiles_, "ada"), "four");  // absent profiles are never kept
    fs::remove(file);
    EXPECT_EQ(EventualAffiliation(profiles_, "ada", "<absent>"), "<absent>");
}

// What this object writes is seen by the very next read, on any thread (no wait for the watch).
TEST_F(ProfilesTest, OwnWritesAreSeenAtOnce) {
    for (int i = 0; i < 200; ++i) {
        const std::string value = "v" + std::to_string(i);
        profiles_.Write("ada", {{"affiliation", value}});
        ASSERT_EQ(Affiliation(profiles_, "ada"), value);
        ASSERT_EQ(Affiliation(profiles_, "ada"), value);
    }
}

TEST_F(ProfilesTest, FilesWithAnotherNameAreNeverKept) {
    // A symbolic link and a hard link to files outside the watched folder: their changes are not
    // reported by the folder, so each read goes to the file.
    TempDir outside;
    WriteText(outside.path() / "sym.json", R"({"affiliation":"s1"})");
    WriteText(outside.path() / "hard.json", R"({"affiliation":"h1"})");
    fs::create_symlink(outside.path() / "sym.json", dir_.path() / "sym.json");
    fs::create_hard_link(outside.path() / "hard.json", dir_.path() / "hard.json");
    EXPECT_EQ(Affiliation(profiles_, "sym"), "s1");
    EXPECT_EQ(Affiliation(profiles_, "hard"), "h1");
    WriteText(outside.path() / "sym.json", R"({"affiliation":"s2"})");
    WriteText(outside.path() / "hard.json", R"({"affiliation":"h2"})");
    EXPECT_EQ(Affiliation(profiles_, "sym"), "s2");
    EXPECT_EQ(Affiliation(profiles_, "hard"), "h2");
}

// A snapshot's version names its content: the same while the file is unchanged, another one
// after any change, and 0 (derive again) when the read was not kept.
TEST_F(ProfilesTest, SnapshotVersionChangesWithTheContent) {
    EXPECT_EQ(profiles_.Snapshot("ada").json, nullptr);
    EXPECT_EQ(profiles_.Snapshot("ada").version, 0u);

    profiles_.Write("ada", {{"affiliation", "one"}});
    const auto first = profiles_.Snapshot("ada");
    ASSERT_NE(first.json, nullptr);
    EXPECT_EQ(first.json->value("affiliation", ""), "one");
    EXPECT_NE(first.version, 0u);
    const auto again = profiles_.Snapshot("ada");
    EXPECT_EQ(again.version, first.version);
    EXPECT_EQ(again.json, first.json);  // shared, not copied

    WriteText(dir_.path() / "ada.json", R"({"affiliation":"two"})");
    EXPECT_EQ(EventualAffiliation(profiles_, "ada", "two"), "two");
    const auto changed = profiles_.Snapshot("ada");
    EXPECT_EQ(changed.json->value("affiliation", ""), "two");
    EXPECT_NE(changed.version, 0u);
    EXPECT_NE(changed.version, first.version);
    EXPECT_EQ(first.json->value("affiliation", ""), "one");  // a snapshot held by a caller stays as it was

    TempDir outside;
    WriteText(outside.path() / "sym.json", R"({"affiliation":"s"})");
    fs::create_symlink(outside.path() / "sym.json", dir_.path() / "sym.json");
    EXPECT_EQ(profiles_.Snapshot("sym").version, 0u);
    EXPECT_EQ(profiles_.Snapshot("sym").json->value("affiliation", ""), "s");
}

TEST_F(ProfilesTest, RefusesUnsafeNamesEvenAfterCaching) {
    profiles_.Write("ada", {{"affiliation", "x"}});
    EXPECT_EQ(Affiliation(profiles_, "ada"), "x");
    EXPECT_THROW((void)profiles_.Read("../ada"), std::invalid_argument);
    EXPECT_THROW((void)profiles_.Read(""), std::invalid_argument);
}

// Each thread keeps its own copy: a write is seen by every thread's next read, and two
// instances on one thread (more than its memo holds) never mix their caches.
TEST_F(ProfilesTest, EveryThreadSeesAChangeMadeOnAnother) {
    profiles_.Write("ada", {{"affiliation", "one"}});
    std::barrier step(3);
    std::string seen[2][2];
    const auto reader = [&](int i) {
        seen[i][0] = Affiliation(profiles_, "ada");
        seen[i][0] = Affiliation(profiles_, "ada");  // now from this thread's memory
        step.arrive_and_wait();                      // the main thread writes meanwhile
        step.arrive_and_wait();
        seen[i][1] = Affiliation(profiles_, "ada");
    };
    std::thread a(reader, 0);
    std::thread b(reader, 1);
    step.arrive_and_wait();
    profiles_.Write("ada", {{"affiliation", "two"}});
    step.arrive_and_wait();
    a.join();
    b.join();
    for (const auto& thread : seen) {
        EXPECT_EQ(thread[0], "one");
        EXPECT_EQ(thread[1], "two");
    }

    std::vector<std::unique_ptr<TempDir>> dirs;
    std::vector<std::unique_ptr<Profiles>> many;
    for (int i = 0; i < 6; ++i) {
        dirs.push_back(std::make_unique<TempDir>());
        many.push_back(std::make_unique<Profiles>(file_system_, dirs.back()->path()));
        many.back()->Write("ada", {{"affiliation", "lab " + std::to_string(i)}});
    }
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < 6; ++i) EXPECT_EQ(Affiliation(*many[i], "ada"), "lab " + std::to_string(i));
    }
}

TEST(ProfilesWithoutFolder, ReadsStillWorkWhenTheFolderCannotBeWatched) {
    TempDir dir;
    const fs::path missing = dir.path() / "later";
    PosixFileSystem file_system;
    Profiles profiles(file_system, missing);
    EXPECT_EQ(Affiliation(profiles, "ada"), "<absent>");  // the watch fails: no cache
    fs::create_directory(missing);
    profiles.Write("ada", {{"affiliation", "a"}});
    EXPECT_EQ(Affiliation(profiles, "ada"), "a");
    profiles.Write("ada", {{"affiliation", "b"}});
    EXPECT_EQ(Affiliation(profiles, "ada"), "b");
}

// true once `done()` is, false if it is not after 10 s.
template <typename Done>
bool Eventually(Done done) {
    for (int i = 0; i < 1000; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
}

TEST(FolderWatch, CountsChangesAndTheFolderGoingAway) {
    TempDir dir;
    const fs::path watched = dir.path() / "w";
    fs::create_directory(watched);
    FolderWatch watch(watched);
    ASSERT_TRUE(watch.usable());
    const auto start = watch.generation();
    watch.Touch();
    EXPECT_EQ(watch.generation(), start + 1);  // at once
    WriteText(watched / "a", "1");
    EXPECT_TRUE(Eventually([&] { return watch.generation() > start + 1; }));
    const auto after_write = watch.generation();
    fs::rename(watched / "a", watched / "b");
    EXPECT_TRUE(Eventually([&] { return watch.generation() > after_write; }));
    EXPECT_TRUE(watch.usable());
    fs::rename(watched, dir.path() / "moved");
    EXPECT_TRUE(Eventually([&] { return !watch.usable(); }));
}

TEST(FolderWatch, AFolderThatCannotBeWatchedIsNeverUsable) {
    TempDir dir;
    FolderWatch watch(dir.path() / "missing");
    EXPECT_FALSE(watch.usable());
}

}  // namespace
}  // namespace zr::storage
