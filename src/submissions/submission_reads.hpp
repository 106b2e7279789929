#pragma once
// A participant's reads of their submissions (GET /users/submissions/*): listings, one
// submission's details, its status (with queue position and failure), its out.log and its scores.
//
// Errors: zr::Error — 404 {"message"} unknown submission (or challenge), 403 {"message"} someone
// else's submission.
// Thread-safety: thread-safe.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "submissions/records.hpp"
#include "submissions/types.hpp"

namespace zr::submissions {

class SubmissionReads {
public:
    explicit SubmissionReads(Records& records) : records_(records) {}

    // With the challenge's evaluator and leaderboards.
    SubmissionView Get(const domain::User& user, std::string_view submission_id);
    // The user's submissions ordered by submit_date; with track_id only that challenge's
    // (404 {"message": "There is no challenge with the following id: N"} if unknown).
    std::vector<SubmissionView> ListForUser(const domain::User& user, std::optional<domain::ChallengeId> track_id);
    // The status with its queue position, failure and evaluation counts (a few indexed reads).
    StatusDetails Details(const domain::User& user, std::string_view submission_id);
    // out.log split in lines (no trailing newline characters); empty if the file is absent.
    std::vector<std::string> LogLines(const domain::User& user, std::string_view submission_id);
    // {<leaderboard label>: <entry JSON>} for each leaderboard of the challenge whose entry_file
    // exists (and parses as JSON) in the submission's newest completed scores: the submission
    // folder, or the version kept under scores_history/ while a re-run is queued, running, failed
    // or canceled (domain::WhichScoresShown).
    nlohmann::json Scores(const domain::User& user, std::string_view submission_id);

    // Second generation's public reads. Any submission with its challenge (404 {"message"}
    // unknown), for GET /submissions/{id}/content/status and the owner's /info.
    SubmissionView Find(std::string_view submission_id);
    // Published submissions (status completed), ordered by submit_date.
    std::vector<SubmissionView> ListPublished();
    // The scores of a submission anyone may see: `user`'s own, or a published one (404 otherwise,
    // as if it did not exist).
    nlohmann::json ScoresOf(const domain::User* user, std::string_view submission_id);

private:
    nlohmann::json ScoresOfSubmission(const domain::Submission& submission);

    Records& records_;
};

}  // namespace zr::submissions
