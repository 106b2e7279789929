#pragma once
// The body of POST /challenges/{id}/submission/create read into a submissions::CreateRequest
// (kept apart from the handlers so unit tests and the fuzz target reach it without a service).
#include "http/message.hpp"
#include "submissions/submission_service.hpp"

namespace zr::api {

// {"filename": str, "hash": str, "multipart": bool, "index": [{"file_name": str, "file_size":
// int >= 0, "file_hash": str}, ...] | null}. Throws Error::Validation (422) listing every missing
// or mistyped field (malformed JSON or a non-object body: one jsondecode / dict item). The values
// themselves (md5 format, plain and distinct part names) are the service's to check.
submissions::CreateRequest ParseCreateRequest(const http::Request& request);

}  // namespace zr::api
