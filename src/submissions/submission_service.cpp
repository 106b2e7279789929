#include "submissions/submission_service.hpp"

#include <spdlog/spdlog.h>

#include <map>

#include "db/repositories.hpp"
#include "submissions/internal.hpp"

namespace zr::submissions {
namespace {

using domain::SubmissionStatus;

std::map<domain::ChallengeId, domain::Challenge> ChallengesById(db::Connection& conn) {
    std::map<domain::ChallengeId, domain::Challenge> challenges;
    for (auto& challenge : db::ChallengeRepository(conn).List()) challenges.emplace(challenge.id, challenge);
    return challenges;
}

domain::Challenge ChallengeOf(const std::map<domain::ChallengeId, domain::Challenge>& challenges,
                              domain::ChallengeId id) {
    if (auto it = challenges.find(id); it != challenges.end()) return it->second;
    domain::Challenge unknown;
    unknown.id = id;
    return unknown;
}

Error LimitReached(const std::string& what, unsigned limit) {
    return Error::Message(ErrorKind::kRateLimited, "You have reached the limit of " + std::to_string(limit) +
                                                       " submissions " + what + " to this challenge");
}

}  // namespace

SubmissionService::SubmissionService(db::Database& db, const storage::SubmissionStore& store,
                                     const settings::Settings& settings, mail::MailQueue& mail,
                                     const templates::Engine& templates, const Clock& clock)
    : db_(db), store_(store), settings_(settings), mail_(mail), templates_(templates), clock_(clock) {}

SubmissionService::~SubmissionService() { Shutdown(); }

std::mutex& SubmissionService::SubmissionMutex(const std::string& submission_id) {
    std::lock_guard lock(locks_mutex_);
    auto& slot = locks_[submission_id];
    if (!slot) slot = std::make_unique<std::mutex>();
    return *slot;
}

SubmissionService::Located SubmissionService::Locate(const domain::User& user,
                                                     std::optional<domain::ChallengeId> challenge_id,
                                                     std::string_view submission_id) {
    if (!IsPlainFileName(submission_id)) throw detail::UnknownSubmission(submission_id);
    auto conn = db_.Acquire();
    auto submission = db::SubmissionRepository(*conn).Find(submission_id);
    if (!submission || (challenge_id && submission->track_id != *challenge_id)) {
        throw detail::UnknownSubmission(submission_id);
    }
    if (submission->user_id != user.id) throw detail::NotOwner(submission_id);
    return Located{std::move(*submission)};
}

SubmissionService::Located SubmissionService::LocateUploading(const domain::User& user,
                                                              domain::ChallengeId challenge_id,
                                                              std::string_view submission_id) {
    Located located = Locate(user, challenge_id, submission_id);
    if (located.submission.status != domain::ToString(SubmissionStatus::kUploading) ||
        !store_.HasUploadLock(submission_id)) {
        throw detail::NoMoreParts(submission_id);
    }
    return located;
}

void SubmissionService::ChangeStatus(const std::string& submission_id, SubmissionStatus status,
                                     std::string_view reason) {
    {
        auto conn = db_.Acquire();
        db::SubmissionRepository(*conn).SetStatus(submission_id, domain::ToString(status));
    }
    if (!store_.Exists(submission_id)) return;
    const TimePoint now = clock_.Now();
    if (!reason.empty()) store_.AppendLog(submission_id, now, reason);
    store_.AppendLog(submission_id, now, "status changed to " + std::string(domain::ToString(status)));
    spdlog::info("submission {}: status {}{}{}", submission_id, domain::ToString(status), reason.empty() ? "" : ": ",
                 reason);
}

// --- Creation --------------------------------------------------------------------------------------

std::string SubmissionService::Create(const domain::User& owner, domain::ChallengeId challenge_id,
                                      const CreateRequest& request) {
    CreateRequest normalized = request;
    if (auto issues = detail::ValidateCreateRequest(normalized); !issues.empty()) {
        throw Error::Validation(std::move(issues));
    }
    std::optional<domain::Challenge> challenge;
    {
        auto conn = db_.Acquire();
        challenge = db::ChallengeRepository(*conn).Find(challenge_id);
    }
    if (!challenge) throw detail::UnknownChallenge(challenge_id);
    if (!challenge->IsOpen(LocalDate(clock_.Now()))) {
        throw Error::Message(ErrorKind::kNotFound, "The Challenge " + challenge->label + "[" +
                                                       std::to_string(challenge->id) + "] is not active");
    }
    return InsertWithFolder(owner, *challenge, normalized, true);
}

void SubmissionService::CheckLimits(db::Connection& conn, const domain::User& owner, domain::ChallengeId challenge_id) {
    const unsigned per_day = settings_.max_submissions_per_day;
    const unsigned total = settings_.max_submissions_total;
    if (per_day == 0 && total == 0) return;
    db::SubmissionRepository repository(conn);
    if (total > 0 && repository.CountTowardLimit(owner.id, challenge_id, std::nullopt) >= static_cast<int>(total)) {
        throw LimitReached("in total", total);
    }
    const TimePoint since = clock_.Now() - std::chrono::hours(24);
    if (per_day > 0 && repository.CountTowardLimit(owner.id, challenge_id, since) >= static_cast<int>(per_day)) {
        throw LimitReached("per day", per_day);
    }
}

// The folder is built under a staging name, the row inserted, the folder published, then the
// transaction committed: a crash leaves at worst a folder without a row (or a staging folder,
// removed by ResumePending), never a row without its folder. The limits are checked inside the
// write transaction so that concurrent creations cannot both pass the last free slot.
std::string SubmissionService::InsertWithFolder(const domain::User& owner, const domain::Challenge& challenge,
                                                const CreateRequest& request, bool check_limits) {
    const TimePoint now = clock_.Now();
    storage::NewSubmissionFolder folder;
    folder.submission_id = detail::NewSubmissionId(now);
    folder.username = owner.username;
    folder.track_label = challenge.label;
    folder.created = now;
    folder.multipart = request.multipart;
    folder.archive_hash = request.hash;
    for (const auto& part : request.index) folder.index.push_back({part.file_name, part.file_size, part.file_hash});
    const std::string& id = folder.submission_id;
    store_.CreateStaging(folder);
    try {
        auto conn = db_.Acquire();
        db::Transaction transaction(*conn);
        if (check_limits) CheckLimits(*conn, owner, challenge.id);
        db::SubmissionRepository(*conn).Create(
            {id, owner.id, challenge.id, now, std::string(domain::ToString(SubmissionStatus::kUploading))});
        store_.Publish(id);
        transaction.Commit();
    } catch (...) {
        store_.DiscardStaging(id);
        throw;
    }
    spdlog::info("submission {} created by {} for {}", id, owner.username, challenge.label);
    return id;
}

// --- Reads -----------------------------------------------------------------------------------------

SubmissionView SubmissionService::Get(const domain::User& user, std::string_view submission_id) {
    Located located = Locate(user, std::nullopt, submission_id);
    SubmissionView view{std::move(located.submission), user.username, {}, std::nullopt, {}, std::nullopt};
    auto conn = db_.Acquire();
    db::ReadTransaction snapshot(*conn);
    auto challenge = db::ChallengeRepository(*conn).Find(view.submission.track_id);
    if (challenge) {
        view.challenge = *challenge;
    } else {
        view.challenge.id = view.submission.track_id;
    }
    if (view.challenge.evaluator) view.evaluator = db::EvaluatorRepository(*conn).Find(*view.challenge.evaluator);
    view.leaderboards = db::LeaderboardRepository(*conn).ListByChallenge(view.submission.track_id);
    return view;
}

std::vector<SubmissionView> SubmissionService::ListForUser(const domain::User& user,
                                                           std::optional<domain::ChallengeId> track_id) {
    auto conn = db_.Acquire();
    db::ReadTransaction snapshot(*conn);
    const auto challenges = ChallengesById(*conn);
    if (track_id && !challenges.contains(*track_id)) throw detail::UnknownChallenge(*track_id);
    std::vector<SubmissionView> views;
    for (auto& submission : db::SubmissionRepository(*conn).List(user.id, track_id, std::nullopt)) {
        const domain::ChallengeId challenge_id = submission.track_id;
        views.push_back({std::move(submission),
                         user.username,
                         ChallengeOf(challenges, challenge_id),
                         std::nullopt,
                         {},
                         std::nullopt});
    }
    return views;
}

std::string SubmissionService::Status(const domain::User& user, std::string_view submission_id) {
    return Locate(user, std::nullopt, submission_id).submission.status;
}

std::vector<std::string> SubmissionService::LogLines(const domain::User& user, std::string_view submission_id) {
    Locate(user, std::nullopt, submission_id);
    return store_.ReadLog(submission_id);
}

// --- Admin -----------------------------------------------------------------------------------------

std::vector<SubmissionView> SubmissionService::List(const ListFilter& filter) {
    auto conn = db_.Acquire();
    db::ReadTransaction snapshot(*conn);
    const auto challenges = ChallengesById(*conn);
    std::map<domain::UserId, std::string> usernames;
    for (const auto& user : db::UserRepository(*conn).List()) usernames.emplace(user.id, user.username);
    std::optional<std::string_view> status;
    if (filter.status) status = domain::ToString(*filter.status);
    const auto failures = detail::CurrentFailures(*conn);
    std::vector<SubmissionView> views;
    for (auto& submission : db::SubmissionRepository(*conn).List(filter.user_id, filter.track_id, status)) {
        auto user = usernames.find(submission.user_id);
        std::string username = user == usernames.end() ? std::string() : user->second;
        const domain::ChallengeId challenge_id = submission.track_id;
        std::optional<FailureInfo> failure;
        if (submission.status == domain::ToString(SubmissionStatus::kFailed)) {
            failure = detail::FailureOf(*conn, submission.id, failures);
        }
        views.push_back({std::move(submission),
                         std::move(username),
                         ChallengeOf(challenges, challenge_id),
                         std::nullopt,
                         {},
                         std::move(failure)});
    }
    return views;
}

void SubmissionService::SetStatus(std::string_view submission_id, SubmissionStatus status, bool force) {
    const std::string id(submission_id);
    std::lock_guard lock(SubmissionMutex(id));
    std::optional<domain::Submission> submission;
    if (IsPlainFileName(id)) {
        auto conn = db_.Acquire();
        submission = db::SubmissionRepository(*conn).Find(id);
    }
    if (!submission) throw detail::UnknownSubmission(id);
    const auto from = domain::ParseSubmissionStatus(submission->status);
    if (!force && (!from || !domain::IsLegalTransition(*from, status))) {
        throw Error::Message(ErrorKind::kConflict, "Submission " + id + " cannot go from status " + submission->status +
                                                       " to " + std::string(domain::ToString(status)));
    }
    ChangeStatus(id, status, force ? "status set by an administrator" : "");
}

}  // namespace zr::submissions
