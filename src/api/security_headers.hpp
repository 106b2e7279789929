#pragma once
// The security headers of the site's HTML answers (the /page/* forms, the pages the form routes
// answer, /docs, static .html files), named in one place. Serve hands HtmlSecurityHeaders() to the
// transport (http::ServerConfig::html_headers), which adds them to every text/html answer, and
// X-Content-Type-Options: nosniff to every answer. The template pages add Cache-Control: no-store
// themselves (Page, context.hpp): they may carry a token (password update, e-mail verification).
#include <string_view>

#include "http/message.hpp"

namespace zr::api {

// Everything an HTML answer loads comes from our own origin, and no one may frame it.
inline constexpr std::string_view kContentSecurityPolicy =
    // Whatever no directive below names (fetch from Swagger UI's "Try it out", fonts, frames,
    // media, workers): our origin only.
    "default-src 'self'; "
    // Scripts only from files of our origin: no inline <script>, no on...= attributes, no
    // javascript: URLs, no eval. Swagger UI is started by a file for this reason (/docs/init.js).
    "script-src 'self'; "
    // Swagger UI sets style attributes and adds <style> elements; our pages need none (all is in
    // /static/style.css) and share the policy. A style cannot run a script, and img-src and
    // default-src keep it from loading anything from elsewhere.
    "style-src 'self' 'unsafe-inline'; "
    // Swagger UI's icons are data: URLs in its style sheet.
    "img-src 'self' data:; "
    // No plugins (<object>, <embed>).
    "object-src 'none'; "
    // No <base> element sending the pages' relative links and forms elsewhere.
    "base-uri 'none'; "
    // Forms post to us only.
    "form-action 'self'; "
    // No page may frame ours (clickjacking of the password forms); X-Frame-Options for old browsers.
    "frame-ancestors 'none'";

// The headers every HTML answer carries: Content-Security-Policy (kContentSecurityPolicy),
// X-Frame-Options: DENY, and Referrer-Policy: no-referrer (the password update form has its reset
// token in its URL: no link followed and no file loaded from a page may send that URL on).
http::HeaderList HtmlSecurityHeaders();

}  // namespace zr::api
