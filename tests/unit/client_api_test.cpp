#include <gtest/gtest.h>

#include "client/api.hpp"
#include "client/uploader.hpp"

namespace zr::client {
namespace {
using std::chrono::milliseconds;

TEST(ClientApi, DescribesErrorBodies) {
    EXPECT_EQ(DescribeErrorBody(R"({"message": "Invalid input: hash does not match"})"),
              "Invalid input: hash does not match");
    EXPECT_EQ(DescribeErrorBody(R"({"detail": "Not authenticated"})"), "Not authenticated");
    EXPECT_EQ(DescribeErrorBody(
                  R"({"detail": [{"loc": ["body", "index", 0, "file_hash"], "msg": "field required", "type": "x"},)"
                  R"( {"loc": ["query", "part_name"], "msg": "field required", "type": "x"}]})"),
              "file_hash: field required; part_name: field required");
    EXPECT_EQ(DescribeErrorBody("\"just a string\""), "just a string");
    EXPECT_EQ(DescribeErrorBody("<html>\nBad Gateway\n</html>"), "<html> Bad Gateway </html>");
    EXPECT_EQ(DescribeErrorBody(""), "no explanation from the server");
    EXPECT_LE(DescribeErrorBody(std::string(5000, 'x')).size(), 310u);
}

TEST(ClientApi, ErrorKinds) {
    ApiError mismatch(400, "Invalid input: the hash of part a.zip.part0 does not match");
    EXPECT_TRUE(mismatch.hash_mismatch());
    EXPECT_FALSE(mismatch.server_side());
    EXPECT_STREQ(mismatch.what(), "Invalid input: the hash of part a.zip.part0 does not match (HTTP 400)");
    EXPECT_FALSE(ApiError(400, "unknown part").hash_mismatch());
    EXPECT_FALSE(ApiError(403, "hash").hash_mismatch());
    EXPECT_TRUE(ApiError(502, "bad gateway").server_side());
}

TEST(ClientApi, SubmissionRequestJson) {
    SubmissionRequest single{"a.zip", std::string(32, 'f'), false, {}};
    EXPECT_EQ(ToJson(single), nlohmann::json::parse(R"({"filename": "a.zip", "hash": ")" + std::string(32, 'f') +
                                                    R"(", "multipart": false})"));
    SubmissionRequest multi{"a.zip", "h", true, {{"a.zip.part0", 10, "x"}, {"a.zip.part1", 3, "y"}}};
    auto json = ToJson(multi);
    EXPECT_EQ(json["multipart"], true);
    ASSERT_EQ(json["index"].size(), 2u);
    EXPECT_EQ(json["index"][1],
              nlohmann::json::parse(R"({"file_name": "a.zip.part1", "file_size": 3, "file_hash": "y"})"));
}

TEST(ClientApi, ParsesUploadStates) {
    auto state = ParseUploadState(200, R"({"completed": false, "remaining": ["a.zip.part1", "a.zip.part2"]})");
    EXPECT_FALSE(state.completed);
    EXPECT_EQ(state.remaining, (std::vector<std::string>{"a.zip.part1", "a.zip.part2"}));
    EXPECT_TRUE(ParseUploadState(200, R"({"completed": true, "remaining": []})").completed);
    EXPECT_TRUE(ParseUploadState(200, R"({"completed": true})").remaining.empty());
    EXPECT_THROW(ParseUploadState(200, "null"), ApiError);
    EXPECT_THROW(ParseUploadState(200, R"({"remaining": []})"), ApiError);
}

TEST(ClientRetry, DelaysDoubleUpToTheCap) {
    RetryPolicy policy{5, milliseconds(1000), milliseconds(5000)};
    EXPECT_EQ(RetryDelay(policy, 1), milliseconds(1000));
    EXPECT_EQ(RetryDelay(policy, 2), milliseconds(2000));
    EXPECT_EQ(RetryDelay(policy, 3), milliseconds(4000));
    EXPECT_EQ(RetryDelay(policy, 4), milliseconds(5000));
    EXPECT_EQ(RetryDelay(policy, 60), milliseconds(5000));
    EXPECT_EQ(RetryDelay(RetryPolicy{5, milliseconds(0), milliseconds(5000)}, 3), milliseconds(0));
}

TEST(ClientRetry, SleepStopsEarly) {
    std::atomic<bool> stop{true};
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(SleepUnlessStopped(milliseconds(5000), stop));
    EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
    stop = false;
    EXPECT_TRUE(SleepUnlessStopped(milliseconds(20), stop));
}

}  // namespace
}  // namespace zr::client
