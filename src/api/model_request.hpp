#pragma once
// The request of POST /users/{username}/models/create?author_name=... (api-v2.md P1-d) read into
// a models::NewModel (kept apart from the handler so unit tests and the fuzz target reach it
// without a service).
#include <string>

#include "api/fields.hpp"
#include "models/model_service.hpp"

namespace zr::api {

struct ModelCreateRequest {
    std::string author_name;  // may be empty: the id then starts with the fallback prefix
    models::NewModel model;
};

// Query: author_name (required; FastAPI's `str`, so an empty value is a value). Body (pydantic v1
// rules, other keys ignored): description, gpu_budget, train_set, authors, institution, team
// (str, required); paper_url, code_url (http(s) URL or null: value_error.url.*); created_at
// (datetime, optional). Throws Error::Validation (422) listing every problem, the query's first.
ModelCreateRequest ParseModelCreate(Fields query, Fields body);

}  // namespace zr::api
