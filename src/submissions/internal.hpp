#pragma once
// Internal to zr_submissions: helpers shared by the services' source files.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/time.hpp"
#include "db/evaluation_job_repository.hpp"
#include "settings/settings.hpp"
#include "storage/zip_extract.hpp"
#include "submissions/types.hpp"

namespace zr::submissions::detail {

// "YYYYMM-DDHH-MMSS-<uuid4>" from the local time `now` and a random uuid4.
std::string NewSubmissionId(TimePoint now);
// 32 hex digits, any case.
bool IsMd5(std::string_view text);
// Every problem of a create request (FastAPI 422 items); lower-cases the md5s of `request`.
std::vector<ValidationIssue> ValidateCreateRequest(CreateRequest& request);
storage::UnzipLimits UnzipLimitsFrom(const settings::Settings& settings);

// The current job of every submission whose current job failed (one query), by submission id.
std::map<std::string, db::EvaluationJobRow> CurrentFailures(db::Connection& conn);
// The failure of a failed submission given its current job (nullopt: it has none).
FailureInfo DescribeFailure(const std::optional<db::EvaluationJobRow>& current);
// DescribeFailure with the current job from `failures`, or looked up when it did not fail.
FailureInfo FailureOf(db::Connection& conn, const std::string& submission_id,
                      const std::map<std::string, db::EvaluationJobRow>& failures);
// The challenge with that id, or one with only the id set (its row is gone).
domain::Challenge ChallengeOf(const std::map<domain::ChallengeId, domain::Challenge>& challenges,
                              domain::ChallengeId id);
// A job row as the history rules see it.
std::optional<domain::CurrentJob> AsCurrentJob(const std::optional<db::EvaluationJobRow>& job);

Error UnknownSubmission(std::string_view submission_id);
Error NotOwner(std::string_view submission_id);
Error NoMoreParts(std::string_view submission_id);
Error UnknownChallenge(domain::ChallengeId challenge_id);

}  // namespace zr::submissions::detail
