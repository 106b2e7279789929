// SubmissionRepository writes: insert, forced status, filtered listing, counting for limits.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "db/database.hpp"
#include "db/repositories.hpp"
#include "domain_printers.hpp"
#include "temp_database.hpp"

namespace zr::db {
namespace {

namespace fs = std::filesystem;
using domain::SubmissionStatus;
using std::chrono::hours;

using test_support::At;

class SubmissionWritesTest : public test_support::TempDatabaseTest {
protected:
    SubmissionRepository Repo() { return SubmissionRepository(**lease_); }
};

TEST_F(SubmissionWritesTest, CreateFindAndForceStatus) {
    auto repo = Repo();
    repo.Create({"s1", 7, 3, At("2024-05-06 07:08:09.250000"), SubmissionStatus::kUploading});
    auto found = repo.Find("s1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->user_id, 7);
    EXPECT_EQ(found->track_id, 3);
    EXPECT_EQ(found->submit_date, At("2024-05-06 07:08:09.250000"));
    EXPECT_EQ(found->status, SubmissionStatus::kUploading);
    repo.ForceStatus("s1", SubmissionStatus::kUploaded);
    EXPECT_EQ(repo.Find("s1")->status, SubmissionStatus::kUploaded);
    repo.ForceStatus("unknown", SubmissionStatus::kUploaded);  // changes nothing
    EXPECT_FALSE(repo.Find("unknown"));
}

TEST_F(SubmissionWritesTest, DuplicateIdIsAUniqueViolation) {
    auto repo = Repo();
    repo.Create({"s1", 1, 1, At("2024-01-01 00:00:00"), SubmissionStatus::kUploading});
    try {
        repo.Create({"s1", 2, 2, At("2024-01-01 00:00:00"), SubmissionStatus::kUploading});
        FAIL() << "no exception";
    } catch (const UniqueViolation& e) {
        EXPECT_EQ(e.column(), "id");
    }
}

TEST_F(SubmissionWritesTest, ListFilters) {
    auto repo = Repo();
    repo.Create({"c", 1, 1, At("2024-01-03 00:00:00"), SubmissionStatus::kUploaded});
    repo.Create({"a", 1, 2, At("2024-01-01 00:00:00"), SubmissionStatus::kUploading});
    repo.Create({"b", 2, 1, At("2024-01-02 00:00:00"), SubmissionStatus::kUploaded});
    auto ids = [](const std::vector<domain::Submission>& list) {
        std::vector<std::string> out;
        for (const auto& s : list) out.push_back(s.id);
        return out;
    };
    EXPECT_EQ(ids(repo.List(std::nullopt, std::nullopt, std::nullopt)), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(ids(repo.List(1, std::nullopt, std::nullopt)), (std::vector<std::string>{"a", "c"}));
    EXPECT_EQ(ids(repo.List(std::nullopt, 1, std::nullopt)), (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(ids(repo.List(std::nullopt, std::nullopt, SubmissionStatus::kUploaded)),
              (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(ids(repo.List(1, 1, SubmissionStatus::kUploaded)), (std::vector<std::string>{"c"}));
    EXPECT_TRUE(repo.List(3, std::nullopt, std::nullopt).empty());
}

TEST_F(SubmissionWritesTest, CountsTowardLimitSinceAndExcludingRefusedOnes) {
    auto repo = Repo();
    const TimePoint now = At("2024-06-10 12:00:00");
    repo.Create({"old", 1, 1, now - hours(48), SubmissionStatus::kUploaded});
    repo.Create({"recent", 1, 1, now - hours(2), SubmissionStatus::kCompleted});
    repo.Create({"bad", 1, 1, now - hours(1), SubmissionStatus::kInvalid});
    repo.Create({"failed", 1, 1, now - hours(1), SubmissionStatus::kFailed});  // no job: the upload failed
    repo.Create({"canceled", 1, 1, now - hours(1), SubmissionStatus::kCanceled});
    repo.Create({"other-track", 1, 2, now - hours(1), SubmissionStatus::kUploaded});
    repo.Create({"other-user", 2, 1, now - hours(1), SubmissionStatus::kUploaded});
    EXPECT_EQ(repo.CountTowardLimit(1, 1, std::nullopt), 2);
    EXPECT_EQ(repo.CountTowardLimit(1, 1, now - hours(24)), 1);
    EXPECT_EQ(repo.CountTowardLimit(3, 1, std::nullopt), 0);
}

}  // namespace
}  // namespace zr::db
