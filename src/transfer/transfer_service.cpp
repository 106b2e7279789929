#include "transfer/transfer_service.hpp"

#include <algorithm>
#include <system_error>

#include "common/error.hpp"
#include "common/strings.hpp"
#include "crypto/crypto.hpp"
#include "db/evaluation_job_repository.hpp"
#include "storage/zip_extract.hpp"

namespace zr::transfer {
namespace fs = std::filesystem;
namespace {

Error Unauthenticated(std::string message) { return Error::Detail(ErrorKind::kUnauthenticated, std::move(message)); }

std::string StateList(std::initializer_list<domain::JobState> states) {
    std::string out;
    for (auto state : states) out += (out.empty() ? "" : " or ") + std::string(domain::ToString(state));
    return out;
}

}  // namespace

TransferService::TransferService(db::Database& db, const storage::SubmissionStore& store,
                                 const settings::Settings& settings, const Clock& clock)
    : db_(db), clock_(clock), store_(store), settings_(settings) {}

bool TransferService::Enabled() const { return !settings_.worker_token.empty(); }

void TransferService::Authorize(std::optional<std::string_view> token) const {
    if (!Enabled()) throw Error::Detail(ErrorKind::kNotFound, "Not Found");
    if (!token) throw Unauthenticated("Not authenticated");
    // Digests have one length whatever the token's: the comparison time tells nothing about it.
    if (!crypto::ConstantTimeEquals(crypto::Md5Hex(*token), crypto::Md5Hex(settings_.worker_token))) {
        throw Unauthenticated("Invalid worker token");
    }
}

TransferService::Located TransferService::Locate(std::string_view job_id) {
    auto conn = db_.Acquire();
    db::EvaluationJobRepository jobs(*conn);
    const auto row = jobs.Find(job_id);
    if (!row) throw Error::Detail(ErrorKind::kNotFound, "Job not found");
    const auto current = jobs.FindCurrent(row->submission_id);
    return {{row->id, row->submission_id, row->state, row->attempts, db::QuietSeconds(*row, clock_.Now())},
            current && current->id == row->id};
}

JobView TransferService::Require(std::string_view job_id, std::initializer_list<domain::JobState> states) {
    Located located = Locate(job_id);
    if (!located.current) {
        throw Error::Detail(ErrorKind::kConflict, "Job " + located.job.job_id + " is no longer its submission's job");
    }
    if (std::find(states.begin(), states.end(), located.job.state) == states.end()) {
        throw Error::Detail(ErrorKind::kConflict, "Job " + located.job.job_id + " is " +
                                                      std::string(domain::ToString(located.job.state)) + ", not " +
                                                      StateList(states));
    }
    return located.job;
}

JobView TransferService::Job(std::string_view job_id) { return Locate(job_id).job; }

InputArchive TransferService::Input(std::string_view job_id) {
    const JobView job = Require(job_id, {domain::JobState::kQueued, domain::JobState::kRunning});
    if (!store_.HasArchive(job.submission_id)) {
        throw Error::Detail(ErrorKind::kNotFound, "The submission has no input archive");
    }
    InputArchive archive{store_.ArchivePath(job.submission_id),
                         store_.ExpectedArchiveMd5(job.submission_id).value_or("")};
    if (archive.md5.empty()) throw std::runtime_error("no archive hash for submission " + job.submission_id);
    return archive;
}

void TransferService::AppendLog(std::string_view job_id, std::string_view text) {
    if (text.size() > kMaxLogBytes) {
        throw Error::Detail(ErrorKind::kTooLarge,
                            "A log chunk holds at most " + std::to_string(kMaxLogBytes) + " bytes");
    }
    const JobView job = Require(job_id, {domain::JobState::kRunning});
    if (text.empty()) return;
    std::lock_guard lock(log_mutex_);
    store_.AppendRawLog(job.submission_id, text);
}

ScoresTicket TransferService::PrepareScores(std::string_view job_id) {
    return {Require(job_id, {domain::JobState::kRunning})};
}

SpoolFile TransferService::NewSpoolFile(const ScoresTicket& ticket) const {
    return store_.NewSpoolFile(ticket.job.submission_id);
}

void TransferService::DiscardSpoolFile(const fs::path& path) const noexcept { store_.DiscardSpoolFile(path); }

ScoresReceived TransferService::AcceptScores(const ScoresTicket& ticket, const fs::path& zip, std::string_view zip_md5,
                                             std::string_view expected_md5) {
    const JobView& job = ticket.job;
    if (!crypto::ConstantTimeEquals(ToLower(zip_md5), ToLower(expected_md5))) {
        throw Error::Detail(ErrorKind::kInvalidInput, "The md5 of the scores archive does not match the declared md5");
    }
    const storage::UnzipLimits limits{settings_.unzip_max_bytes, settings_.unzip_max_entries,
                                      settings_.unzip_max_ratio};
    storage::UnzipResult unzipped;
    std::string tag;
    try {
        tag = store_.StageScores(job.submission_id, zip, limits, &unzipped);
    } catch (const storage::UnzipRefused& e) {
        throw Error::Detail(ErrorKind::kInvalidInput, std::string("The scores archive was refused: ") + e.what());
    }
    try {
        std::lock_guard lock(scores_mutex_);
        // Canceled or finished while we unzipped: keep the scores as they are.
        Require(job.job_id, {domain::JobState::kRunning});
        store_.PublishScores(job.submission_id, tag);
    } catch (...) {
        store_.DiscardStagedScores(job.submission_id, tag);
        throw;
    }
    return {ToLower(zip_md5), unzipped.entries, unzipped.bytes};
}

}  // namespace zr::transfer
