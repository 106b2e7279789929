// The request of the second generation's POST /users/{username}/models/create (the zrc client's
// model registration): the author_name query and the JSON body, read as the handler reads them
// (api::ParseModelCreate over Fields, pydantic v1's str / AnyHttpUrl / datetime rules), and the
// model id stem the author name gives (models::IdStem, then FirstFreeId).
// Input: the query string on the first line, the JSON body after.
//
// Properties: a refusal is a 4xx with a JSON body; an accepted request has its six text fields,
// http(s) URLs when given; whatever the author name, the id is ASCII letters and digits only
// (never a path), starts with 1-3 letters and carries the 2-digit year, and is not one of the ids
// already taken.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/fields.hpp"
#include "api/model_request.hpp"
#include "common/error.hpp"
#include "error_check.hpp"
#include "fuzz_support.hpp"
#include "models/model_ids.hpp"

namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// The scheme is case-insensitive, as pydantic's HttpUrl has it ("Https://..." is accepted, kept as given).
bool IsHttpUrl(const std::string& url) {
    std::string scheme = url.substr(0, url.find("://"));
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return url.find("://") != std::string::npos && (scheme == "http" || scheme == "https");
}

void CheckId(std::string_view author_name) {
    const std::string stem = zr::models::IdStem(author_name, 2026);
    const std::vector<std::string> taken = {stem + "a", stem + "b", stem + "z"};
    const std::string id = zr::models::FirstFreeId(stem, taken);
    std::size_t letters = 0;
    while (letters < id.size() && IsAsciiLetter(id[letters])) ++letters;
    ZR_FUZZ_CHECK(letters >= 1 && letters <= 3, id);
    ZR_FUZZ_CHECK(id.compare(letters, 2, "26") == 0, id);
    for (char c : id) ZR_FUZZ_CHECK(IsAsciiLetter(c) || IsAsciiDigit(c), id);
    for (const auto& other : taken) ZR_FUZZ_CHECK(id != other, id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = zr::fuzz::AsText(data, size);
    const std::size_t eol = text.find('\n');
    zr::http::Request request;
    request.method = zr::http::Method::kPost;
    request.query = std::string(text.substr(0, eol));
    request.headers.emplace_back("content-type", "application/json");
    request.body = eol == std::string_view::npos ? std::string() : std::string(text.substr(eol + 1));
    zr::api::ModelCreateRequest create;
    try {
        create = zr::api::ParseModelCreate(zr::api::Fields::FromQuery(request), zr::api::Fields::FromJsonBody(request));
    } catch (const zr::Error& e) {
        zr::fuzz::CheckClientError(e);
        return 0;
    }
    const auto& model = create.model;
    if (model.paper_url) ZR_FUZZ_CHECK(IsHttpUrl(*model.paper_url), *model.paper_url);
    if (model.code_url) ZR_FUZZ_CHECK(IsHttpUrl(*model.code_url), *model.code_url);
    CheckId(create.author_name);
    return 0;
}
