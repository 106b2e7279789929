#include "api/security_headers.hpp"

#include <string>

namespace zr::api {

http::HeaderList HtmlSecurityHeaders() {
    return {{"Content-Security-Policy", std::string(kContentSecurityPolicy)},
            {"X-Frame-Options", "DENY"},
            {"Referrer-Policy", "no-referrer"}};
}

}  // namespace zr::api
