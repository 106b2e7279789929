#pragma once
// The endpoints of the Zerospeech API that `zr submit` uses, typed. Works against this service
// and the first implementation (same paths and bodies; see spec api.md and pipeline.md 1-2).
// Not thread-safe (one HttpClient).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "client/http_client.hpp"
#include "client/parts.hpp"

namespace zr::client {

// The server answered with an error status. what() is "<message> (HTTP <status>)", the message
// taken from the body ({"message"}, {"detail"} or a 422 list).
class ApiError : public std::runtime_error {
public:
    ApiError(long status, const std::string& message);
    long status() const { return status_; }
    const std::string& message() const { return message_; }
    bool server_side() const { return status_ >= 500; }
    // 400 saying the uploaded part's md5 is wrong (the part is worth sending again).
    bool hash_mismatch() const;

private:
    long status_;
    std::string message_;
};

// The readable message of an error answer's body (one line, at most ~300 characters).
std::string DescribeErrorBody(const std::string& body);

struct ChallengeSummary {
    std::int64_t id = 0;
    std::string label;
};

struct UploadState {
    bool completed = false;
    std::vector<std::string> remaining;  // part names, manifest order
};

// The body of POST /challenges/{id}/submission/create.
struct SubmissionRequest {
    std::string filename;
    std::string hash;
    bool multipart = false;
    std::vector<PartInfo> index;  // multipart only
};
nlohmann::json ToJson(const SubmissionRequest& request);
// {"completed": bool, "remaining": [names]}; ApiError(status, ...) when the shape is wrong.
UploadState ParseUploadState(long status, const std::string& body);

// Every call throws TransportError when no answer arrives and ApiError for an error status.
class Api {
public:
    explicit Api(HttpClient& http) : http_(http) {}

    // POST /auth/login (form); returns the bearer token and uses it from then on.
    std::string Login(const std::string& username, const std::string& password);
    // GET /challenges/: the open challenges.
    std::vector<ChallengeSummary> OpenChallenges();
    // POST /challenges/{id}/submission/create; returns the new submission id.
    std::string CreateSubmission(std::int64_t challenge_id, const SubmissionRequest& request);
    // PUT /challenges/{id}/submission/upload (multipart/form-data, field "file_data", streamed).
    UploadState UploadPart(std::int64_t challenge_id, const std::string& submission_id, const PartInfo& part,
                           const std::filesystem::path& file, const std::function<void(std::uint64_t)>& on_sent);
    // GET /challenges/{id}/submission/upload: which parts the server still misses; nullopt when
    // the server has no such endpoint (the first implementation: 404 "Not Found" or 405).
    std::optional<UploadState> QueryUploadState(std::int64_t challenge_id, const std::string& submission_id);

private:
    std::string UploadTarget(std::int64_t challenge_id, const std::string& submission_id) const;

    HttpClient& http_;
};

}  // namespace zr::client
