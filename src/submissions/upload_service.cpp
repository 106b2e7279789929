// Creating submissions and receiving their parts.
#include "submissions/upload_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>

#include "common/strings.hpp"
#include "db/repositories.hpp"
#include "submissions/internal.hpp"

namespace zr::submissions {
namespace fs = std::filesystem;
namespace {

using domain::SubmissionStatus;

// The name a single-part submission's archive is reported under while it is missing.
constexpr std::string_view kArchiveName = "input.zip";

Error BadPartName(std::string_view part_name) {
    return Error::Message(ErrorKind::kInvalidInput,
                          "ValueError: part name '" + std::string(part_name) + "' is not a plain file name");
}

Error UnknownPart(std::string_view part_name) {
    return Error::Message(ErrorKind::kInvalidInput,
                          "ValueError: part '" + std::string(part_name) + "' is not in the submission's index");
}

// What the zrc client's user can do about a part that does not match its submission: the client
// re-zips on a fresh run, and a new zip differs from the registered one even with the same content.
constexpr std::string_view kResumeHint =
    " If the archive was made again, resume the original upload instead (zrc submit --resume <work dir>), "
    "or remove submission_id from meta.yaml to submit it as a new submission.";

Error NotOpen(const domain::Challenge& challenge, Date today) {
    if (challenge.active && today < challenge.start_date) {
        return Error::Message(ErrorKind::kNotFound, "The Challenge " + challenge.label + " is not open yet (starts " +
                                                        FormatDate(challenge.start_date) + ")");
    }
    return Error::Message(ErrorKind::kNotFound, "The Challenge " + challenge.label + " is not active");
}

Error LimitReached(const std::string& what, unsigned limit) {
    return Error::Message(ErrorKind::kRateLimited, "You have reached the limit of " + std::to_string(limit) +
                                                       " submissions " + what + " to this challenge");
}

const storage::ManifestPart* FindPart(const std::vector<storage::ManifestPart>& parts, std::string_view name) {
    auto it = std::find_if(parts.begin(), parts.end(), [&](const auto& part) { return part.file_name == name; });
    return it == parts.end() ? nullptr : &*it;
}

std::vector<std::string> Remaining(const storage::UploadManifest& manifest) {
    std::vector<std::string> remaining;
    for (const auto& part : manifest.index) {
        if (!FindPart(manifest.received, part.file_name)) remaining.push_back(part.file_name);
    }
    return remaining;
}

std::string PartLogLine(std::string_view part_name, std::string_view outcome) {
    return "adding a new part to upload: " + std::string(part_name) + "\n --> " + std::string(outcome);
}

}  // namespace

UploadService::UploadService(Records& records, const settings::Settings& settings, CompletionService& completion)
    : records_(records), settings_(settings), completion_(completion) {}

// --- Creation ------------------------------------------------------------------------------------

std::string UploadService::Create(const domain::User& owner, domain::ChallengeId challenge_id,
                                  const CreateRequest& request) {
    return CreateChecked(owner, request, [&](db::Connection& conn) {
        auto challenge = db::ChallengeRepository(conn).Find(challenge_id);
        if (!challenge) throw detail::UnknownChallenge(challenge_id);
        if (!challenge->IsOpen(LocalDate(records_.clock().Now()))) {
            throw Error::Message(ErrorKind::kNotFound, "The Challenge " + challenge->label + "[" +
                                                           std::to_string(challenge->id) + "] is not active");
        }
        return std::move(*challenge);
    });
}

std::string UploadService::CreateByLabel(const domain::User& owner, std::string_view challenge_label,
                                         const CreateRequest& request) {
    return CreateChecked(owner, request, [&](db::Connection& conn) {
        auto challenge = db::ChallengeRepository(conn).FindByLabel(challenge_label);
        if (!challenge) {
            throw Error::Message(ErrorKind::kNotFound,
                                 "There is no challenge with the following id: " + std::string(challenge_label));
        }
        if (request.model_id) CheckModel(conn, owner, *request.model_id);
        const Date today = LocalDate(records_.clock().Now());
        if (!challenge->IsOpen(today)) throw NotOpen(*challenge, today);
        return std::move(*challenge);
    });
}

// The request's own checks first (422), then the challenge `find` returns (404/403...), then the
// row and the folder.
std::string UploadService::CreateChecked(const domain::User& owner, const CreateRequest& request,
                                         const std::function<domain::Challenge(db::Connection&)>& find) {
    CreateRequest normalized = request;
    if (auto issues = detail::ValidateCreateRequest(normalized); !issues.empty()) {
        throw Error::Validation(std::move(issues));
    }
    domain::Challenge challenge;
    {
        auto conn = records_.db().Acquire();
        challenge = find(*conn);
    }
    return InsertWithFolder(owner, challenge, normalized, true);
}

void UploadService::CheckModel(db::Connection& conn, const domain::User& owner, const std::string& model_id) const {
    const auto model = db::ModelRepository(conn).Find(model_id);
    if (!model) throw Error::Message(ErrorKind::kNotFound, "There is no model with the following id: " + model_id);
    if (model->user_id != owner.id) {
        throw Error::Message(ErrorKind::kForbidden, "Model " + model_id + " does not belong to you");
    }
}

std::string UploadService::CreateUnchecked(const domain::User& owner, const domain::Challenge& challenge,
                                           const CreateRequest& request) {
    return InsertWithFolder(owner, challenge, request, false);
}

void UploadService::CheckLimits(db::Connection& conn, const domain::User& owner,
                                domain::ChallengeId challenge_id) const {
    const unsigned per_day = settings_.max_submissions_per_day;
    const unsigned total = settings_.max_submissions_total;
    if (per_day == 0 && total == 0) return;
    db::SubmissionRepository repository(conn);
    if (total > 0 && repository.CountTowardLimit(owner.id, challenge_id, std::nullopt) >= static_cast<int>(total)) {
        throw LimitReached("in total", total);
    }
    const TimePoint since = records_.clock().Now() - std::chrono::hours(24);
    if (per_day > 0 && repository.CountTowardLimit(owner.id, challenge_id, since) >= static_cast<int>(per_day)) {
        throw LimitReached("per day", per_day);
    }
}

// The folder is built under a staging name, the row inserted and committed, then the folder
// published: a crash leaves at worst a staging folder, which start-up recovery publishes when its
// row exists and removes otherwise. The limits are checked inside the write transaction so that
// concurrent creations cannot both pass the last free slot.
std::string UploadService::InsertWithFolder(const domain::User& owner, const domain::Challenge& challenge,
                                            const CreateRequest& request, bool check_limits) {
    const storage::SubmissionStore& store = records_.store();
    const TimePoint now = records_.clock().Now();
    storage::NewSubmissionFolder folder;
    folder.submission_id = detail::NewSubmissionId(now);
    folder.username = owner.username;
    folder.track_label = challenge.label;
    folder.created = now;
    folder.multipart = request.multipart;
    folder.archive_hash = request.hash;
    for (const auto& part : request.index) folder.index.push_back({part.file_name, part.file_size, part.file_hash});
    if (request.model_id) {
        // A second-generation submission: its info.json also carries what that generation kept
        // there (api-v2.md section 4.5); readers of the first ignore the extra keys.
        folder.extra_info = {{"model_id", *request.model_id},
                             {"benchmark_label", challenge.label},
                             {"created_at", FormatDateTime(now)},
                             {"leaderboard_entry", request.leaderboard_file.value_or("")},
                             {"author_label", request.author_label.value_or("")},
                             {"has_scores", request.has_scores}};
    }
    const std::string& id = folder.submission_id;
    store.CreateStaging(folder);
    try {
        auto conn = records_.db().Acquire();
        db::Transaction transaction(*conn);
        if (check_limits) CheckLimits(*conn, owner, challenge.id);
        domain::Submission row;
        row.id = id;
        row.user_id = owner.id;
        row.track_id = challenge.id;
        row.submit_date = now;
        row.status = SubmissionStatus::kUploading;
        row.model_id = request.model_id;
        row.has_scores = request.has_scores;
        row.author_label = request.author_label;
        row.leaderboard_file = request.leaderboard_file;
        db::SubmissionRepository(*conn).Create(row);
        transaction.Commit();
    } catch (...) {
        store.DiscardStaging(id);
        throw;
    }
    try {
        store.Publish(id);
    } catch (...) {
        // The row is committed: take it back so the participant can simply create again (if even
        // that fails, start-up recovery publishes the staging folder).
        try {
            auto conn = records_.db().Acquire();
            db::SubmissionRepository(*conn).Move(id, SubmissionStatus::kFailed);  // uploading -> failed
        } catch (const std::exception& e) {
            spdlog::error("submission {}: not published and not marked failed: {}", id, e.what());
            throw;
        }
        store.DiscardStaging(id);
        throw;
    }
    spdlog::info("submission {} created by {} for {}", id, owner.username, challenge.label);
    return id;
}

// --- Parts ---------------------------------------------------------------------------------------

UploadTicket UploadService::PrepareUpload(const domain::User& user, std::optional<domain::ChallengeId> challenge_id,
                                          std::string_view submission_id, std::string_view part_name,
                                          std::optional<std::uint64_t> declared_bytes, UploadRoute route) {
    const storage::SubmissionStore& store = records_.store();
    UploadTicket ticket;
    ticket.route = route;
    ticket.submission = records_.Locate(user, challenge_id, submission_id);
    const std::string& id = ticket.submission.id;
    const SubmissionStatus status = ticket.submission.status;
    if (status != SubmissionStatus::kUploading || !store.HasUploadLock(id)) {
        // A refused archive or a canceled upload takes nothing, not even a re-send.
        const bool resend = route == UploadRoute::kSecondGeneration && status != SubmissionStatus::kInvalid &&
                            status != SubmissionStatus::kCanceled && UploadStatusOf(id).completed;
        if (!resend) throw detail::NoMoreParts(id);
        ticket.after_completion = true;
    }
    if (!IsPlainFileName(part_name)) throw BadPartName(part_name);
    ticket.part_name = std::string(part_name);
    if (auto manifest = store.ReadManifest(id)) {
        const storage::ManifestPart* expected = FindPart(manifest->index, part_name);
        if (!expected) throw UnknownPart(part_name);
        ticket.multipart = true;
        ticket.expected_md5 = ToLower(expected->file_hash);
    } else {
        const auto hash = store.ReadArchiveHash(id);
        if (!hash) throw detail::NoMoreParts(id);
        ticket.expected_md5 = ToLower(*hash);
    }
    if (declared_bytes && !ticket.after_completion) {
        store.file_system().EnsureRoom(store.root(), *declared_bytes, settings_.health_min_free_disk);
    }
    return ticket;
}

SpoolFile UploadService::NewSpoolFile(const UploadTicket& ticket) const {
    return records_.store().NewSpoolFile(ticket.submission.id);
}

void UploadService::DiscardSpoolFile(const fs::path& path) const noexcept { records_.store().DiscardSpoolFile(path); }

UploadState UploadService::AcceptPart(const UploadTicket& ticket, const ReceivedFile& file) {
    const std::string& id = ticket.submission.id;
    std::lock_guard lock(records_.Lock(id));
    if (ticket.after_completion) return AcceptResend(ticket, file);
    // The ticket was checked before the body; since then another request may have brought the
    // last part (or an administrator changed the status): the lock says whether parts are taken.
    if (!records_.store().HasUploadLock(id)) {
        if (ticket.route == UploadRoute::kSecondGeneration) return AcceptResend(ticket, file);
        throw detail::NoMoreParts(id);
    }
    if (ToLower(file.md5) != ticket.expected_md5) RejectHash(ticket, file);
    return ticket.multipart ? AcceptManifestPart(ticket, file) : AcceptArchive(ticket, file);
}

void UploadService::RejectHash(const UploadTicket& ticket, const ReceivedFile& file) {
    records_.store().DiscardSpoolFile(file.path);
    rejected_parts_.fetch_add(1, std::memory_order_relaxed);
    records_.store().TryAppendLog(ticket.submission.id, records_.clock().Now(),
                                  PartLogLine(ticket.part_name, "refused: its md5 does not match the expected hash"));
    std::string message = "ValueError: the md5 of part " + ticket.part_name + " does not match the expected hash";
    if (ticket.route == UploadRoute::kSecondGeneration) {
        message = "ValueError: the md5 of part " + ticket.part_name +
                  " does not match the one registered for submission " + ticket.submission.id + "." +
                  std::string(kResumeHint);
    }
    throw Error::Message(ErrorKind::kInvalidInput, message);
}

// A part sent again once every part was in: the same bytes change nothing and are acknowledged
// (the client did not see the first answer); other bytes cannot belong to this submission.
UploadState UploadService::AcceptResend(const UploadTicket& ticket, const ReceivedFile& file) {
    const std::string& id = ticket.submission.id;
    if (ToLower(file.md5) == ticket.expected_md5) {
        records_.store().TryAppendLog(id, records_.clock().Now(),
                                      PartLogLine(ticket.part_name,
                                                  "sent again after the upload completed: same "
                                                  "bytes as received, nothing changed"));
        return {true, {}};
    }
    rejected_parts_.fetch_add(1, std::memory_order_relaxed);
    records_.store().TryAppendLog(id, records_.clock().Now(),
                                  PartLogLine(ticket.part_name,
                                              "refused: sent after the upload completed, with "
                                              "other bytes than the part received"));
    throw Error::Message(ErrorKind::kInvalidInput,
                         "ValueError: submission " + id + " has received all its parts and takes no others: part " +
                             ticket.part_name + " differs from the one received." + std::string(kResumeHint));
}

// The part is durable (spool synced, renamed, tmp/ synced) before the manifest says it was
// received, and the manifest is durable before the answer: an acknowledged part survives a crash.
UploadState UploadService::AcceptManifestPart(const UploadTicket& ticket, const ReceivedFile& file) {
    const storage::SubmissionStore& store = records_.store();
    const std::string& id = ticket.submission.id;
    storage::UploadManifest manifest = store.ReadManifest(id).value();  // the received list of earlier parts
    store.StorePart(id, ticket.part_name, file.path);
    CountAccepted(file);
    std::erase_if(manifest.received, [&](const auto& part) { return part.file_name == ticket.part_name; });
    manifest.received.push_back({ticket.part_name, file.size, ToLower(file.md5)});
    store.WriteManifest(id, manifest);
    store.TryAppendLog(id, records_.clock().Now(), PartLogLine(ticket.part_name, "file was uploaded successfully"));
    UploadState state{false, Remaining(manifest)};
    if (state.remaining.empty()) {
        state.completed = true;
        FinishUpload(id);
    }
    return state;
}

UploadState UploadService::AcceptArchive(const UploadTicket& ticket, const ReceivedFile& file) {
    const std::string& id = ticket.submission.id;
    records_.store().StoreArchive(id, file.path);
    CountAccepted(file);
    records_.store().TryAppendLog(id, records_.clock().Now(),
                                  PartLogLine(ticket.part_name, "file was uploaded successfully"));
    FinishUpload(id);
    return {true, {}};
}

// The lock goes only once every part is safely in place, so a crash before this point leaves a
// submission that still accepts parts, and one after it a submission start-up recovery completes.
void UploadService::FinishUpload(const std::string& submission_id) {
    records_.store().RemoveUploadLock(submission_id);
    records_.store().TryAppendLog(submission_id, records_.clock().Now(), "all parts received");
    completion_.Schedule(submission_id);
}

void UploadService::Withdraw(const domain::User& user, std::string_view submission_id) {
    const domain::Submission submission = records_.Locate(user, std::nullopt, submission_id);
    const std::string& id = submission.id;
    std::lock_guard lock(records_.Lock(id));
    const storage::SubmissionStore& store = records_.store();
    if (submission.status != SubmissionStatus::kUploading || !store.HasUploadLock(id)) {
        throw Error::Message(ErrorKind::kInvalidInput, "Submission " + id +
                                                           " has received all its parts: only an unfinished upload "
                                                           "can be removed (ask the organisers)");
    }
    // Folder first, under its staging name: a crash before the row is gone leaves a staging
    // folder that start-up recovery publishes again (nothing removed), one after it a staging
    // folder that recovery removes.
    store.Unpublish(id);
    bool deleted = false;
    try {
        auto conn = records_.db().Acquire();
        deleted = db::SubmissionRepository(*conn).DeleteUploading(id);
    } catch (...) {
        store.Publish(id);
        throw;
    }
    if (!deleted) {  // an administrator changed its status meanwhile
        store.Publish(id);
        throw detail::NoMoreParts(id);
    }
    store.DiscardStaging(id);
    spdlog::info("submission {} removed by its owner {} before its upload completed", id, user.username);
}

void UploadService::CountAccepted(const ReceivedFile& file) {
    accepted_parts_.fetch_add(1, std::memory_order_relaxed);
    accepted_bytes_.fetch_add(file.size, std::memory_order_relaxed);
}

UploadCounts UploadService::upload_counts() const {
    return {accepted_parts_.load(std::memory_order_relaxed), accepted_bytes_.load(std::memory_order_relaxed),
            rejected_parts_.load(std::memory_order_relaxed)};
}

UploadState UploadService::UploadStatus(const domain::User& user, domain::ChallengeId challenge_id,
                                        std::string_view submission_id) {
    return UploadStatusOf(records_.Locate(user, challenge_id, submission_id).id);
}

UploadState UploadService::UploadStatusOf(const std::string& id) const {
    const storage::SubmissionStore& store = records_.store();
    if (auto manifest = store.ReadManifest(id)) {
        UploadState state{false, Remaining(*manifest)};
        state.completed = state.remaining.empty();
        return state;
    }
    if (!store.HasUploadLock(id)) return {true, {}};
    return {false, {std::string(kArchiveName)}};
}

}  // namespace zr::submissions
