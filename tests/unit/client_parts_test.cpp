#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "client/parts.hpp"
#include "crypto/crypto.hpp"

namespace zr::client {
namespace {
namespace fs = std::filesystem;

class ClientPartsTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_client_parts_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }

    // A file of `size` pseudo-random bytes; returns its content.
    std::string Write(const std::string& name, std::size_t size) {
        std::mt19937 random(static_cast<unsigned>(size));
        std::string data(size, '\0');
        for (auto& c : data) c = static_cast<char>(random() & 0xff);
        std::ofstream(dir_ / name, std::ios::binary) << data;
        return data;
    }

    static std::string Read(const fs::path& path) {
        std::ifstream in(path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }

    fs::path dir_;
    std::atomic<bool> stop_{false};
};

TEST(ClientParseSize, UnitsArePowersOf1024) {
    EXPECT_EQ(ParseSize("1048576"), 1048576u);
    EXPECT_EQ(ParseSize("500M"), 524288000u);
    EXPECT_EQ(ParseSize("500MB"), 524288000u);
    EXPECT_EQ(ParseSize("500MiB"), 524288000u);
    EXPECT_EQ(ParseSize("2g"), 2147483648u);
    EXPECT_EQ(ParseSize("4k"), 4096u);
    EXPECT_EQ(ParseSize("1T"), 1099511627776u);
    EXPECT_EQ(ParseSize("7B"), 7u);
}

TEST(ClientParseSize, RefusesNonSizes) {
    for (const char* text : {"", "M", "0", "0M", "-1", "1.5G", "12X", "5 M", "1MM", "99999999999999999999"}) {
        EXPECT_THROW(ParseSize(text), SubmitError) << text;
    }
}

TEST_F(ClientPartsTest, StatArchiveGivesAbsolutePathSizeAndMtime) {
    Write("a.zip", 1234);
    auto info = StatArchive(dir_ / "a.zip");
    EXPECT_TRUE(info.path.is_absolute());
    EXPECT_EQ(info.size, 1234u);
    EXPECT_GT(info.mtime_ns, 0);
    EXPECT_TRUE(info.md5.empty());
    EXPECT_THROW(StatArchive(dir_ / "missing.zip"), SubmitError);
    EXPECT_THROW(StatArchive(dir_), SubmitError);  // a folder
}

TEST_F(ClientPartsTest, SplitsIntoPartsWithTheirMd5s) {
    const std::size_t part = 1 << 20;
    const std::string data = Write("big.zip", 2 * part + 12345);
    auto prepared = PrepareArchive(StatArchive(dir_ / "big.zip"), part, dir_ / "parts", stop_);
    ASSERT_TRUE(prepared);
    EXPECT_TRUE(prepared->multipart);
    EXPECT_EQ(prepared->md5, crypto::Md5Hex(data));
    ASSERT_EQ(prepared->parts.size(), 3u);
    std::string joined;
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& p = prepared->parts[i];
        EXPECT_EQ(p.file_name, "big.zip.part" + std::to_string(i));
        EXPECT_EQ(p.file_size, i < 2 ? part : 12345u);
        const std::string content = Read(dir_ / "parts" / p.file_name);
        EXPECT_EQ(content, data.substr(i * part, part));
        EXPECT_EQ(p.file_hash, crypto::Md5Hex(content));
        joined += content;
    }
    EXPECT_EQ(joined, data);
    EXPECT_TRUE(PartFilesPresent(prepared->parts, dir_ / "parts"));
    fs::resize_file(dir_ / "parts" / "big.zip.part1", 10);
    EXPECT_FALSE(PartFilesPresent(prepared->parts, dir_ / "parts"));
    fs::remove(dir_ / "parts" / "big.zip.part1");
    EXPECT_FALSE(PartFilesPresent(prepared->parts, dir_ / "parts"));
}

TEST_F(ClientPartsTest, ExactMultipleAndOneByteOver) {
    Write("exact.zip", 3000);
    auto exact = PrepareArchive(StatArchive(dir_ / "exact.zip"), 1000, dir_ / "p1", stop_);
    ASSERT_TRUE(exact);
    ASSERT_EQ(exact->parts.size(), 3u);
    EXPECT_EQ(exact->parts[2].file_size, 1000u);

    Write("over.zip", 1001);
    auto over = PrepareArchive(StatArchive(dir_ / "over.zip"), 1000, dir_ / "p2", stop_);
    ASSERT_TRUE(over);
    ASSERT_EQ(over->parts.size(), 2u);
    EXPECT_EQ(over->parts[1].file_size, 1u);
}

TEST_F(ClientPartsTest, AnArchiveThatFitsIsOnePartAndWritesNothing) {
    const std::string data = Write("small.zip", 1000);
    auto prepared = PrepareArchive(StatArchive(dir_ / "small.zip"), 1000, dir_ / "parts", stop_);
    ASSERT_TRUE(prepared);
    EXPECT_FALSE(prepared->multipart);
    ASSERT_EQ(prepared->parts.size(), 1u);
    EXPECT_EQ(prepared->parts[0], (PartInfo{"small.zip", 1000, crypto::Md5Hex(data)}));
    EXPECT_EQ(prepared->md5, crypto::Md5Hex(data));
    EXPECT_FALSE(fs::exists(dir_ / "parts"));
}

TEST_F(ClientPartsTest, EmptyArchive) {
    Write("empty.zip", 0);
    auto prepared = PrepareArchive(StatArchive(dir_ / "empty.zip"), 10, dir_ / "parts", stop_);
    ASSERT_TRUE(prepared);
    EXPECT_EQ(prepared->md5, "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(prepared->parts.size(), 1u);
}

TEST_F(ClientPartsTest, StopsWhenAsked) {
    Write("big.zip", 3 << 20);
    stop_ = true;
    EXPECT_FALSE(PrepareArchive(StatArchive(dir_ / "big.zip"), 1 << 20, dir_ / "parts", stop_));
}

TEST_F(ClientPartsTest, RefusesAnArchiveThatChangedSize) {
    Write("a.zip", 5000);
    auto info = StatArchive(dir_ / "a.zip");
    Write("a.zip", 6000);
    EXPECT_THROW(PrepareArchive(info, 1000, dir_ / "parts", stop_), SubmitError);
    EXPECT_THROW(PrepareArchive(info, 0, dir_ / "parts", stop_), SubmitError);
}

}  // namespace
}  // namespace zr::client
