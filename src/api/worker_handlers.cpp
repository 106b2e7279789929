// /worker/jobs/*: remote evaluation workers (ZR_WORKER_TOKEN) fetch input and send back log and
// scores. The logic is in transfer::TransferService; these parse and serialise.
#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "common/error.hpp"

namespace zr::api {
namespace {

// Authorisation first: with the feature off every worker route is an unknown path (404).
const std::string& AuthorizedJobId(ApiContext& ctx, const http::Request& request) {
    ctx.transfer.Authorize(request.Header("authorization"));
    return request.path_params.at("job_id");
}

}  // namespace

http::Response WorkerJob(ApiContext& ctx, http::Request& request) {
    const auto job = ctx.transfer.Job(AuthorizedJobId(ctx, request));
    return http::Response::Json(200,
                                {{"job_id", job.job_id}, {"submission_id", job.submission_id}, {"state", job.state}});
}

http::Response WorkerJobInput(ApiContext& ctx, http::Request& request) {
    const auto archive = ctx.transfer.Input(AuthorizedJobId(ctx, request));
    http::Response response;
    response.content_type = "application/zip";
    response.file = archive.path;
    response.headers.emplace_back("X-Content-MD5", archive.md5);
    return response;
}

http::Response WorkerJobLog(ApiContext& ctx, http::Request& request) {
    const std::string& job_id = AuthorizedJobId(ctx, request);
    ctx.transfer.AppendLog(job_id, request.body);
    return http::Response::Json(200, {{"appended", request.body.size()}});
}

std::filesystem::path PrepareWorkerScores(ApiContext& ctx, http::Request& request) {
    const std::string& job_id = AuthorizedJobId(ctx, request);
    Fields query = Fields::FromQuery(request);
    query.RequiredString("md5");
    query.ThrowIfInvalid();
    return ctx.transfer.PrepareScores(job_id);
}

http::Response WorkerJobScores(ApiContext& ctx, http::Request& request) {
    const std::string& job_id = AuthorizedJobId(ctx, request);
    Fields query = Fields::FromQuery(request);
    const std::string md5 = query.RequiredString("md5");
    query.ThrowIfInvalid();
    const http::UploadedFile* file = nullptr;
    for (const auto& uploaded : request.files) {
        if (uploaded.field == "file_data") file = &uploaded;
    }
    if (file == nullptr) throw Error::Validation({{{"body", "file_data"}, "field required", "value_error.missing"}});
    const auto received = ctx.transfer.AcceptScores(job_id, file->path, file->md5, md5);
    return http::Response::Json(
        200, {{"job_id", job_id}, {"md5", received.md5}, {"entries", received.entries}, {"bytes", received.bytes}});
}

}  // namespace zr::api
