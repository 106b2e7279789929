#pragma once
// The body of POST /challenges/{id}/submission/create read into a submissions::CreateRequest
// (kept apart from the handlers so unit tests and the fuzz target reach it without a service).
#include "api/fields.hpp"
#include "http/message.hpp"
#include "submissions/types.hpp"

namespace zr::api {

// {"filename": str, "hash": str, "multipart": bool, "index": [{"file_name": str, "file_size":
// int >= 0, "file_hash": str}, ...] | null}, read with pydantic v1's rules (api/fields.hpp).
// Throws Error::Validation (422) listing every missing or mistyped field (malformed JSON or a
// non-object body: one jsondecode / dict item). The values themselves (md5 format, plain and
// distinct part names) are the service's to check.
submissions::CreateRequest ParseCreateRequest(const http::Request& request);
// The same from a body already read (the handler reads it before checking the caller, as FastAPI
// did: malformed JSON is a 422 even without a token).
submissions::CreateRequest ParseCreateRequest(Fields body);

// The body of the second generation's POST /users/{username}/submissions/create (api-v2.md
// P1-e): model_id, benchmark_id (a challenge label), author_label, filename, hash (str),
// has_scores, multipart (bool) required; index (list | null) of {"filename": str, "filesize":
// int >= 0, "filehash": str}; leaderboard (str | null). Same rules and 422s as above.
struct SecondGenerationCreate {
    std::string benchmark_label;
    submissions::CreateRequest request;
};
SecondGenerationCreate ParseSecondGenerationCreate(Fields body);
// A 422 of the submissions service with the index keys as the second generation names them
// ("file_name" -> "filename", ...); any other error as it is.
Error WithSecondGenerationKeys(const Error& error);

}  // namespace zr::api
