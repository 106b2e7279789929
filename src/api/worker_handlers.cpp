// /worker/jobs/*: remote evaluation workers (ZR_WORKER_TOKEN) fetch input and send back log and
// scores. The logic is in transfer::TransferService; these parse and serialise.
#include <cmath>

#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "common/error.hpp"

// The routes declare Auth::kWorkerToken: the token was checked (404 with the feature off, 401)
// before anything here runs.
namespace zr::api {
namespace {

const std::string& JobId(const http::Request& request) { return request.path_params.at("job_id"); }

// The ticket of a scores upload (TransferService::PrepareScores), and where the zip is written.
class ScoresUpload final : public http::UploadTarget {
public:
    ScoresUpload(transfer::TransferService& transfer, transfer::ScoresTicket ticket, std::string md5)
        : transfer_(transfer), ticket_(std::move(ticket)), md5_(std::move(md5)) {}
    SpoolFile CreateFile() override { return transfer_.NewSpoolFile(ticket_); }
    void DiscardFile(const std::filesystem::path& path) noexcept override { transfer_.DiscardSpoolFile(path); }
    const transfer::ScoresTicket& ticket() const { return ticket_; }
    const std::string& declared_md5() const { return md5_; }

private:
    transfer::TransferService& transfer_;
    transfer::ScoresTicket ticket_;
    std::string md5_;
};

}  // namespace

http::Response WorkerJob(ApiContext& ctx, http::Request& request) {
    const auto job = ctx.transfer.Job(JobId(request));
    nlohmann::json body = {{"job_id", job.job_id},
                           {"submission_id", job.submission_id},
                           {"state", domain::ToString(job.state)},
                           {"attempts", job.attempts},
                           {"quiet_seconds", nullptr}};
    if (job.quiet_seconds) body["quiet_seconds"] = std::round(*job.quiet_seconds * 10) / 10;
    return http::Response::Json(200, body);
}

http::Response WorkerJobInput(ApiContext& ctx, http::Request& request) {
    const auto archive = ctx.transfer.Input(JobId(request));
    http::Response response;
    response.content_type = "application/zip";
    response.file = archive.path;
    response.headers.emplace_back("X-Content-MD5", archive.md5);
    return response;
}

http::Response WorkerJobLog(ApiContext& ctx, http::Request& request) {
    ctx.transfer.AppendLog(JobId(request), request.body);
    return http::Response::Json(200, {{"appended", request.body.size()}});
}

std::shared_ptr<http::UploadTarget> PrepareWorkerScores(ApiContext& ctx, http::Request& request) {
    Fields query = Fields::FromQuery(request);
    std::string md5 = query.RequiredString("md5");
    query.ThrowIfInvalid();
    return std::make_shared<ScoresUpload>(ctx.transfer, ctx.transfer.PrepareScores(JobId(request)), std::move(md5));
}

http::Response WorkerJobScores(ApiContext& ctx, http::Request& request) {
    const auto& upload = UploadOf<ScoresUpload>(request);
    const http::UploadedFile* file = FileField(request, "file_data");
    if (file == nullptr) throw Error::Validation({{{"body", "file_data"}, "field required", "value_error.missing"}});
    const auto received = ctx.transfer.AcceptScores(upload.ticket(), file->path, file->md5, upload.declared_md5());
    return http::Response::Json(
        200,
        {{"job_id", JobId(request)}, {"md5", received.md5}, {"entries", received.entries}, {"bytes", received.bytes}});
}

}  // namespace zr::api
