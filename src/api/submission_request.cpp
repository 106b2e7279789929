#include "api/submission_request.hpp"

#include "api/fields.hpp"
#include "common/error.hpp"

namespace zr::api {
namespace {

ValidationIssue ItemIssue(std::size_t i, const std::string& key, std::string msg, std::string type) {
    nlohmann::json loc = {"body", "index", i};
    if (!key.empty()) loc.push_back(key);
    return {std::move(loc), std::move(msg), std::move(type)};
}

// One item of "index": {"file_name": str, "file_size": int >= 0, "file_hash": str}.
submissions::PartInfo ParsePart(const nlohmann::json& item, std::size_t i, std::vector<ValidationIssue>& issues) {
    submissions::PartInfo part;
    if (!item.is_object()) {
        issues.push_back(ItemIssue(i, "", "value is not a valid dict", "type_error.dict"));
        return part;
    }
    auto present = [&](const char* key) -> const nlohmann::json* {
        auto it = item.find(key);
        if (it != item.end() && !it->is_null()) return &*it;
        issues.push_back(ItemIssue(i, key, "field required", "value_error.missing"));
        return nullptr;
    };
    auto text = [&](const char* key, std::string& out) {
        const nlohmann::json* value = present(key);
        if (value == nullptr) return;
        if (value->is_string()) {
            out = value->get<std::string>();
        } else {
            issues.push_back(ItemIssue(i, key, "str type expected", "type_error.str"));
        }
    };
    text("file_name", part.file_name);
    if (const nlohmann::json* size = present("file_size")) {
        if (size->is_number_integer() && *size >= 0) {
            part.file_size = size->get<std::uint64_t>();
        } else {
            issues.push_back(
                ItemIssue(i, "file_size", "value is not a valid non-negative integer", "type_error.integer"));
        }
    }
    text("file_hash", part.file_hash);
    return part;
}

}  // namespace

submissions::CreateRequest ParseCreateRequest(const http::Request& request) {
    Fields body = Fields::FromJsonBody(request);
    submissions::CreateRequest create;
    create.filename = body.RequiredString("filename");
    create.hash = body.RequiredString("hash");
    const auto multipart = body.OptionalBool("multipart");
    if (!body.Has("multipart") || body.values().at("multipart").is_null()) {
        body.Invalid("multipart", "field required", "value_error.missing");
    }
    create.multipart = multipart.value_or(false);
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
