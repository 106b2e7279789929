#pragma once
// Error bodies in the three forms of the first implementation (FastAPI/Starlette):
//   {"detail": "<message>"}                         HTTP and auth errors
//   {"message": "<message>"}                        domain errors
//   {"detail": [{"loc": [...], "msg", "type"}...]}  422 validation errors
#include "common/error.hpp"
#include "http/message.hpp"

namespace zr::http {

// Status from zr::ToHttpStatus(e.kind()); body by e.form() (validation: the issue list). A 401
// carries `WWW-Authenticate: Bearer`. e.log_detail() is never put in the response.
Response ErrorResponse(const zr::Error& e);

// 404 {"detail": "Not Found"}
Response NotFound();
// 405 {"detail": "Method Not Allowed"}
Response MethodNotAllowed();
// Any status with {"detail": message}.
Response DetailResponse(int status, std::string_view message);

}  // namespace zr::http
