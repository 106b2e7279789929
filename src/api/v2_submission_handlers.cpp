// The second generation's submission routes (api-v2.md P1-e/f/g, section 1.4 rows 11, 21-26):
// the same services as the first generation's, with v2's names at this edge.
#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "api/part_upload.hpp"
#include "api/submission_request.hpp"
#include "api/v2_json.hpp"
#include "common/error.hpp"

namespace zr::api {
namespace {

nlohmann::json SubmissionItems(const std::vector<submissions::SubmissionView>& views, bool with_user) {
    return v2::ItemsJson(views, [with_user](const submissions::SubmissionView& view) {
        return v2::SubmissionJson(view.submission, view.challenge, with_user);
    });
}

}  // namespace

http::Response CreateSubmissionV2(ApiContext& ctx, http::Request& request, Fields body) {
    auto create = ParseSecondGenerationCreate(std::move(body));
    const auto& caller = PathOwner(request);
    std::string id;
    try {
        id = ctx.uploads.CreateByLabel(caller.user, create.benchmark_label, create.request);
    } catch (const Error& e) {
        throw WithSecondGenerationKeys(e);
    }
    const auto view = ctx.submissions.Find(id);
    return http::Response::Json(200, {{"status", domain::ToString(view.submission.status)},
                                      {"benchmark", view.challenge.label},
                                      {"user", caller.user.username},
                                      {"submission_id", id},
                                      {"auto_eval", view.submission.EffectiveAutoEval(view.challenge)}});
}

std::shared_ptr<http::UploadTarget> PrepareContentAdd(ApiContext& ctx, http::Request& request) {
    const auto& caller = CallerOf(request);
    Fields query = Fields::FromQuery(request);
    const std::string part_name = query.RequiredString("part_name");
    query.ThrowIfInvalid();
    return std::make_shared<PartUpload>(
        ctx.uploads, ctx.uploads.PrepareUpload(caller.user, std::nullopt, SubmissionIdParam(request), part_name,
                                               request.content_length, submissions::UploadRoute::kSecondGeneration));
}

// zrc names its file field "file", the first generation's scripts "file_data": both are taken.
http::Response AddContent(ApiContext& ctx, http::Request& request) {
    const auto& upload = UploadOf<PartUpload>(request);
    const http::UploadedFile* file = FileField(request, "file");
    if (file == nullptr) file = FileField(request, "file_data");
    if (file == nullptr) throw Error::Validation({{{"body", "file"}, "field required", "value_error.missing"}});
    const submissions::ReceivedFile received{file->path, file->size, file->md5};
    const auto state = ctx.uploads.AcceptPart(upload.ticket(), received);
    return http::Response::Json(200, {{"completed", state.completed}, {"remaining", state.remaining}});
}

// Public: zrc asks it without a token. Only these two fields.
http::Response ContentStatus(ApiContext& ctx, http::Request& request) {
    const auto view = ctx.submissions.Find(SubmissionIdParam(request));
    return http::Response::Json(
        200, {{"submission_id", view.submission.id}, {"status", domain::ToString(view.submission.status)}});
}

// The owner sees their submission in any status; anyone else a published one, without its owner.
http::Response SubmissionInfo(ApiContext& ctx, http::Request& request) {
    const auto* caller = OptionalCallerOf(request);
    const auto view = ctx.submissions.Find(SubmissionIdParam(request));
    const bool mine = caller != nullptr && caller->user.id == view.submission.user_id;
    if (!mine && view.submission.status != domain::SubmissionStatus::kCompleted) {
        throw Error::Message(ErrorKind::kNotFound,
                             "There is no submission with the following id: " + SubmissionIdParam(request));
    }
    return http::Response::Json(200, v2::SubmissionJson(view.submission, view.challenge, mine));
}

http::Response SubmissionScoresV2(ApiContext& ctx, http::Request& request) {
    const auto* caller = OptionalCallerOf(request);
    return http::Response::Json(
        200, ctx.submissions.ScoresOf(caller != nullptr ? &caller->user : nullptr, SubmissionIdParam(request)));
}

http::Response ListPublishedSubmissions(ApiContext& ctx, http::Request&) {
    return http::Response::Json(200, SubmissionItems(ctx.submissions.ListPublished(), false));
}

http::Response ListOwnSubmissionsV2(ApiContext& ctx, http::Request& request) {
    const auto& caller = PathOwner(request);
    return http::Response::Json(200, SubmissionItems(ctx.submissions.ListForUser(caller.user, std::nullopt), true));
}

http::Response RemoveSubmission(ApiContext& ctx, http::Request& request) {
    const auto& caller = CallerOf(request);
    ctx.uploads.Withdraw(caller.user, SubmissionIdParam(request));
    return http::Response::Json(200, {{"submission_id", SubmissionIdParam(request)}, {"removed", true}});
}

}  // namespace zr::api
