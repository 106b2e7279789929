#include "api/model_request.hpp"

namespace zr::api {

ModelCreateRequest ParseModelCreate(Fields query, Fields body) {
    ModelCreateRequest create;
    const auto author_name = query.OptionalString("author_name");
    if (!author_name) query.Invalid("author_name", "field required", "value_error.missing");
    create.author_name = author_name.value_or("");
    models::NewModel& model = create.model;
    model.description = body.RequiredString("description");
    model.gpu_budget = body.RequiredString("gpu_budget");
    model.train_set = body.RequiredString("train_set");
    model.authors = body.RequiredString("authors");
    model.institution = body.RequiredString("institution");
    model.team = body.RequiredString("team");
    model.paper_url = body.OptionalHttpUrl("paper_url");
    model.code_url = body.OptionalHttpUrl("code_url");
    model.created_at = body.OptionalDateTime("created_at");
    Fields::ThrowIfInvalid({&query, &body});
    return create;
}

}  // namespace zr::api
