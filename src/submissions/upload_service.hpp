#pragma once
// A participant creating a submission and sending its parts (pipeline.md sections 1-2).
//
// A part request is checked once, before its body is read (PrepareUpload: one read of the
// submission's row, the manifest, room on disk), and the ticket it returns is what AcceptPart
// consumes once the body is on disk: the part request reads the session and the submission once.
// When the last part is in, upload.lock goes and the completion is scheduled.
//
// Errors: zr::Error with the first implementation's statuses/bodies (api.md): 404 unknown
// challenge/submission ({"message": ...}), 403 someone else's submission, 400 wrong hash / unknown
// part / no more parts accepted, 422 invalid manifest (every problem listed), 429 limits reached,
// 507 the disk is full (nothing received is lost; the part can be sent again).
// Thread-safety: thread-safe.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "settings/settings.hpp"
#include "submissions/completion_service.hpp"
#include "submissions/records.hpp"
#include "submissions/types.hpp"

namespace zr::submissions {

class UploadService {
public:
    // The references must outlive the service.
    UploadService(Records& records, const settings::Settings& settings, CompletionService& completion);

    // Creates a submission (row status "uploading" + folder per data.md) and returns its id
    // "YYYYMM-DDHH-MMSS-<uuid4>". Errors: 404 {"message": "There is no challenge with the
    // following id: N"}; 404 {"message": "The Challenge <label>[<id>] is not active"} when not open;
    // 422 listing every problem (loc ["body","filename"], ["body","hash"], ["body","index"],
    // ["body","index",i,"file_name"|"file_hash"]); 429 {"message": ...} when the owner reached
    // ZR_MAX_SUBMISSIONS_PER_DAY (last 24 h) or ZR_MAX_SUBMISSIONS_TOTAL for this challenge
    // (domain::CountsTowardLimit: invalid, canceled and platform-failed submissions do not count).
    // md5s may be upper-case; stored lower. The folder is built under a staging name and published
    // once the row is committed: a crash leaves a staging folder that RecoverPending sorts out,
    // never a row without its folder once recovered.
    std::string Create(const domain::User& owner, domain::ChallengeId challenge_id, const CreateRequest& request);
    // The second generation's creation (api-v2.md P1-e): the challenge named by its label, the
    // request's model_id an existing model of `owner`. Everything is checked before anything is
    // written. Errors as Create, plus: 404 {"message"} unknown label or model, or a challenge
    // that is not open ("... is not open yet (starts <date>)" before its start); 403 {"message"}
    // someone else's model; 422 a leaderboard path that is not a plain relative path.
    std::string CreateByLabel(const domain::User& owner, std::string_view challenge_label,
                              const CreateRequest& request);
    // Create without the open-challenge check and the limits (an administrator's creation);
    // `request` is assumed valid.
    std::string CreateUnchecked(const domain::User& owner, const domain::Challenge& challenge,
                                const CreateRequest& request);

    // The check of PUT .../submission/upload before any body byte is read: fast, no hashing.
    // Errors: 404 {"message"} unknown submission (or one of another challenge); 403 {"message"} not
    // the owner; 400 {"message": "... does not accept any more parts"} when the submission is not
    // uploading or its upload.lock is gone; 400 {"message"} part_name not in the manifest
    // (multipart) or not a plain file name (single-part accepts any plain name); 507 when
    // `declared_bytes` would not fit in the data folder while keeping ZR_HEALTH_MIN_FREE_DISK free.
    // With `challenge_id` nullopt (the second generation's route) the submission may be of any
    // challenge. Through the second generation's route, a submission whose upload is complete
    // (and was not refused) still takes a part of its manifest, for AcceptPart to compare.
    UploadTicket PrepareUpload(const domain::User& user, std::optional<domain::ChallengeId> challenge_id,
                               std::string_view submission_id, std::string_view part_name,
                               std::optional<std::uint64_t> declared_bytes,
                               UploadRoute route = UploadRoute::kFirstGeneration);
    // Where the transport writes the ticket's part (a spool file in the submission's tmp/), and
    // the removal of one it did not hand over.
    SpoolFile NewSpoolFile(const UploadTicket& ticket) const;
    void DiscardSpoolFile(const std::filesystem::path& path) const noexcept;

    // Takes ownership of file.path on success (moved into place); on any error the file is left
    // for the transport to discard (a wrong md5 discards it at once). file.md5 is compared with
    // the ticket's expected md5: mismatch -> 400 {"message": "ValueError: the md5 of part X does
    // not match the expected hash"}. The submission must still accept parts (another request may
    // have completed it meanwhile): 400 otherwise. A part received twice replaces the earlier one
    // and counts once. When the last part is in, upload.lock is removed and completion is
    // scheduled. The answer is given once the part is durable.
    // Second generation, after completion: the same bytes as received -> {completed: true,
    // remaining: []} with nothing changed (the file is left for the transport to discard); other
    // bytes -> 400. Its md5 refusals say how to resume.
    UploadState AcceptPart(const UploadTicket& ticket, const ReceivedFile& file);

    // GET .../submission/upload: the state the last AcceptPart returned (remaining in manifest
    // order; completed once every part is in, also after completion). 404/403 as above.
    UploadState UploadStatus(const domain::User& user, domain::ChallengeId challenge_id,
                             std::string_view submission_id);
    // The same state of a submission already located.
    UploadState UploadStatusOf(const std::string& submission_id) const;

    // DELETE /submissions/{id}/remove (second generation): the owner withdraws a submission whose
    // upload is not complete; its row and folder go. 404/403 as above; 400 {"message"} once every
    // part is in (it is then the organisers' to remove).
    void Withdraw(const domain::User& user, std::string_view submission_id);

    UploadCounts upload_counts() const;

private:
    std::string CreateChecked(const domain::User& owner, const CreateRequest& request,
                              const std::function<domain::Challenge(db::Connection&)>& find);
    void CheckLimits(db::Connection& conn, const domain::User& owner, domain::ChallengeId challenge_id) const;
    std::string InsertWithFolder(const domain::User& owner, const domain::Challenge& challenge,
                                 const CreateRequest& request, bool check_limits);
    UploadState AcceptManifestPart(const UploadTicket& ticket, const ReceivedFile& file);
    UploadState AcceptArchive(const UploadTicket& ticket, const ReceivedFile& file);
    [[noreturn]] void RejectHash(const UploadTicket& ticket, const ReceivedFile& file);
    UploadState AcceptResend(const UploadTicket& ticket, const ReceivedFile& file);
    void CheckModel(db::Connection& conn, const domain::User& owner, const std::string& model_id) const;
    void FinishUpload(const std::string& submission_id);
    void CountAccepted(const ReceivedFile& file);

    Records& records_;
    const settings::Settings& settings_;
    CompletionService& completion_;
    std::atomic<std::uint64_t> accepted_parts_{0};
    std::atomic<std::uint64_t> accepted_bytes_{0};
    std::atomic<std::uint64_t> rejected_parts_{0};
};

}  // namespace zr::submissions
