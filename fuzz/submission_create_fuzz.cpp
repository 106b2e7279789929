// The body of POST /challenges/{id}/submission/create (api::ParseCreateRequest, then the service's
// checks, submissions::detail::ValidateCreateRequest), the same read as the second generation's
// POST /users/{username}/submissions/create (api::ParseSecondGenerationCreate, the zrc client's
// body, whose 422s are renamed by WithSecondGenerationKeys), and the md5 manifest it becomes
// (storage::ToJson / ManifestFromJson, also read back from tmp/upload.json of existing folders).
// Input: the request body (any bytes; seeds are the tests' create requests, zrc's and upload.json
// files).
//
// Properties: a refusal is a 422 (or another 4xx) with a JSON body; an accepted request has a
// lower-case md5, and when multipart a non-empty index of distinct plain part names with lower-case
// md5s; a second-generation request also has a model id and an author label, and its leaderboard
// file, when kept, is plain names joined by '/' (nothing that leaves input/); its manifest survives ToJson ->
// ManifestFromJson unchanged; ManifestFromJson on any JSON either returns a manifest that round-trips or throws
// std::runtime_error (nothing else).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>

#include "api/fields.hpp"
#include "api/submission_request.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"
#include "error_check.hpp"
#include "fuzz_support.hpp"
#include "storage/submission_store.hpp"
#include "submissions/internal.hpp"

namespace {

using zr::storage::ManifestPart;
using zr::storage::UploadManifest;

bool SameParts(const std::vector<ManifestPart>& a, const std::vector<ManifestPart>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].file_name != b[i].file_name || a[i].file_size != b[i].file_size || a[i].file_hash != b[i].file_hash) {
            return false;
        }
    }
    return true;
}

void CheckRoundTrip(const UploadManifest& manifest) {
    const UploadManifest back = zr::storage::ManifestFromJson(zr::storage::ToJson(manifest));
    const bool same = back.store_location == manifest.store_location && back.merge_hash == manifest.merge_hash &&
                      SameParts(back.index, manifest.index) && SameParts(back.received, manifest.received) &&
                      back.multipart == manifest.multipart && back.hashed_parts == manifest.hashed_parts &&
                      back.target_location == manifest.target_location;
    ZR_FUZZ_CHECK(same, zr::storage::ToJson(manifest).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void CheckAccepted(const zr::submissions::CreateRequest& create) {
    ZR_FUZZ_CHECK(!create.filename.empty(), "empty filename accepted");
    ZR_FUZZ_CHECK(zr::submissions::detail::IsMd5(create.hash) && create.hash == zr::ToLower(create.hash), create.hash);
    if (!create.multipart) return;
    ZR_FUZZ_CHECK(!create.index.empty(), "multipart without index accepted");
    std::set<std::string> names;
    UploadManifest manifest;
    manifest.merge_hash = create.hash;
    for (const auto& part : create.index) {
        ZR_FUZZ_CHECK(zr::IsPlainFileName(part.file_name), part.file_name);
        ZR_FUZZ_CHECK(names.insert(part.file_name).second, "duplicate part " + part.file_name);
        ZR_FUZZ_CHECK(zr::submissions::detail::IsMd5(part.file_hash) && part.file_hash == zr::ToLower(part.file_hash),
                      part.file_hash);
        manifest.index.push_back({part.file_name, part.file_size, part.file_hash});
    }
    CheckRoundTrip(manifest);
}

void CreateRequest(const std::string& body) {
    zr::http::Request request;
    request.method = zr::http::Method::kPost;
    request.headers.emplace_back("content-type", "application/json");
    request.body = body;
    zr::submissions::CreateRequest create;
    try {
        create = zr::api::ParseCreateRequest(request);
    } catch (const zr::Error& e) {
        zr::fuzz::CheckClientError(e);
        return;
    }
    auto issues = zr::submissions::detail::ValidateCreateRequest(create);
    if (!issues.empty()) {
        zr::fuzz::CheckClientError(zr::Error::Validation(std::move(issues)));
        return;
    }
    CheckAccepted(create);
}

// Every segment of a kept leaderboard path is a plain file name: no "..", no absolute path.
bool InsideInput(const std::string& path) {
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = path.find('/', start);
        if (!zr::IsPlainFileName(std::string_view(path).substr(start, slash - start))) return false;
        if (slash == std::string::npos) return true;
        start = slash + 1;
    }
}

void SecondGenerationCreate(const std::string& body) {
    zr::api::SecondGenerationCreate create;
    try {
        create = zr::api::ParseSecondGenerationCreate(zr::api::Fields::FromJsonBody([&] {
            zr::http::Request request;
            request.method = zr::http::Method::kPost;
            request.headers.emplace_back("content-type", "application/json");
            request.body = body;
            return request;
        }()));
    } catch (const zr::Error& e) {
        zr::fuzz::CheckClientError(e);
        return;
    }
    auto issues = zr::submissions::detail::ValidateCreateRequest(create.request);
    if (!issues.empty()) {
        const zr::Error renamed = zr::api::WithSecondGenerationKeys(zr::Error::Validation(std::move(issues)));
        zr::fuzz::CheckClientError(renamed);
        for (const auto& issue : renamed.issues()) {
            for (const auto& key : issue.loc) {
                ZR_FUZZ_CHECK(!key.is_string() || (key != "file_name" && key != "file_hash" && key != "file_size"),
                              "first-generation key in a second-generation 422: " + issue.loc.dump());
            }
        }
        return;
    }
    CheckAccepted(create.request);
    ZR_FUZZ_CHECK(create.request.model_id && create.request.author_label, "model_id or author_label missing");
    if (create.request.leaderboard_file) {
        ZR_FUZZ_CHECK(InsideInput(*create.request.leaderboard_file), *create.request.leaderboard_file);
    }
}

void StoredManifest(const std::string& text) {
    const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) return;
    UploadManifest manifest;
    try {
        manifest = zr::storage::ManifestFromJson(json);
    } catch (const std::runtime_error&) {
        return;
    }
    CheckRoundTrip(manifest);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string body(zr::fuzz::AsText(data, size));
    CreateRequest(body);
    SecondGenerationCreate(body);
    StoredManifest(body);
    return 0;
}
