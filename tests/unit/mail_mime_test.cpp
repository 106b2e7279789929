#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>

#include "mail/mime.hpp"

namespace {

using zr::mail::BuildMime;
using zr::mail::MailError;
using zr::mail::Message;

std::chrono::system_clock::time_point June4() {
    // 2024-06-04 10:00:00 UTC, a Tuesday.
    return std::chrono::system_clock::time_point(std::chrono::seconds(1717495200));
}

std::string Decode64(const std::string& in) {
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char c : in) {
        if (c == '=') break;
        bits = (bits << 6) | static_cast<unsigned>(alphabet.find(c));
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xff);
        }
    }
    return out;
}

TEST(MailMime, Base64KnownVectors) {
    EXPECT_EQ(zr::mail::Base64(""), "");
    EXPECT_EQ(zr::mail::Base64("f"), "Zg==");
    EXPECT_EQ(zr::mail::Base64("fo"), "Zm8=");
    EXPECT_EQ(zr::mail::Base64("foo"), "Zm9v");
    EXPECT_EQ(zr::mail::Base64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(zr::mail::Base64("\xff\xfe"), "//4=");
}

TEST(MailMime, DateIsRfc5322) { EXPECT_EQ(zr::mail::FormatDate(June4()), "Tue, 04 Jun 2024 10:00:00 +0000"); }

TEST(MailMime, AsciiHeaderUnchangedNonAsciiEncoded) {
    EXPECT_EQ(zr::mail::EncodeHeaderText("Verify your account"), "Verify your account");
    EXPECT_EQ(zr::mail::EncodeHeaderText("a\r\nBcc: x@y"), "a  Bcc: x@y");
    EXPECT_EQ(zr::mail::EncodeHeaderText("école"), "=?UTF-8?B?w6ljb2xl?=");
}

TEST(MailMime, LongNonAsciiHeaderIsSplitOnCharacterBoundaries) {
    std::string subject;
    for (int i = 0; i < 40; ++i) subject += "é€";  // 5 bytes per round
    const std::string encoded = zr::mail::EncodeHeaderText(subject);
    std::istringstream lines(encoded);
    std::string line;
    std::string decoded;
    int words = 0;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (words > 0) {
            ASSERT_EQ(line.substr(0, 1), " ");
            line.erase(0, 1);
        }
        ASSERT_LE(line.size(), 75u);
        ASSERT_EQ(line.substr(0, 10), "=?UTF-8?B?");
        ASSERT_EQ(line.substr(line.size() - 2), "?=");
        const std::string word = Decode64(line.substr(10, line.size() - 12));
        // Each word is valid UTF-8 on its own: it does not end inside a sequence.
        ASSERT_TRUE(word.size() >= 2 && (static_cast<unsigned char>(word.back()) & 0xc0) == 0x80);
        decoded += word;
        ++words;
    }
    EXPECT_GT(words, 1);
    EXPECT_EQ(decoded, subject);
}

TEST(MailMime, MultipartMessageShape) {
    const Message message{"bob@example.org", "Hello", "Hi Bob\nline 2\n", "<p>Hi Bob</p>"};
    const std::string mime = BuildMime(message, "noreply@zerospeech.com", "Zerospeech Challenge", June4());
    EXPECT_EQ(mime.rfind("Date: Tue, 04 Jun 2024 10:00:00 +0000\r\n", 0), 0u);
    EXPECT_NE(mime.find("\r\nFrom: \"Zerospeech Challenge\" <noreply@zerospeech.com>\r\n"), std::string::npos);
    EXPECT_NE(mime.find("\r\nTo: bob@example.org\r\n"), std::string::npos);
    EXPECT_NE(mime.find("\r\nSubject: Hello\r\n"), std::string::npos);
    EXPECT_NE(mime.find("\r\nMessage-ID: <"), std::string::npos);
    EXPECT_NE(mime.find("@zerospeech.com>\r\n"), std::string::npos);
    EXPECT_NE(mime.find("\r\nMIME-Version: 1.0\r\n"), std::string::npos);
    EXPECT_NE(mime.find("Content-Type: multipart/alternative; boundary="), std::string::npos);
    EXPECT_NE(mime.find("Content-Type: text/plain; charset=utf-8\r\n"
                        "Content-Transfer-Encoding: 7bit\r\n\r\nHi Bob\r\nline 2\r\n"),
              std::string::npos);
    EXPECT_NE(mime.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos);
    // Every line ends with CRLF: no bare LF.
    for (std::size_t i = 0; i < mime.size(); ++i) {
        if (mime[i] == '\n') {
            ASSERT_TRUE(i > 0 && mime[i - 1] == '\r') << i;
        }
    }
}

TEST(MailMime, TextOnlyMessageIsSinglePart) {
    const std::string mime = BuildMime({"bob@example.org", "s", "héllo", ""}, "a@b.org", "", June4());
    EXPECT_NE(mime.find("\r\nFrom: a@b.org\r\n"), std::string::npos);
    EXPECT_EQ(mime.find("multipart"), std::string::npos);
    EXPECT_NE(mime.find("Content-Transfer-Encoding: 8bit\r\n\r\nhéllo\r\n"), std::string::npos);
}

TEST(MailMime, NonAsciiOrSpecialFromNameIsEncodedOrQuoted) {
    const std::string encoded = BuildMime({"b@c.org", "s", "t", ""}, "a@b.org", "Défi", June4());
    EXPECT_NE(encoded.find("\r\nFrom: =?UTF-8?B?RMOpZmk=?= <a@b.org>\r\n"), std::string::npos);
    const std::string quoted = BuildMime({"b@c.org", "s", "t", ""}, "a@b.org", "A \"B\" \\ C", June4());
    EXPECT_NE(quoted.find("\r\nFrom: \"A \\\"B\\\" \\\\ C\" <a@b.org>\r\n"), std::string::npos);
}

TEST(MailMime, LongLinesBecomeQuotedPrintable) {
    const std::string long_line(3000, 'x');
    const std::string mime = BuildMime({"b@c.org", "s", "short\n" + long_line + "=end\n", ""}, "a@b.org", "", June4());
    EXPECT_NE(mime.find("Content-Transfer-Encoding: quoted-printable"), std::string::npos);
    std::istringstream lines(mime);
    std::string line;
    while (std::getline(lines, line)) EXPECT_LE(line.size(), 998u + 1);
    EXPECT_NE(mime.find("=3Dend"), std::string::npos);
}

TEST(MailMime, QuotedPrintableRules) {
    EXPECT_EQ(zr::mail::EncodeQuotedPrintable("a=b é\n"), "a=3Db =C3=A9\r\n");
    EXPECT_EQ(zr::mail::EncodeQuotedPrintable("trailing \n"), "trailing=20\r\n");
    const std::string encoded = zr::mail::EncodeQuotedPrintable(std::string(200, 'y'));
    std::istringstream lines(encoded);
    std::string line;
    std::string joined;
    while (std::getline(lines, line)) {
        line.pop_back();  // '\r'
        EXPECT_LE(line.size(), 76u);
        if (!line.empty() && line.back() == '=') line.pop_back();
        joined += line;
    }
    EXPECT_EQ(joined, std::string(200, 'y'));
}

TEST(MailMime, RefusesHeaderInjectionInAddresses) {
    for (const char* to : {"", "bob", "bob@example.org\r\nBcc: eve@evil.org", "a b@c.org", "<bob@example.org>", "a@b@c",
                           "x@y.org,z@w.org"}) {
        EXPECT_THROW(BuildMime({to, "s", "t", ""}, "a@b.org", "", June4()), MailError) << to;
    }
    EXPECT_THROW(BuildMime({"b@c.org", "s", "t", ""}, "bad", "", June4()), MailError);
}

}  // namespace
