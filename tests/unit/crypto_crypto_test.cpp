#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <stdexcept>
#include <string>

namespace zr::crypto {
namespace {

Bytes FromHex(std::string_view hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<unsigned char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

Bytes FromString(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(CryptoPbkdf2, MatchesRfc7914Vector) {
    // RFC 7914 section 11: PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1, dkLen=64.
    const Bytes key = Pbkdf2Sha256("passwd", FromString("salt"), 1, 64);
    EXPECT_EQ(ToHex(key),
              "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
              "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
}

TEST(CryptoPbkdf2, DefaultsAreHundredThousandIterationsAnd32Bytes) {
    // python3 -c "import hashlib;print(hashlib.pbkdf2_hmac('sha256',b'pw',b'salt',100000).hex())"
    const Bytes key = Pbkdf2Sha256("pw", FromString("salt"));
    EXPECT_EQ(key.size(), kKeyBytes);
    EXPECT_EQ(ToHex(key), "efc91758dce6821c58952fed9cd42ea1e62204e0213d7612bf6d4a3c5fb8ea1d");
}

TEST(CryptoPbkdf2, VerifiesLegacyFixtureHash) {
    // users_credentials row 1 (alice) of shared/fixtures/legacy-v0/zerospeech.sql.
    const Bytes salt = FromHex("ae0485a3cdef1844e98adfa6c0aaed187fe4539f8d0a3a5ce169d4ce15fbc0c7");
    const Bytes stored = FromHex("a0f082a5ca2dfe10e912c4695bfe8a33fd796b2d5c9c36bb01e94f724a2843c3");
    ASSERT_EQ(salt.size(), kSaltBytes);
    EXPECT_TRUE(ConstantTimeEquals(Pbkdf2Sha256("alice-legacy-pass", salt), stored));
    EXPECT_FALSE(ConstantTimeEquals(Pbkdf2Sha256("alice-legacy-pasS", salt), stored));
}

TEST(CryptoPbkdf2, RejectsNonPositiveIterations) {
    EXPECT_THROW(Pbkdf2Sha256("pw", FromString("salt"), 0), std::invalid_argument);
}

TEST(CryptoRandom, GivesRequestedLengthAndDiffers) {
    EXPECT_TRUE(RandomBytes(0).empty());
    const Bytes a = RandomBytes(32), b = RandomBytes(32);
    EXPECT_EQ(a.size(), 32u);
    EXPECT_NE(a, b);
}

TEST(CryptoBase64Url, MatchesPythonUrlsafeWithoutPadding) {
    EXPECT_EQ(Base64UrlEncode({}), "");
    EXPECT_EQ(Base64UrlEncode(FromString("f")), "Zg");
    EXPECT_EQ(Base64UrlEncode(FromString("fo")), "Zm8");
    EXPECT_EQ(Base64UrlEncode(FromString("foo")), "Zm9v");
    EXPECT_EQ(Base64UrlEncode(FromString("foobar")), "Zm9vYmFy");
    // base64.urlsafe_b64encode(b'\xfb\xff\xfe\x00') == b'-__-AA=='
    EXPECT_EQ(Base64UrlEncode({0xfb, 0xff, 0xfe, 0x00}), "-__-AA");
}

TEST(CryptoToken, Is86UrlSafeCharactersAndUnique) {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        const std::string token = NewToken();
        ASSERT_EQ(token.size(), 86u);
        for (char c : token) {
            EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
        }
        seen.insert(token);
    }
    EXPECT_EQ(seen.size(), 50u);
    EXPECT_EQ(NewToken(16).size(), 22u);
}

TEST(CryptoCompare, ConstantTimeEquals) {
    EXPECT_TRUE(ConstantTimeEquals(std::string_view("abc"), std::string_view("abc")));
    EXPECT_TRUE(ConstantTimeEquals(std::string_view(""), std::string_view("")));
    EXPECT_FALSE(ConstantTimeEquals(std::string_view("abc"), std::string_view("abd")));
    EXPECT_FALSE(ConstantTimeEquals(std::string_view("abc"), std::string_view("abcd")));
    EXPECT_FALSE(ConstantTimeEquals(std::string_view(""), std::string_view("a")));
    EXPECT_TRUE(ConstantTimeEquals(Bytes{1, 2, 3}, Bytes{1, 2, 3}));
    EXPECT_FALSE(ConstantTimeEquals(Bytes{1, 2, 3}, Bytes{1, 2, 4}));
    EXPECT_FALSE(ConstantTimeEquals(Bytes{1, 2}, Bytes{1, 2, 3}));
}

TEST(CryptoMd5, KnownDigests) {
    EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(CryptoHex, LowerCase) {
    EXPECT_EQ(ToHex({}), "");
    EXPECT_EQ(ToHex({0x00, 0x0f, 0xab, 0xff}), "000fabff");
}

}  // namespace
}  // namespace zr::crypto
