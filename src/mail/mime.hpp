#pragma once
// Internal to zr_mail (and its tests): the RFC 5322 / MIME text of a message.
#include <chrono>
#include <string>
#include <string_view>

#include "mail/mailer.hpp"

namespace zr::mail {

// The full message as sent over SMTP: CRLF line ends, headers Date, From ("from_name" <from>),
// To, Subject, Message-ID, MIME-Version, then a text/plain part, or multipart/alternative with
// text/plain and text/html when html_body is set (charset utf-8). A part is sent as 7bit/8bit when
// its lines are short, quoted-printable otherwise, so no line exceeds 998 octets. Dot-stuffing is
// left to curl. Throws MailError when `to` or `from` is not a plain address (no CR/LF, '<', '>',
// spaces, and one '@').
std::string BuildMime(const Message& message, std::string_view from, std::string_view from_name,
                      std::chrono::system_clock::time_point now);

// `text` as a header value: unchanged when printable ASCII, otherwise RFC 2047 encoded words
// (=?UTF-8?B?...?=, each at most 75 characters, folded with CRLF SP, never splitting a UTF-8
// sequence). CR and LF are replaced by spaces first.
std::string EncodeHeaderText(std::string_view text);

// RFC 5322 date in UTC, e.g. "Tue, 04 Jun 2024 10:00:00 +0000".
std::string FormatDate(std::chrono::system_clock::time_point when);

// Quoted-printable (RFC 2045) of `text` with CRLF line ends, lines at most 76 characters.
std::string EncodeQuotedPrintable(std::string_view text);

// Standard base64 with padding.
std::string Base64(std::string_view bytes);

}  // namespace zr::mail
