// PosixFileSystem and the helpers built on a FileSystem: write modes, reads of missing files,
// listings, clean-up that never throws, atomic replacement (no temporary file left, whatever
// happens), copies, the one file-name rule, and a full disk (zr::Error::OutOfSpace, 507).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/file_system.hpp"

namespace zr {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void Write(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// The names in a folder, sorted.
std::vector<std::string> Names(const fs::path& folder) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// A PosixFileSystem that remembers the files opened for writing (to see WriteFileAtomically's
// temporary names).
class RecordingFileSystem : public PosixFileSystem {
public:
    using PosixFileSystem::PosixFileSystem;
    std::unique_ptr<WritableFile> OpenForWrite(const fs::path& path, WriteMode mode) override {
        opened.push_back(path);
        return PosixFileSystem::OpenForWrite(path, mode);
    }
    std::vector<fs::path> opened;
};

class FileSystemTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_fs_XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(dir_, ec);
    }

    fs::path dir_;
    PosixFileSystem fs_;
};

// The errno a FileError carries, or 0 when `action` does not throw one.
template <class F>
int FileErrno(F&& action) {
    try {
        action();
    } catch (const FileError& e) {
        return e.code().value();
    }
    return 0;
}

TEST_F(FileSystemTest, CreateNewRefusesAnExistingFile) {
    const fs::path path = dir_ / "a.txt";
    auto file = fs_.OpenForWrite(path, FileSystem::WriteMode::kCreateNew);
    file->Append("hello");
    file->Append(", world");
    EXPECT_EQ(file->size(), 12u);
    file->Sync();
    file->Close();
    file->Close();  // idempotent
    EXPECT_EQ(Read(path), "hello, world");
    EXPECT_EQ(FileErrno([&] { fs_.OpenForWrite(path, FileSystem::WriteMode::kCreateNew); }), EEXIST);
    EXPECT_EQ(Read(path), "hello, world");  // untouched
}

TEST_F(FileSystemTest, ReplaceTruncatesAndAppendAppends) {
    const fs::path path = dir_ / "a.txt";
    Write(path, "old content");
    auto replaced = fs_.OpenForWrite(path, FileSystem::WriteMode::kReplace);
    replaced->Append("new");
    replaced->Close();
    EXPECT_EQ(Read(path), "new");
    auto appended = fs_.OpenForWrite(path, FileSystem::WriteMode::kAppend);
    appended->Append(" and more");
    appended->StartWriteback();
    appended->Close();
    EXPECT_EQ(Read(path), "new and more");
    auto created = fs_.OpenForWrite(dir_ / "b.txt", FileSystem::WriteMode::kAppend);  // created if absent
    created->Close();
    EXPECT_TRUE(fs::exists(dir_ / "b.txt"));
}

TEST_F(FileSystemTest, OpenInAMissingFolderIsAFileErrorNamingThePath) {
    const fs::path path = dir_ / "missing" / "a.txt";
    try {
        fs_.OpenForWrite(path, FileSystem::WriteMode::kReplace);
        FAIL() << "no exception";
    } catch (const FileError& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_NE(std::string(e.what()).find("open " + path.string()), std::string::npos) << e.what();
    }
    EXPECT_EQ(FileErrno([&] { fs_.OpenForRead(path); }), ENOENT);
}

TEST_F(FileSystemTest, SequentialReadsToTheEnd) {
    Write(dir_ / "a.txt", "0123456789");
    auto file = fs_.OpenForRead(dir_ / "a.txt");
    char buffer[4];
    std::string read;
    while (const std::size_t n = file->Read(buffer, sizeof(buffer))) read.append(buffer, n);
    EXPECT_EQ(read, "0123456789");
    EXPECT_EQ(file->Read(buffer, sizeof(buffer)), 0u);
}

TEST_F(FileSystemTest, ReadFileIsNulloptForAMissingFile) {
    EXPECT_EQ(fs_.ReadFile(dir_ / "missing.txt"), std::nullopt);
    EXPECT_EQ(fs_.ReadFile(dir_ / "missing" / "a.txt"), std::nullopt);
    Write(dir_ / "a.txt", std::string("with\0nul", 8));
    EXPECT_EQ(fs_.ReadFile(dir_ / "a.txt"), std::string("with\0nul", 8));
    Write(dir_ / "empty.txt", "");
    EXPECT_EQ(fs_.ReadFile(dir_ / "empty.txt"), "");
    EXPECT_NE(FileErrno([&] { fs_.ReadFile(dir_); }), 0);  // a folder is not a missing file
}

TEST_F(FileSystemTest, ListIsSortedAndEmptyForAMissingFolder) {
    Write(dir_ / "b", "");
    Write(dir_ / "a", "");
    Write(dir_ / ".hidden", "");
    fs::create_directory(dir_ / "c");
    EXPECT_EQ(fs_.List(dir_), (std::vector<std::string>{".hidden", "a", "b", "c"}));
    EXPECT_TRUE(fs_.List(dir_ / "missing").empty());
    EXPECT_TRUE(fs_.List(dir_ / "c").empty());
}

TEST_F(FileSystemTest, CreateDirIsFalseWhenTheFolderExists) {
    EXPECT_TRUE(fs_.CreateDir(dir_ / "a"));
    EXPECT_FALSE(fs_.CreateDir(dir_ / "a"));
    Write(dir_ / "file", "");
    EXPECT_EQ(FileErrno([&] { fs_.CreateDir(dir_ / "file"); }), EEXIST);  // exists, but not as a folder
    EXPECT_EQ(FileErrno([&] { fs_.CreateDir(dir_ / "missing" / "a"); }), ENOENT);
    fs_.CreateDirs(dir_ / "x" / "y" / "z");
    fs_.CreateDirs(dir_ / "x" / "y" / "z");  // exists: nothing to do
    EXPECT_TRUE(fs::is_directory(dir_ / "x" / "y" / "z"));
    EXPECT_EQ(fs_.Kind(dir_ / "x"), EntryKind::kDirectory);
    EXPECT_EQ(fs_.Kind(dir_ / "file"), EntryKind::kFile);
    EXPECT_EQ(fs_.Kind(dir_ / "missing"), EntryKind::kNone);
}

TEST_F(FileSystemTest, RemoveAndRemoveAllNeverThrow) {
    static_assert(noexcept(std::declval<FileSystem&>().Remove(fs::path())));
    static_assert(noexcept(std::declval<FileSystem&>().RemoveAll(fs::path())));
    Write(dir_ / "a", "");
    EXPECT_TRUE(fs_.Remove(dir_ / "a"));
    EXPECT_FALSE(fs_.Remove(dir_ / "a"));  // absent
    fs::create_directories(dir_ / "full" / "sub");
    Write(dir_ / "full" / "sub" / "f", "");
    EXPECT_FALSE(fs_.Remove(dir_ / "full"));  // not empty: refused, not thrown
    EXPECT_TRUE(fs::exists(dir_ / "full"));
    EXPECT_EQ(fs_.RemoveAll(dir_ / "full"), 3u);
    EXPECT_FALSE(fs::exists(dir_ / "full"));
    EXPECT_EQ(fs_.RemoveAll(dir_ / "full"), 0u);
    EXPECT_EQ(fs_.RemoveAll(fs::path("/nonexistent/zr") / std::string(300, 'x')), 0u);  // ENAMETOOLONG
}

TEST_F(FileSystemTest, RenameReplacesAFile) {
    Write(dir_ / "a", "new");
    Write(dir_ / "b", "old");
    fs_.Rename(dir_ / "a", dir_ / "b");
    EXPECT_EQ(Names(dir_), (std::vector<std::string>{"b"}));
    EXPECT_EQ(Read(dir_ / "b"), "new");
    EXPECT_EQ(FileErrno([&] { fs_.Rename(dir_ / "a", dir_ / "c"); }), ENOENT);
    fs_.SyncDir(dir_);
    fs_.SyncAll(dir_);
    EXPECT_GT(fs_.FreeBytes(dir_), 0u);
}

TEST_F(FileSystemTest, WriteFileAtomicallyLeavesNoTemporaryFile) {
    RecordingFileSystem recording;
    WriteFileAtomically(recording, dir_ / "a.json", "one");
    WriteFileAtomically(recording, dir_ / "a.json", "two");
    EXPECT_EQ(Read(dir_ / "a.json"), "two");
    EXPECT_EQ(Names(dir_), (std::vector<std::string>{"a.json"}));
    ASSERT_EQ(recording.opened.size(), 2u);
    EXPECT_NE(recording.opened[0], recording.opened[1]);  // a fresh temporary name each time
    for (const auto& temp : recording.opened) {
        EXPECT_EQ(temp.parent_path(), dir_);
        EXPECT_TRUE(IsAtomicWriteLeftover(temp.filename().string())) << temp;
        EXPECT_TRUE(temp.filename().string().starts_with(".a.json.tmp-")) << temp;
    }
}

TEST_F(FileSystemTest, WriteFileAtomicallyLeavesNoTemporaryFileOnFailure) {
    // The rename fails: the target is a folder that is not empty. The temporary file was written.
    fs::create_directories(dir_ / "a.json" / "sub");
    RecordingFileSystem recording;
    EXPECT_NE(FileErrno([&] { WriteFileAtomically(recording, dir_ / "a.json", "content"); }), 0);
    ASSERT_EQ(recording.opened.size(), 1u);
    EXPECT_EQ(Names(dir_), (std::vector<std::string>{"a.json"}));
    EXPECT_TRUE(fs::is_directory(dir_ / "a.json"));

    // The folder does not exist: nothing is created.
    EXPECT_EQ(FileErrno([&] { WriteFileAtomically(fs_, dir_ / "missing" / "a.json", "content"); }), ENOENT);
    EXPECT_FALSE(fs::exists(dir_ / "missing"));
}

// A folder the service may not write in: a read-only tmpfs for root (who ignores permissions), a
// folder without write permission otherwise.
TEST_F(FileSystemTest, WriteFileAtomicallyInAReadOnlyFolder) {
    const fs::path folder = dir_ / "ro";
    fs::create_directory(folder);
    Write(folder / "a.json", "old");
    int expected = EACCES;
    bool mounted = false;
    if (::geteuid() == 0) {
        if (::mount("tmpfs", folder.c_str(), "tmpfs", 0, "size=64k") != 0) {
            GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(errno);
        }
        mounted = true;
        Write(folder / "a.json", "old");
        ASSERT_EQ(::mount("tmpfs", folder.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=64k"), 0)
            << std::strerror(errno);
        expected = EROFS;
    } else {
        fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
    }
    const int error = FileErrno([&] { WriteFileAtomically(fs_, folder / "a.json", "new"); });
    const std::vector<std::string> names = Names(folder);
    const std::string content = Read(folder / "a.json");
    if (mounted) ::umount2(folder.c_str(), MNT_DETACH);
    EXPECT_EQ(error, expected);
    EXPECT_EQ(names, (std::vector<std::string>{"a.json"}));
    EXPECT_EQ(content, "old");
}

TEST(AtomicWriteLeftover, RecognisesOnlyTheTemporaryNames) {
    EXPECT_TRUE(IsAtomicWriteLeftover(".upload.json.tmp-0123456789abcdef"));
    EXPECT_TRUE(IsAtomicWriteLeftover(".ada.json.tmp-ffffffffffffffff"));
    EXPECT_FALSE(IsAtomicWriteLeftover("upload.json"));
    EXPECT_FALSE(IsAtomicWriteLeftover("upload.json.tmp-0123"));  // not hidden
    EXPECT_FALSE(IsAtomicWriteLeftover(".hidden"));
    EXPECT_FALSE(IsAtomicWriteLeftover(""));
}

TEST_F(FileSystemTest, CopyFileCreatesOrReplacesTheCopy) {
    const std::string big(3u << 20, 'z');  // more than the copy buffer
    Write(dir_ / "from", big);
    EXPECT_EQ(CopyFile(fs_, dir_ / "from", dir_ / "to"), big.size());
    EXPECT_EQ(Read(dir_ / "to"), big);
    Write(dir_ / "small", "small");
    EXPECT_EQ(CopyFile(fs_, dir_ / "small", dir_ / "to"), 5u);
    EXPECT_EQ(Read(dir_ / "to"), "small");
    EXPECT_EQ(Read(dir_ / "from"), big);
    EXPECT_EQ(FileErrno([&] { CopyFile(fs_, dir_ / "missing", dir_ / "to"); }), ENOENT);
    EXPECT_EQ(Read(dir_ / "to"), "small");
}

TEST(PlainFileName, OneRuleForEveryName) {
    EXPECT_TRUE(IsPlainFileName("a.zip.part0"));
    EXPECT_TRUE(IsPlainFileName("202611-2605-4949-1c2f57b6-ac9a-4442-a6f9-35da55b364fc"));
    EXPECT_TRUE(IsPlainFileName("a..b"));  // refused by the old storage rule: harmless without '/'
    EXPECT_TRUE(IsPlainFileName("a."));
    EXPECT_TRUE(IsPlainFileName("x"));
    EXPECT_TRUE(IsPlainFileName(std::string(255, 'x')));
    EXPECT_TRUE(IsPlainFileName("é"));
    EXPECT_FALSE(IsPlainFileName(std::string(256, 'x')));
    EXPECT_FALSE(IsPlainFileName(""));
    EXPECT_FALSE(IsPlainFileName("."));
    EXPECT_FALSE(IsPlainFileName(".."));
    EXPECT_FALSE(IsPlainFileName(".hidden"));
    EXPECT_FALSE(IsPlainFileName(".a.json.tmp-0123"));
    EXPECT_FALSE(IsPlainFileName("a/b"));
    EXPECT_FALSE(IsPlainFileName("../x"));
    EXPECT_FALSE(IsPlainFileName("a\\b"));
    EXPECT_FALSE(IsPlainFileName(std::string("a\0b", 3)));
}

TEST_F(FileSystemTest, EnsureRoomRefusesWhatWouldNotFit) {
    std::vector<std::string> told;
    PosixFileSystem file_system([&](const std::string& what) { told.push_back(what); });
    file_system.EnsureRoom(dir_, 1, 0);
    EXPECT_TRUE(told.empty());
    const std::uint64_t free = file_system.FreeBytes(dir_);
    try {
        file_system.EnsureRoom(dir_, 1, free + (1ull << 30));  // keep more free than there is
        FAIL() << "no exception";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::kInsufficientStorage);
        EXPECT_EQ(ToHttpStatus(e.kind()), 507);
        EXPECT_NE(e.log_detail().find(dir_.string()), std::string::npos) << e.log_detail();
    }
    ASSERT_EQ(told.size(), 1u);
    EXPECT_NE(told[0].find(dir_.string()), std::string::npos) << told[0];
}

// A 64 KiB tmpfs (mounting needs root; skipped otherwise).
class FullDiskTest : public FileSystemTest {
protected:
    void SetUp() override {
        FileSystemTest::SetUp();
        small_ = dir_ / "small";
        fs::create_directory(small_);
        if (::mount("tmpfs", small_.c_str(), "tmpfs", 0, "size=64k") != 0) {
            GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(errno);
        }
        mounted_ = true;
    }
    void TearDown() override {
        if (mounted_) ::umount2(small_.c_str(), MNT_DETACH);
        FileSystemTest::TearDown();
    }

    fs::path small_;
    bool mounted_ = false;
};

TEST_F(FullDiskTest, RunningOutOfSpaceIsError507AndTellsTheHook) {
    std::mutex mutex;
    std::vector<std::string> told;
    PosixFileSystem file_system([&](const std::string& what) {
        std::lock_guard lock(mutex);
        told.push_back(what);
    });
    const fs::path path = small_ / "big.part";
    auto file = file_system.OpenForWrite(path, FileSystem::WriteMode::kCreateNew);
    const std::string chunk(16 * 1024, 'x');
    try {
        for (int i = 0; i < 16; ++i) file->Append(chunk);  // 256 KiB into 64 KiB
        file->Sync();
        file->Close();
        FAIL() << "no exception";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::kInsufficientStorage);
        EXPECT_EQ(e.message(), Error::kOutOfSpaceMessage);
        EXPECT_NE(e.log_detail().find(path.string()), std::string::npos) << e.log_detail();
    }
    {
        std::lock_guard lock(mutex);
        ASSERT_EQ(told.size(), 1u);
        EXPECT_NE(told[0].find(path.string()), std::string::npos) << told[0];
    }
    file.reset();

    // An atomic write that does not fit leaves the old file and no temporary one.
    fs::remove(path);
    WriteFileAtomically(file_system, small_ / "a.json", "old");
    EXPECT_THROW(WriteFileAtomically(file_system, small_ / "a.json", std::string(128 * 1024, 'y')), Error);
    EXPECT_EQ(Names(small_), (std::vector<std::string>{"a.json"}));
    EXPECT_EQ(Read(small_ / "a.json"), "old");
    std::lock_guard lock(mutex);
    EXPECT_EQ(told.size(), 2u);
}

}  // namespace
}  // namespace zr
