#include "api/submission_request.hpp"

#include "api/fields.hpp"
#include "common/error.hpp"

namespace zr::api {
namespace {

// One item of "index" (pydantic v1's SubmissionRequestFileIndexItem): {"file_name": str,
// "file_size": int, "file_hash": str}. file_hash is required here (the first implementation took
// null and failed later) and file_size must not be negative.
submissions::PartInfo ParsePart(const nlohmann::json& input, std::size_t i, std::vector<ValidationIssue>& issues) {
    submissions::PartInfo part;
    const nlohmann::json loc = {"body", "index", i};
    const auto item = PydanticDict(input, loc, issues);
    if (!item) return part;
    auto field = [&](const char* key) -> std::pair<const nlohmann::json*, nlohmann::json> {
        nlohmann::json at = loc;
        at.push_back(key);
        auto it = item->find(key);
        if (it == item->end() || (it->is_null() && std::string_view(key) == "file_hash")) {
            issues.push_back({at, "field required", "value_error.missing"});
            return {nullptr, at};
        }
        return {&*it, at};
    };
    if (auto [value, at] = field("file_name"); value) part.file_name = PydanticStr(*value, at, issues).value_or("");
    if (auto [value, at] = field("file_size"); value) {
        const auto size = PydanticInt(*value, at, issues);
        if (size && *size < 0) {
            issues.push_back({at,
                              "ensure this value is greater than or equal to 0",
                              "value_error.number.not_ge",
                              {{"limit_value", 0}}});
        } else if (size) {
            part.file_size = static_cast<std::uint64_t>(*size);
        }
    }
    if (auto [value, at] = field("file_hash"); value) part.file_hash = PydanticStr(*value, at, issues).value_or("");
    return part;
}

}  // namespace

submissions::CreateRequest ParseCreateRequest(const http::Request& request) {
    return ParseCreateRequest(Fields::FromJsonBody(request));
}

submissions::CreateRequest ParseCreateRequest(Fields body) {
    submissions::CreateRequest create;
    create.filename = body.RequiredString("filename");
    create.hash = body.RequiredString("hash");
    create.multipart = body.RequiredBool("multipart");
    std::vector<ValidationIssue> issues;
    const nlohmann::json index = body.values().value("index", nlohmann::json());
    if (index.is_array()) {
        for (std::size_t i = 0; i < index.size(); ++i) create.index.push_back(ParsePart(index[i], i, issues));
    } else if (!index.is_null()) {
        body.Invalid("index", "value is not a valid list", "type_error.list");
    }
    try {
        body.ThrowIfInvalid();
    } catch (const Error& e) {
        issues.insert(issues.begin(), e.issues().begin(), e.issues().end());
    }
    if (!issues.empty()) throw Error::Validation(std::move(issues));
    return create;
}

}  // namespace zr::api
