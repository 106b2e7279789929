#pragma once
// The route table: method + path pattern -> handler, with per-route limits.
//
// Patterns are literal paths with "{name}" segments ("/challenges/{id}") or a final "{name:path}"
// segment matching the rest of the path ("/static/{path:path}"). Literal routes win over patterns.
// Matching is on the percent-decoded path split by '/'.
//
// Thread-safety: build the router before the server starts; afterwards it is read-only and may be
// used from any thread.
#include <any>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/message.hpp"

namespace zr::http {

// A handler may throw zr::Error (mapped to its status and body) or anything else (500, logged).
using Handler = std::function<Response(Request&)>;

// The authentication a route needs. The transport resolves it once per request, before reading
// the body, with the router's Authenticator; the result reaches the prepare step and the handler
// in Request::caller. When it failed, the transport answers the error itself — before the body for
// a streamed upload, before the handler otherwise — unless the route defers the failure to its
// handler (RouteOptions::defer_auth_failure).
enum class Auth {
    kNone,          // public
    kSession,       // any valid login session (logout)
    kActiveUser,    // a session of an active, verified user
    kOptionalUser,  // as kActiveUser when a bearer token is sent; anonymous without one
    kWorkerToken,   // remote evaluation workers' shared secret
    kMetricsToken,  // the operators' /metrics token (when one is set)
};

// Resolves a route's Auth from a request's headers: returns what Request::caller will hold, or
// throws zr::Error (401, 404, 406...) for Request::auth_error. Called on IO threads: must be fast
// (no password hashing) and thread-safe. Never called for Auth::kNone.
using Authenticator = std::function<std::any(Auth auth, const Request& request)>;

struct RouteOptions {
    Auth auth = Auth::kNone;
    // The handler runs even when the authentication failed (Request::auth_error set) and answers
    // that failure itself, after checks that must come first (FastAPI decoded a JSON body before
    // its dependencies ran: malformed JSON is a 422 even without a token). Not for streamed uploads.
    bool defer_auth_failure = false;
    // Largest accepted request body; beyond it the transport answers 413 without reading it.
    std::size_t max_body = 64 * 1024;
    // Run the handler on the blocking pool (CPU-heavy work such as password hashing), not on the
    // threads that serve connections.
    bool offload = false;
    // Offloaded routes: answer 503 {"detail": ...} with Retry-After at once, without running the
    // handler, when ServerConfig::max_offload_waiting requests already wait for the pool (a flood
    // of logins must not queue without end). Routes whose work must not be refused leave it off.
    bool refuse_when_busy = false;
    // Offloaded routes (optional): called on the IO thread once the body is read, before the
    // handler is queued for the pool. Throwing zr::Error answers with it at once (a throttled
    // login is refused without waiting for, or occupying, a hashing thread); returning lets the
    // request go on. Must be cheap (an indexed read at most). Malformed input is the handler's
    // to answer: the screen lets it through.
    std::function<void(const Request&)> screen;
    // Admission before the body (optional): called once the route matched and its authentication
    // succeeded, before any body byte is read (and before an "Expect: 100-continue" is answered).
    // Throwing zr::Error refuses the request with that answer, nothing read (the connection
    // closes after it when a body was sent). Runs on an IO thread: must be cheap (a stat at most).
    // Not called when the authentication failed: that answer comes first.
    std::function<void(const Request&)> admit;
    // Streamed multipart/form-data upload. When set, the transport calls it once the header is
    // read, the route matched and its authentication resolved, BEFORE reading any body byte (and
    // before answering an "Expect: 100-continue"). It checks the request (caller, ownership,
    // names, room on disk for Request::content_length); throwing zr::Error refuses the request
    // with nothing read or written. It returns the UploadTarget the file parts are written to as
    // they arrive (md5 computed on the way), which the handler finds in Request::upload. Text
    // fields go to Request::form_fields (64 KiB at most in all). The body limit is max_body;
    // memory use does not grow with the body size. Runs on an IO thread: keep it fast (no hashing
    // of big files).
    // Then: a body that is not multipart/form-data (or no body) reaches the handler with no files
    // and no fields, unread (the connection closes after the answer); a malformed multipart body
    // gets 400 {"detail": "There was an error parsing the body"}, too large text fields 413, a
    // full disk 507. The read timeout applies to each read (inactivity), not to the whole body.
    // File parts are synced before the handler runs; every file still at its temporary path when
    // the handler returns (or throws) is discarded, as are the partial files of a failed upload.
    std::function<std::shared_ptr<UploadTarget>(Request&)> prepare_upload;
};

struct Route {
    Method method;
    std::string pattern;
    Handler handler;
    RouteOptions options;
};

// Outcome of matching a request line against the table.
struct Match {
    const Route* route = nullptr;  // set when found
    std::unordered_map<std::string, std::string> params;
    bool path_known = false;              // some route has this path (405 vs 404)
    std::optional<std::string> redirect;  // "/challenges" -> "/challenges/" (307)
};

class Router {
public:
    // Routes declaring an Auth other than kNone need an authenticator (set before serving).
    void SetAuthenticator(Authenticator authenticator) { authenticator_ = std::move(authenticator); }
    // Resolves the route's declared Auth into request.caller or request.auth_error (a missing
    // authenticator is an internal error there). Never throws.
    void Authenticate(const Route& route, Request& request) const noexcept;

    // Adds a route. Throws std::invalid_argument for a pattern that does not start with '/', an
    // unknown "{name:converter}" (only "str" and "path" exist) or a "{name:path}" not at the end.
    // A later route with the same method and pattern as an earlier one is never chosen.
    Router& Add(Method method, std::string pattern, Handler handler, RouteOptions options = {});
    // Finds the route for method + decoded path. Among the routes of that method matching the path,
    // the most specific wins (segment by segment: literal > "{name}" > "{name:path}"); HEAD falls
    // back to GET routes. "{name}" matches one non-empty segment. Without a match, path_known says
    // whether another method has the path, and redirect is the path with its trailing slash added
    // or removed when that form matches a route (never for "/").
    Match Find(Method method, const std::string& path) const;
    const std::vector<Route>& routes() const { return routes_; }

private:
    enum class SegmentKind { kLiteral, kParam, kRest };
    struct Segment {
        SegmentKind kind;
        std::string text;  // literal text or parameter name
    };
    using Pattern = std::vector<Segment>;

    static Pattern Compile(const std::string& pattern);
    const Route* Best(Method method, const std::vector<std::string_view>& segments, std::size_t* index) const;
    bool AnyMatch(const std::vector<std::string_view>& segments) const;

    std::vector<Route> routes_;
    std::vector<Pattern> patterns_;  // parallel to routes_
    Authenticator authenticator_;
};

}  // namespace zr::http
