#pragma once
// The route table: method + path pattern -> handler, with per-route limits.
//
// Patterns are literal paths with "{name}" segments ("/challenges/{id}") or a final "{name:path}"
// segment matching the rest of the path ("/static/{path:path}"). Literal routes win over patterns.
// Matching is on the percent-decoded path split by '/'.
//
// Thread-safety: build the router before the server starts; afterwards it is read-only and may be
// used from any thread.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace zr::http {

// A handler may throw zr::Error (mapped to its status and body) or anything else (500, logged).
using Handler = std::function<Response(Request&)>;

struct RouteOptions {
    // Largest accepted request body; beyond it the transport answers 413 without reading it.
    std::size_t max_body = 64 * 1024;
    // Run the handler on the blocking pool (CPU-heavy work such as password hashing), not on the
    // threads that serve connections.
    bool offload = false;
    // Short description and tag, used by tests that keep /openapi.json honest.
    std::string summary;
};

struct Route {
    Method method;
    std::string pattern;
    Handler handler;
    RouteOptions options;
};

// Outcome of matching a request line against the table.
struct Match {
    const Route* route = nullptr;                      // set when found
    std::unordered_map<std::string, std::string> params;
    bool path_known = false;                           // some route has this path (405 vs 404)
    std::optional<std::string> redirect;               // "/challenges" -> "/challenges/" (307)
};

class Router {
public:
    Router& Add(Method method, std::string pattern, Handler handler, RouteOptions options = {});
    // Finds the route for method + decoded path.
    Match Find(Method method, const std::string& path) const;
    const std::vector<Route>& routes() const { return routes_; }

private:
    std::vector<Route> routes_;
};

}  // namespace zr::http
