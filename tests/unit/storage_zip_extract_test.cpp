// Safe unzip: normal archives, zip-slip, absolute paths, links, special files, bombs, limits.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <set>

#include "storage/zip_extract.hpp"
#include "storage_zip_fixture.hpp"

namespace zr::storage {
namespace {

namespace fs = std::filesystem;
using testing_zip::Entry;
using testing_zip::MakeZip;

class ZipExtractTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_unzip_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        // archive and destination live in a "box" so that escapes are visible next to them
        fs::create_directories(dir_ / "box");
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path Archive() const { return dir_ / "box" / "a.zip"; }
    fs::path Dest() const { return dir_ / "box" / "input"; }

    // Every path under dir_, relative to it.
    std::set<std::string> Tree() const {
        std::set<std::string> paths;
        for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
            paths.insert(fs::relative(entry.path(), dir_).string());
        }
        return paths;
    }

    // Extraction is refused, the destination is gone and nothing else appeared.
    std::string ExpectRefused(const UnzipLimits& limits = {}) {
        const auto before = Tree();
        std::string reason;
        try {
            ExtractZip(file_system_, Archive(), Dest(), limits);
            ADD_FAILURE() << "extraction was not refused";
        } catch (const UnzipRefused& e) {
            reason = e.what();
        }
        EXPECT_FALSE(fs::exists(Dest()));
        EXPECT_EQ(Tree(), before);
        return reason;
    }

    fs::path dir_;
    PosixFileSystem file_system_;
};

TEST_F(ZipExtractTest, ExtractsFilesAndFolders) {
    MakeZip(Archive(), {{"readme.txt", "hello", std::nullopt, false},
                        {"sub/", "", std::nullopt, true},
                        {"sub/deep/x.bin", std::string(3000, 'x'), 0100644, false},
                        {"./dot/y.txt", "y", std::nullopt, false}});
    const UnzipResult result = ExtractZip(file_system_, Archive(), Dest(), {});
    EXPECT_EQ(result.entries, 4u);
    EXPECT_EQ(result.bytes, 5u + 3000u + 1u);
    std::ifstream in(Dest() / "readme.txt");
    std::string text;
    std::getline(in, text);
    EXPECT_EQ(text, "hello");
    EXPECT_EQ(fs::file_size(Dest() / "sub" / "deep" / "x.bin"), 3000u);
    EXPECT_TRUE(fs::exists(Dest() / "dot" / "y.txt"));
}

// zrc writes some files twice into its archives (sLM21); entries that name one file ("a/x.txt"
// and "./a/x.txt" here: libzip will not write two equal names) are one file when their bytes are
// the same, and an ambiguous archive otherwise.
TEST_F(ZipExtractTest, AFileWrittenTwiceWithTheSameBytesIsExtractedOnce) {
    MakeZip(Archive(), {{"a/x.txt", "same", std::nullopt, false}, {"./a/x.txt", "same", std::nullopt, false}});
    const UnzipResult result = ExtractZip(file_system_, Archive(), Dest(), {});
    EXPECT_EQ(result.entries, 2u);
    EXPECT_EQ(result.bytes, 4u);
    EXPECT_EQ(fs::file_size(Dest() / "a" / "x.txt"), 4u);
}

TEST_F(ZipExtractTest, RefusesAFileWrittenTwiceWithOtherBytes) {
    MakeZip(Archive(), {{"a/x.txt", "same", std::nullopt, false}, {"./a/x.txt", "diff", std::nullopt, false}});
    EXPECT_NE(ExpectRefused().find("appears twice in the archive with different contents"), std::string::npos);
}

TEST_F(ZipExtractTest, RefusesZipSlip) {
    MakeZip(Archive(), {{"ok.txt", "fine", std::nullopt, false}, {"../x", "escaped", std::nullopt, false}});
    EXPECT_NE(ExpectRefused().find(".."), std::string::npos);
    EXPECT_FALSE(fs::exists(dir_ / "box" / "x"));
}

TEST_F(ZipExtractTest, RefusesNestedZipSlipAndBackslashes) {
    MakeZip(Archive(), {{"a/b/../../../y", "escaped", std::nullopt, false}});
    ExpectRefused();
    MakeZip(Archive(), {{"a\\..\\..\\z", "escaped", std::nullopt, false}});
    ExpectRefused();
}

TEST_F(ZipExtractTest, RefusesAbsolutePaths) {
    MakeZip(Archive(), {{"/etc/x", "absolute", std::nullopt, false}});
    EXPECT_NE(ExpectRefused().find("absolute"), std::string::npos);
    MakeZip(Archive(), {{"C:/x", "drive", std::nullopt, false}});
    ExpectRefused();
}

TEST_F(ZipExtractTest, RefusesSymbolicLinks) {
    MakeZip(Archive(), {{"link", "/etc/passwd", S_IFLNK | 0777, false}, {"link/x", "through", std::nullopt, false}});
    EXPECT_NE(ExpectRefused().find("symbolic link"), std::string::npos);
}

TEST_F(ZipExtractTest, RefusesDevicesAndFifos) {
    MakeZip(Archive(), {{"dev", "", S_IFCHR | 0644, false}});
    ExpectRefused();
    MakeZip(Archive(), {{"fifo", "", S_IFIFO | 0644, false}});
    ExpectRefused();
}

TEST_F(ZipExtractTest, StopsAZipBombAtTheByteLimit) {
    MakeZip(Archive(), {{"zeros", std::string(20u << 20, '\0'), std::nullopt, false}});
    ASSERT_LT(fs::file_size(Archive()), 1u << 20);
    UnzipLimits limits;
    limits.max_bytes = 4u << 20;
    limits.max_ratio = 1u << 30;  // only the byte limit applies
    EXPECT_NE(ExpectRefused(limits).find("limit"), std::string::npos);
}

TEST_F(ZipExtractTest, StopsAZipBombAtTheRatioLimit) {
    MakeZip(Archive(), {{"zeros", std::string(20u << 20, '\0'), std::nullopt, false}});
    UnzipLimits limits;
    limits.max_ratio = 200;
    EXPECT_NE(ExpectRefused(limits).find("times its size"), std::string::npos);
}

TEST_F(ZipExtractTest, SmallCompressibleArchivesPassTheRatioFloor) {
    MakeZip(Archive(), {{"zeros", std::string(512u << 10, '\0'), std::nullopt, false}});
    UnzipLimits limits;
    limits.max_ratio = 2;
    EXPECT_EQ(ExtractZip(file_system_, Archive(), Dest(), limits).bytes, 512u << 10);
}

TEST_F(ZipExtractTest, LimitsTheNumberOfEntries) {
    std::vector<Entry> entries;
    for (int i = 0; i < 5; ++i) entries.push_back({"f" + std::to_string(i), "x", std::nullopt, false});
    MakeZip(Archive(), entries);
    UnzipLimits limits;
    limits.max_entries = 4;
    EXPECT_NE(ExpectRefused(limits).find("entries"), std::string::npos);
    limits.max_entries = 5;
    EXPECT_EQ(ExtractZip(file_system_, Archive(), Dest(), limits).entries, 5u);
}

TEST_F(ZipExtractTest, RefusesAFileUsedAsAFolder) {
    MakeZip(Archive(), {{"a", "file", std::nullopt, false}, {"a/b", "child", std::nullopt, false}});
    EXPECT_NE(ExpectRefused().find("conflicts"), std::string::npos);
}

TEST_F(ZipExtractTest, RefusesSomethingThatIsNotAZip) {
    std::ofstream(Archive()) << "this is not a zip archive at all";
    EXPECT_NE(ExpectRefused().find("zip"), std::string::npos);
}

TEST_F(ZipExtractTest, RefusesACorruptEntry) {
    MakeZip(Archive(), {{"data.txt", std::string(100000, 'a') + std::string(100000, 'b'), std::nullopt, false}});
    // Flip bytes in the middle of the compressed data: inflate or the CRC check fails.
    std::fstream file(Archive(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(60);
    file.write("\xff\x00\xff\x00\xff\x00", 6);
    file.close();
    ExpectRefused();
}

TEST_F(ZipExtractTest, RefusesAnExistingDestination) {
    MakeZip(Archive(), {{"a.txt", "a", std::nullopt, false}});
    fs::create_directory(Dest());
    EXPECT_THROW(ExtractZip(file_system_, Archive(), Dest(), {}), std::runtime_error);
    EXPECT_TRUE(fs::exists(Dest()));
}

}  // namespace
}  // namespace zr::storage
