#pragma once
// The whole HTTP API in one table (routes.cpp).
#include "api/context.hpp"
#include "http/router.hpp"

namespace zr::api {

// Builds the route table. `ctx` must outlive the router.
http::Router BuildRouter(ApiContext& ctx);

}  // namespace zr::api
