// /challenges/{id}/submission/* and /users/submissions/*: a participant's submissions.
#include <map>

#include "api/fields.hpp"
#include "api/handlers.hpp"
#include "api/part_upload.hpp"
#include "api/submission_request.hpp"
#include "common/error.hpp"

namespace zr::api {
namespace {

using submissions::SubmissionView;

struct UploadTarget {
    domain::ChallengeId challenge_id = 0;
    std::string submission_id;
    std::string part_name;
};

// challenge_id from the path, submission_id (and part_name when `with_part`) from the query.
UploadTarget ReadUploadTarget(const http::Request& request, bool with_part) {
    UploadTarget target;
    target.challenge_id = PathInt(request, "challenge_id");
    Fields query = Fields::FromQuery(request);
    target.submission_id = query.RequiredString("submission_id");
    if (with_part) target.part_name = query.RequiredString("part_name");
    query.ThrowIfInvalid();
    return target;
}

nlohmann::json ToJson(const submissions::UploadState& state) {
    return {{"completed", state.completed}, {"remaining", state.remaining}};
}

nlohmann::json SummaryJson(const SubmissionView& view) {
    return {{"submission_id", view.submission.id},
            {"track_label", view.challenge.label},
            {"track_id", view.challenge.id},
            {"status", domain::ToString(view.submission.status)}};
}

// "<executor> <script> <arguments...>", the command the evaluation runs; "" without evaluator.
std::string EvaluatorCommand(const std::optional<domain::Evaluator>& evaluator) {
    if (!evaluator) return {};
    std::string command = evaluator->executor + " " + evaluator->script_path;
    std::string_view arguments = evaluator->base_arguments;
    while (!arguments.empty()) {
        const auto end = arguments.find(';');
        const auto argument = arguments.substr(0, end);
        if (!argument.empty()) command += " " + std::string(argument);
        if (end == std::string_view::npos) break;
        arguments.remove_prefix(end + 1);
    }
    return command;
}

nlohmann::json DetailJson(const SubmissionView& view) {
    nlohmann::json leaderboards = nlohmann::json::array();
    for (const auto& board : view.leaderboards) leaderboards.push_back({board.label, board.id});
    return {{"submission_id", view.submission.id},
            {"user_id", view.submission.user_id},
            {"username", view.username},
            {"track_label", view.challenge.label},
            {"track_id", view.challenge.id},
            {"status", domain::ToString(view.submission.status)},
            // The day ("2021-03-31"): the first implementation's model declared `date: date`, and
            // pydantic v1 turned the stored datetime into its date.
            {"date", FormatDate(LocalDate(view.submission.submit_date))},
            {"evaluator_label", view.evaluator ? view.evaluator->label : std::string()},
            {"evaluator_cmd", EvaluatorCommand(view.evaluator)},
            {"leaderboards", std::move(leaderboards)}};
}

// GET .../status?details=true: {"status", "queue_position", "failure": {"kind", "reason",
// "counts_toward_limit"} | null, "evaluations", "score_versions"}.
nlohmann::json DetailsJson(const submissions::StatusDetails& details) {
    nlohmann::json failure;
    if (details.failure) {
        failure = {{"kind", details.failure->kind ? nlohmann::json(domain::ToString(*details.failure->kind))
                                                  : nlohmann::json()},
                   {"reason", details.failure->reason},
                   {"counts_toward_limit", details.failure->counts_toward_limit}};
    }
    return {{"status", domain::ToString(details.status)},
            {"queue_position", details.queue_position ? nlohmann::json(*details.queue_position) : nlohmann::json()},
            {"failure", std::move(failure)},
            {"evaluations", details.evaluations},
            {"score_versions", details.score_versions}};
}

}  // namespace

const std::string& SubmissionIdParam(const http::Request& request) { return request.path_params.at("submission_id"); }

http::Response CreateSubmission(ApiContext& ctx, http::Request& request, Fields body) {
    const auto& caller = CallerOf(request);
    const auto challenge_id = PathInt(request, "challenge_id");
    const auto create = ParseCreateRequest(std::move(body));
    return http::Response::Json(200, ctx.uploads.Create(caller.user, challenge_id, create));
}

std::shared_ptr<http::UploadTarget> PrepareSubmissionUpload(ApiContext& ctx, http::Request& request) {
    const auto& caller = CallerOf(request);
    const auto target = ReadUploadTarget(request, true);
    return std::make_shared<PartUpload>(
        ctx.uploads, ctx.uploads.PrepareUpload(caller.user, target.challenge_id, target.submission_id, target.part_name,
                                               request.content_length));
}

// The prepare step located the submission and checked the caller and the part: the ticket is all
// this needs, nothing is looked up again.
http::Response UploadSubmissionPart(ApiContext& ctx, http::Request& request) {
    const auto& upload = UploadOf<PartUpload>(request);
    // The zrc client names its file field "file": one upload engine takes both names.
    const http::UploadedFile* file = FileField(request, "file_data");
    if (file == nullptr) file = FileField(request, "file");
    if (file == nullptr) throw Error::Validation({{{"body", "file_data"}, "field required", "value_error.missing"}});
    const submissions::ReceivedFile received{file->path, file->size, file->md5};
    return http::Response::Json(200, ToJson(ctx.uploads.AcceptPart(upload.ticket(), received)));
}

http::Response SubmissionUploadState(ApiContext& ctx, http::Request& request) {
    const auto& caller = CallerOf(request);
    const auto target = ReadUploadTarget(request, false);
    const auto state = ctx.uploads.UploadStatus(caller.user, target.challenge_id, target.submission_id);
    return http::Response::Json(200, ToJson(state));
}

http::Response ListUserSubmissions(ApiContext& ctx, http::Request& request) {
    const auto& caller = CallerOf(request);
    nlohmann::json out = nlohmann::json::object();
    for (const auto& view : ctx.submissions.ListForUser(caller.user, std::nullopt)) {
        out[view.challenge.label].push_back(SummaryJson(view));
    }
    return http::Response::Json(200, out);
}

http::Response ListUserTrackSubmissions(ApiContext& ctx, http::Request& request) {
    const auto& caller = CallerOf(request);
    const auto track_id = PathInt(request, "track_id");
    nlohmann::json out = nlohmann::json::array();
    for (const auto& view : ctx.submissions.ListForUser(caller.user, track_id)) out.push_back(SummaryJson(view));
    return http::Response::Json(200, out);
}

http::Response GetUserSubmission(ApiContext& ctx, http::Request& request) {
    const auto& caller = CallerOf(request);
    return http::Response::Json(200, DetailJson(ctx.submissions.Get(caller.user, SubmissionIdParam(request))));
}

http::Response UserSubmissionStatus(ApiContext& ctx, http::Request& request) {
    const auto& caller = CallerOf(request);
    Fields query = Fields::FromQuery(request);
    const bool details = query.OptionalBool("details").value_or(false);
    query.ThrowIfInvalid();
    const auto status = ctx.submissions.Details(caller.user, SubmissionIdParam(request));
    if (details) return http::Response::Json(200, DetailsJson(status));
    auto response = http::Response::Json(200, domain::ToString(status.status));
    if (status.queue_position)
        response.headers.emplace_back("X-Queue-Position", std::to_string(*status.queue_position));
    return response;
}

http::Response UserSubmissionLog(ApiContext& ctx, http::Request& request) {
    const auto& caller = CallerOf(request);
    return http::Response::Json(200, ctx.submissions.LogLines(caller.user, SubmissionIdParam(request)));
}

http::Response UserSubmissionScores(ApiContext& ctx, http::Request& request) {
    const auto& caller = CallerOf(request);
    return http::Response::Json(200, ctx.submissions.Scores(caller.user, SubmissionIdParam(request)));
}

}  // namespace zr::api
