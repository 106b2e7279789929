// MultipartStream fed whole and in random pieces; malformed bodies; the boundary parameter.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "crypto/crypto.hpp"
#include "http/multipart_stream.hpp"
#include "http_upload_target.hpp"

namespace zr::http {
namespace {

namespace fs = std::filesystem;
using test_upload::FolderTarget;

std::string ReadFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::size_t CountFiles(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
    return n;
}

// Random bytes that contain boundary-like sequences: CR, LF, "--" and boundary prefixes.
std::string TrickyContent(std::size_t size, const std::string& boundary, std::mt19937& random) {
    std::string content;
    const std::string pieces[] = {"\r",
                                  "\n",
                                  "\r\n",
                                  "--",
                                  "\r\n--",
                                  "\r\n-" + boundary.substr(0, 5),
                                  "\r\n--" + boundary.substr(0, boundary.size() - 1),
                                  boundary,
                                  "\r\r\n--"};
    while (content.size() < size) {
        if (random() % 8 == 0) {
            content += pieces[random() % std::size(pieces)];
        } else {
            content.push_back(static_cast<char>(random() % 256));
        }
    }
    content.resize(size);
    // A real delimiter inside a part is not allowed (clients pick a boundary absent from the data).
    const std::string delimiter = "\r\n--" + boundary;
    for (std::size_t at = content.find(delimiter); at != std::string::npos; at = content.find(delimiter, at)) {
        content[at + 2] = 'x';
    }
    return content;
}

struct Part {
    std::string name;
    std::optional<std::string> filename;
    std::string content;
};

std::string Body(const std::string& boundary, const std::vector<Part>& parts, const std::string& preamble = "") {
    std::string body = preamble;
    for (const auto& part : parts) {
        body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.name + "\"";
        if (part.filename) body += "; filename=\"" + *part.filename + "\"\r\nContent-Type: application/zip";
        body += "\r\n\r\n" + part.content + "\r\n";
    }
    return body + "--" + boundary + "--\r\n";
}

class MultipartTest : public ::testing::Test {
protected:
    void SetUp() override {
        spool_ = fs::temp_directory_path() / ("zr_multipart_test_" + std::to_string(::getpid()) + "_" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(spool_);
        fs::create_directories(spool_);
    }
    void TearDown() override { fs::remove_all(spool_); }

    // Feeds `body` in pieces of random sizes in [1, max_piece]; returns the files and fields.
    void Parse(const std::string& boundary, const std::string& body, std::size_t max_piece, std::mt19937& random,
               std::vector<UploadedFile>* files, std::vector<std::pair<std::string, std::string>>* fields,
               FolderTarget* target) {
        MultipartStream stream(boundary, *target);
        std::size_t at = 0;
        while (at < body.size()) {
            const std::size_t n = std::min<std::size_t>(body.size() - at, 1 + random() % max_piece);
            stream.Feed(std::string_view(body).substr(at, n));
            at += n;
        }
        stream.Finish();
        stream.SyncFiles();
        *files = stream.TakeFiles();
        *fields = stream.TakeFields();
    }

    // Expects feeding `body` whole to throw a zr::Error of `kind` and to leave no file behind.
    void ExpectRefused(const std::string& body, ErrorKind kind, MultipartLimits limits = {}) {
        FolderTarget target(spool_);
        try {
            MultipartStream stream("XyZ", target, limits);
            stream.Feed(body);
            stream.Finish();
            ADD_FAILURE() << "accepted: " << body.substr(0, 200);
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), kind) << e.log_detail();
            if (kind == ErrorKind::kInvalidInput) {
                EXPECT_EQ(e.message(), "There was an error parsing the body");
            }
        }
        EXPECT_EQ(CountFiles(spool_), 0u);
        EXPECT_EQ(target.discarded(), static_cast<int>(target.created().size()));
    }

    fs::path spool_;
};

TEST_F(MultipartTest, RandomPiecesGiveTheSameResultAsTheWhole) {
    std::mt19937 random(7);
    const std::string boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    const std::string big = TrickyContent(300 * 1024, boundary, random);
    const std::string small = TrickyContent(1000, boundary, random);
    const std::vector<Part> parts = {{"submission_id", std::nullopt, "0123abcd"},
                                     {"file_data", "a.zip", big},
                                     {"empty", "", ""},
                                     {"note", std::nullopt, "line1\r\nline2\r\n--"},
                                     {"second", "b.zip.part1", small}};
    const std::string body = Body(boundary, parts, "preamble to ignore\r\n");
    for (const std::size_t max_piece :
         {std::size_t{1}, std::size_t{7}, std::size_t{100}, std::size_t{4096}, std::size_t{64 * 1024}, body.size()}) {
        std::vector<UploadedFile> files;
        std::vector<std::pair<std::string, std::string>> fields;
        FolderTarget target(spool_);
        Parse(boundary, body, max_piece, random, &files, &fields, &target);
        ASSERT_EQ(files.size(), 3u) << max_piece;
        // The files the target created, in body order, synced and closed; none discarded.
        const auto created = target.created();
        ASSERT_EQ(created.size(), 3u);
        for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(files[i].path, created[i]);
        EXPECT_EQ(target.syncs(), 3);
        EXPECT_EQ(target.closes(), 3);
        EXPECT_EQ(target.discarded(), 0);
        EXPECT_EQ(files[0].field, "file_data");
        EXPECT_EQ(files[0].filename, "a.zip");
        EXPECT_EQ(files[0].size, big.size());
        EXPECT_EQ(files[0].md5, crypto::Md5Hex(big));
        EXPECT_EQ(ReadFile(files[0].path), big) << max_piece;
        EXPECT_EQ(files[1].field, "empty");
        EXPECT_EQ(files[1].size, 0u);
        EXPECT_EQ(files[1].md5, crypto::Md5Hex(""));
        EXPECT_EQ(files[2].filename, "b.zip.part1");
        EXPECT_EQ(ReadFile(files[2].path), small);
        const std::vector<std::pair<std::string, std::string>> expected = {{"submission_id", "0123abcd"},
                                                                           {"note", "line1\r\nline2\r\n--"}};
        EXPECT_EQ(fields, expected);
        for (const auto& file : files) fs::remove(file.path);
        EXPECT_EQ(CountFiles(spool_), 0u);
    }
}

TEST_F(MultipartTest, ContentMadeOfBoundaryPrefixesSurvives) {
    const std::string boundary = "b";
    // Every near-miss of "\r\n--b" in a row, cut at every position by one-byte pieces.
    const std::string content = "\r\n--\r\n-\r\n\r\r\n--c--\r\n--\r\n-b\r--b\n--b";
    std::mt19937 random(1);
    std::vector<UploadedFile> files;
    std::vector<std::pair<std::string, std::string>> fields;
    FolderTarget target(spool_);
    Parse(boundary, Body(boundary, {{"f", "x", content}}), 1, random, &files, &fields, &target);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(ReadFile(files[0].path), content);
}

TEST_F(MultipartTest, DestructorRemovesFilesNotTaken) {
    FolderTarget target(spool_);
    {
        MultipartStream stream("XyZ", target);
        stream.Feed("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\nhalf of a fi");
        EXPECT_EQ(CountFiles(spool_), 1u);
    }
    EXPECT_EQ(CountFiles(spool_), 0u);
    EXPECT_EQ(target.discarded(), 1);
    {
        MultipartStream stream("XyZ", target);
        stream.Feed(Body("XyZ", {{"f", "a", "whole"}}));
        stream.Finish();
        EXPECT_EQ(CountFiles(spool_), 1u);
    }
    EXPECT_EQ(CountFiles(spool_), 0u);
    EXPECT_EQ(target.discarded(), 2);
    {
        MultipartStream stream("XyZ", target);
        stream.Feed(Body("XyZ", {{"f", "a", "taken"}}));
        stream.Finish();
        stream.SyncFiles();
        const auto files = stream.TakeFiles();
        ASSERT_EQ(files.size(), 1u);
    }
    EXPECT_EQ(CountFiles(spool_), 1u);  // handed out: the caller's now
    EXPECT_EQ(target.discarded(), 2);
}

TEST_F(MultipartTest, QuotedAndExtendedFilenames) {
    FolderTarget target(spool_);
    MultipartStream stream("XyZ", target);
    stream.Feed(
        "--XyZ\r\ncontent-disposition: form-data; name=\"a\"; filename=\"we \\\"ird; name\\\\.zip\"\r\n\r\n1\r\n"
        "--XyZ  \r\nContent-Disposition: form-data; name=b; filename*=UTF-8''na%C3%AFve.zip\r\n\r\n2\r\n--XyZ--");
    stream.Finish();
    const auto files = stream.TakeFiles();
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].filename, "we \"ird; name\\.zip");
    EXPECT_EQ(files[1].field, "b");
    EXPECT_EQ(files[1].filename, "na\xc3\xafve.zip");
    for (const auto& file : files) fs::remove(file.path);
}

TEST_F(MultipartTest, MalformedBodiesAreRefusedWithoutLeftovers) {
    const std::string disposition = "Content-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n";
    const std::string cases[] = {
        "",                                                      // no delimiter at all
        "just some text",                                        // idem
        "--XyZ\r\n" + disposition + "\r\ncontent never closed",  // no closing delimiter
        "--XyZ\r\n" + disposition + "\r\ndata\r\n--XyZ",         // body ends right after a delimiter
        "--XyZ\r\n" + disposition + "\r\ndata\r\n--XyZx\r\n",    // junk after a delimiter
        "--XyZ\r\n" + disposition + "\r\ndata\r\n--XyZ-x",       // half a closing delimiter
        "--XyZ\r\nNo colon here\r\n\r\ndata\r\n--XyZ--",         // bad header line
        "--XyZ\r\n\r\ndata\r\n--XyZ--",                          // no Content-Disposition
        "--XyZ\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx\r\n--XyZ--",  // no name
        "--XyZ\r\nContent-Disposition: form-data; name=\"f\r\n\r\nx\r\n--XyZ--",        // open quote
        "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n" + std::string(9000, 'h') + "\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\n" + disposition + "\r\ndata\r\n--XyZ\r\n" + disposition,  // second part cut in its header
    };
    for (const auto& body : cases) ExpectRefused(body, ErrorKind::kInvalidInput);
}

TEST_F(MultipartTest, LimitsOnFieldsAndParts) {
    std::vector<Part> fields;
    for (int i = 0; i < 3; ++i) fields.push_back({"field" + std::to_string(i), std::nullopt, std::string(30000, 'v')});
    ExpectRefused(Body("XyZ", fields), ErrorKind::kTooLarge);
    MultipartLimits limits;
    limits.max_parts = 2;
    ExpectRefused(Body("XyZ", {{"a", "1", "x"}, {"b", "2", "y"}, {"c", "3", "z"}}), ErrorKind::kInvalidInput, limits);
}

// Found by fuzz/multipart_fuzz.cpp: a part header of exactly the limit was accepted whole but
// refused when its blank line arrived in a later piece.
TEST_F(MultipartTest, PartHeaderAtTheLimitDoesNotDependOnPieces) {
    MultipartLimits limits;
    limits.max_part_header_bytes = 100;
    const std::string line = "Content-Disposition: form-data; name=\"f\"\r\nX-Pad: ";
    for (const std::size_t block : {std::size_t{100}, std::size_t{101}}) {
        const std::string header = line + std::string(block - line.size(), 'p');
        const std::string body = "--XyZ\r\n" + header + "\r\n\r\nvalue\r\n--XyZ--";
        for (const std::size_t piece : {body.size(), std::size_t{1}}) {
            bool accepted = true;
            FolderTarget target(spool_);
            try {
                MultipartStream stream("XyZ", target, limits);
                for (std::size_t at = 0; at < body.size(); at += piece)
                    stream.Feed(std::string_view(body).substr(at, piece));
                stream.Finish();
            } catch (const Error& e) {
                EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput);
                accepted = false;
            }
            EXPECT_EQ(accepted, block == 100) << "header block " << block << ", pieces of " << piece;
        }
    }
}

TEST_F(MultipartTest, EpilogueIsIgnored) {
    FolderTarget target(spool_);
    MultipartStream stream("XyZ", target);
    stream.Feed(Body("XyZ", {{"k", std::nullopt, "v"}}) + "trailing junk\r\n--XyZ\r\n");
    stream.Finish();
    const std::vector<std::pair<std::string, std::string>> expected = {{"k", "v"}};
    EXPECT_EQ(stream.TakeFields(), expected);
}

// A file the target cannot create is our failure (FileError, answered 500), not the client's.
TEST_F(MultipartTest, MissingSpoolFolderIsAServerError) {
    FolderTarget target(spool_ / "absent");
    MultipartStream stream("XyZ", target);
    try {
        stream.Feed(Body("XyZ", {{"f", "a", "x"}}));
        FAIL() << "accepted";
    } catch (const FileError& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_NE(std::string(e.what()).find("absent"), std::string::npos) << e.what();
    }
}

// A full disk while a file part is written: zr::Error 507, and the partial files are discarded.
TEST_F(MultipartTest, RunningOutOfSpaceIs507AndDiscardsThePartialFiles) {
    const std::string body =
        Body("XyZ", {{"first", "a", std::string(1000, 'a')}, {"second", "b", std::string(5000, 'b')}});
    FolderTarget target(spool_, 3000);
    try {
        MultipartStream stream("XyZ", target);
        stream.Feed(body);
        stream.Finish();
        FAIL() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::kInsufficientStorage);
        EXPECT_EQ(ToHttpStatus(e.kind()), 507);
    }
    EXPECT_EQ(target.created().size(), 2u);
    EXPECT_EQ(target.discarded(), 2);
    EXPECT_EQ(CountFiles(spool_), 0u);
}

TEST(MultipartBoundaryTest, FindsTheBoundaryOfFormDataOnly) {
    EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=abc"), "abc");
    EXPECT_EQ(MultipartBoundary("Multipart/Form-Data;BOUNDARY=\"a b;c\"; charset=utf-8"), "a b;c");
    EXPECT_EQ(MultipartBoundary("application/json"), std::nullopt);
    EXPECT_EQ(MultipartBoundary(""), std::nullopt);
    EXPECT_EQ(MultipartBoundary("multipart/mixed; boundary=abc"), std::nullopt);
    const std::vector<std::string> bad_types = {"multipart/form-data",
                                                "multipart/form-data; boundary=", "multipart/form-data; boundary=\"abc",
                                                "multipart/form-data; boundary=" + std::string(71, 'a')};
    for (const std::string& bad : bad_types) {
        EXPECT_THROW(MultipartBoundary(bad), Error) << bad;
    }
}

}  // namespace
}  // namespace zr::http
