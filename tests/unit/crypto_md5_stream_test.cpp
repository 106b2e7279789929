#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "crypto/crypto.hpp"

namespace zr::crypto {
namespace {

TEST(CryptoMd5Stream, IncrementalEqualsOneShot) {
    const std::string data = "The quick brown fox jumps over the lazy dog";
    Md5 md5;
    md5.Update(data.data(), 10);
    md5.Update(data.data() + 10, data.size() - 10);
    EXPECT_EQ(md5.HexDigest(), "9e107d9d372bb6826bd81d3542a419d6");
    EXPECT_EQ(Md5Hex(data), "9e107d9d372bb6826bd81d3542a419d6");
}

TEST(CryptoMd5Stream, File) {
    const auto path = std::filesystem::temp_directory_path() / "zr_md5_stream_test.bin";
    {
        std::ofstream out(path, std::ios::binary);
        out << std::string(3 << 20, 'x');
    }
    EXPECT_EQ(Md5OfFile(path.string()), Md5Hex(std::string(3 << 20, 'x')));
    std::filesystem::remove(path);
    EXPECT_THROW(Md5OfFile(path.string()), std::runtime_error);
}

}  // namespace
}  // namespace zr::crypto
