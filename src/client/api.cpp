#include "client/api.hpp"

#include "common/strings.hpp"

namespace zr::client {
namespace {

constexpr std::size_t kMaxMessage = 300;

// One line of at most kMaxMessage characters of a server's answer.
std::string Excerpt(std::string text) {
    text = OneLine(std::move(text));
    if (text.size() > kMaxMessage) text = text.substr(0, kMaxMessage) + "...";
    return text;
}

// "field: msg; other: msg" from FastAPI's 422 list.
std::string DescribeIssues(const nlohmann::json& issues) {
    std::string text;
    for (const auto& issue : issues) {
        if (!text.empty()) text += "; ";
        std::string field;
        if (issue.contains("loc") && issue["loc"].is_array() && !issue["loc"].empty()) {
            const auto& last = issue["loc"].back();
            field = last.is_string() ? last.get<std::string>() : last.dump();
        }
        std::string msg =
            issue.contains("msg") && issue["msg"].is_string() ? issue["msg"].get<std::string>() : issue.dump();
        if (!field.empty()) text.append(field).append(": ");
        text += msg;
    }
    return text;
}

nlohmann::json ParseJson(const std::string& body) {
    return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

HttpResponse Require2xx(HttpResponse response) {
    if (response.status < 200 || response.status >= 300) {
        throw ApiError(response.status, DescribeErrorBody(response.body));
    }
    return response;
}

}  // namespace

ApiError::ApiError(long status, const std::string& message)
    : std::runtime_error(message + " (HTTP " + std::to_string(status) + ")"), status_(status), message_(message) {}

bool ApiError::hash_mismatch() const { return status_ == 400 && ToLower(message_).find("hash") != std::string::npos; }

std::string DescribeErrorBody(const std::string& body) {
    auto json = ParseJson(body);
    if (json.is_object()) {
        for (const char* key : {"message", "detail"}) {
            if (!json.contains(key)) continue;
            const auto& value = json[key];
            if (value.is_string()) return Excerpt(value.get<std::string>());
            if (value.is_array()) return Excerpt(DescribeIssues(value));
        }
    }
    if (json.is_string()) return Excerpt(json.get<std::string>());
    std::string text = Excerpt(body);
    return text.empty() ? "no explanation from the server" : text;
}

nlohmann::json ToJson(const SubmissionRequest& request) {
    nlohmann::json body = {{"filename", request.filename}, {"hash", request.hash}, {"multipart", request.multipart}};
    if (request.multipart) {
        body["index"] = nlohmann::json::array();
        for (const auto& part : request.index) {
            body["index"].push_back(
                {{"file_name", part.file_name}, {"file_size", part.file_size}, {"file_hash", part.file_hash}});
        }
    }
    return body;
}

UploadState ParseUploadState(long status, const std::string& body) {
    auto json = ParseJson(body);
    if (!json.is_object() || !json.contains("completed") || !json["completed"].is_boolean()) {
        throw ApiError(status, "unexpected answer to an upload: " + Excerpt(body));
    }
    UploadState state;
    state.completed = json["completed"].get<bool>();
    if (json.contains("remaining") && json["remaining"].is_array()) {
        for (const auto& name : json["remaining"]) {
            if (name.is_string()) state.remaining.push_back(name.get<std::string>());
        }
    }
    return state;
}

std::string Api::Login(const std::string& username, const std::string& password) {
    auto response = Require2xx(http_.PostForm("/auth/login", {{"username", username}, {"password", password}}));
    auto json = ParseJson(response.body);
    if (!json.is_object() || !json.contains("access_token") || !json["access_token"].is_string()) {
        throw ApiError(response.status, "unexpected answer to the login: " + Excerpt(response.body));
    }
    std::string token = json["access_token"].get<std::string>();
    http_.SetToken(token);
    return token;
}

std::vector<ChallengeSummary> Api::OpenChallenges() {
    auto response = Require2xx(http_.Get("/challenges/?include_inactive=false"));
    auto json = ParseJson(response.body);
    if (!json.is_array()) throw ApiError(response.status, "unexpected list of challenges: " + Excerpt(response.body));
    std::vector<ChallengeSummary> challenges;
    for (const auto& item : json) {
        if (item.is_object() && item.contains("id") && item["id"].is_number_integer() && item.contains("label") &&
            item["label"].is_string()) {
            challenges.push_back({item["id"].get<std::int64_t>(), item["label"].get<std::string>()});
        }
    }
    return challenges;
}

std::string Api::CreateSubmission(std::int64_t challenge_id, const SubmissionRequest& request) {
    auto response = Require2xx(
        http_.PostJson("/challenges/" + std::to_string(challenge_id) + "/submission/create", ToJson(request)));
    auto json = ParseJson(response.body);
    if (json.is_string() && !json.get<std::string>().empty()) return json.get<std::string>();
    if (json.is_number_integer()) return std::to_string(json.get<std::int64_t>());
    throw ApiError(response.status, "unexpected submission id: " + Excerpt(response.body));
}

std::string Api::UploadTarget(std::int64_t challenge_id, const std::string& submission_id) const {
    return "/challenges/" + std::to_string(challenge_id) +
           "/submission/upload?submission_id=" + PercentEncode(submission_id);
}

UploadState Api::UploadPart(std::int64_t challenge_id, const std::string& submission_id, const PartInfo& part,
                            const std::filesystem::path& file, const std::function<void(std::uint64_t)>& on_sent) {
    auto target = UploadTarget(challenge_id, submission_id) + "&part_name=" + PercentEncode(part.file_name);
    auto response = Require2xx(http_.PutFile(target, "file_data", file, part.file_name, on_sent));
    return ParseUploadState(response.status, response.body);
}

std::optional<UploadState> Api::QueryUploadState(std::int64_t challenge_id, const std::string& submission_id) {
    auto response = http_.Get(UploadTarget(challenge_id, submission_id));
    if (response.status == 405) return std::nullopt;
    if (response.status == 404) {
        // A missing route answers {"detail": "Not Found"}; an unknown submission a {"message"}.
        auto json = ParseJson(response.body);
        if (!json.is_object() || !json.contains("message")) return std::nullopt;
    }
    response = Require2xx(std::move(response));
    return ParseUploadState(response.status, response.body);
}

}  // namespace zr::client
