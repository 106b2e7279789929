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

constexpr std::string_view kBearer = "Bearer ";

Error Unauthenticated(std::string message) { return Error::Detail(ErrorKind::kUnauthenticated, std::move(message)); }

std::string StateList(std::initializer_list<std::string_view> states) {
    std::string out;
    for (auto state : states) out += (out.empty() ? "" : " or ") + std::string(state);
    return out;
}

// Removes a folder on scope exit unless released (a staging folder whose swap failed).
class FolderGuard {
public:
    explicit FolderGuard(fs::path path) : path_(std::move(path)) {}
    ~FolderGuard() {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
    }
    FolderGuard(const FolderGuard&) = delete;
    FolderGuard& operator=(const FolderGuard&) = delete;
    void Release() { path_.clear(); }

private:
    fs::path path_;
};

}  // namespace

TransferService::TransferService(db::Database& db, const storage::SubmissionStore& store,
                                 const settings::Settings& settings)
    : db_(db), store_(store), settings_(settings) {}

bool TransferService::Enabled() const { return !settings_.worker_token.empty(); }

void TransferService::Authorize(std::optional<std::string_view> authorization) const {
    if (!Enabled()) throw Error::Detail(ErrorKind::kNotFound, "Not Found");
    if (!authorization || !authorization->starts_with(kBearer)) throw Unauthenticated("Not authenticated");
    const std::string_view token = Trim(authorization->substr(kBearer.size()));
    // Digests have one length whatever the token's: the comparison time tells nothing about it.
    if (!crypto::ConstantTimeEquals(crypto::Md5Hex(token), crypto::Md5Hex(settings_.worker_token))) {
        throw Unauthenticated("Invalid worker token");
    }
}

TransferService::Located TransferService::Locate(std::string_view job_id) {
    auto conn = db_.Acquire();
    db::EvaluationJobRepository jobs(*conn);
    const auto row = jobs.Find(job_id);
    if (!row) throw Error::Detail(ErrorKind::kNotFound, "Job not found");
    const auto current = jobs.FindCurrent(row->submission_id);
    return {{row->id, row->submission_id, row->state}, current && current->id == row->id};
}

JobView TransferService::Require(std::string_view job_id, std::initializer_list<std::string_view> states) {
    Located located = Locate(job_id);
    if (!located.current) {
        throw Error::Detail(ErrorKind::kConflict, "Job " + located.job.job_id + " is no longer its submission's job");
    }
    if (std::find(states.begin(), states.end(), located.job.state) == states.end()) {
        throw Error::Detail(ErrorKind::kConflict,
                            "Job " + located.job.job_id + " is " + located.job.state + ", not " + StateList(states));
    }
    return located.job;
}

JobView TransferService::Job(std::string_view job_id) { return Locate(job_id).job; }

InputArchive TransferService::Input(std::string_view job_id) {
    const JobView job = Require(job_id, {"queued", "running"});
    InputArchive archive{store_.ArchivePath(job.submission_id), {}};
    std::error_code ec;
    if (!fs::is_regular_file(archive.path, ec)) {
        throw Error::Detail(ErrorKind::kNotFound, "The submission has no input archive");
    }
    if (auto hash = store_.ReadArchiveHash(job.submission_id)) {
        archive.md5 = ToLower(*hash);
    } else if (auto manifest = store_.ReadManifest(job.submission_id)) {
        archive.md5 = ToLower(manifest->merge_hash);
    }
    if (archive.md5.empty()) throw std::runtime_error("no archive hash for submission " + job.submission_id);
    return archive;
}

void TransferService::AppendLog(std::string_view job_id, std::string_view text) {
    if (text.size() > kMaxLogBytes) {
        throw Error::Detail(ErrorKind::kTooLarge,
                            "A log chunk holds at most " + std::to_string(kMaxLogBytes) + " bytes");
    }
    const JobView job = Require(job_id, {"running"});
    if (text.empty()) return;
    std::lock_guard lock(log_mutex_);
    store_.AppendRawLog(job.submission_id, text);
}

fs::path TransferService::PrepareScores(std::string_view job_id) {
    const JobView job = Require(job_id, {"running"});
    const fs::path spool = store_.TmpDir(job.submission_id);
    fs::create_directories(spool);
    return spool;
}

ScoresReceived TransferService::AcceptScores(std::string_view job_id, const fs::path& zip, std::string_view zip_md5,
                                             std::string_view expected_md5) {
    const JobView job = Require(job_id, {"running"});
    if (!crypto::ConstantTimeEquals(ToLower(zip_md5), ToLower(expected_md5))) {
        throw Error::Detail(ErrorKind::kInvalidInput, "The md5 of the scores archive does not match the declared md5");
    }
    // A random tag: concurrent uploads of one job never share a staging folder.
    const std::string tag = crypto::ToHex(crypto::RandomBytes(8));
    const fs::path staging = store_.PartialScoresDir(job.submission_id, tag);
    FolderGuard guard(staging);
    const storage::UnzipLimits limits{settings_.unzip_max_bytes, settings_.unzip_max_entries,
                                      settings_.unzip_max_ratio};
    storage::UnzipResult unzipped;
    try {
        unzipped = storage::ExtractZip(zip, staging, limits);
    } catch (const storage::UnzipRefused& e) {
        throw Error::Detail(ErrorKind::kInvalidInput, std::string("The scores archive was refused: ") + e.what());
    }
    std::lock_guard lock(scores_mutex_);
    Require(job_id, {"running"});  // canceled or finished while we unzipped: keep the scores as they are
    store_.PublishScores(job.submission_id, tag);
    guard.Release();
    return {ToLower(zip_md5), unzipped.entries, unzipped.bytes};
}

}  // namespace zr::transfer
