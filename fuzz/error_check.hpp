#pragma once
// The property every refusal of user input must have: a zr::Error that maps to a 4xx answer whose
// body is valid JSON (what the server would send).
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.hpp"
#include "fuzz_support.hpp"
#include "http/error_response.hpp"

namespace zr::fuzz {

inline void CheckClientError(const zr::Error& e) {
    const int status = ToHttpStatus(e.kind());
    ZR_FUZZ_CHECK(status >= 400 && status < 500, std::to_string(status) + " " + e.message() + " " + e.log_detail());
    const http::Response response = http::ErrorResponse(e);
    ZR_FUZZ_CHECK(nlohmann::json::accept(response.body), response.body);
}

}  // namespace zr::fuzz
