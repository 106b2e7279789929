#pragma once
// The project's one error type for request-ending failures.
//
// A handler or service throws zr::Error; the HTTP layer maps it to a status and to one of the three
// body forms of the first implementation (see ToHttpStatus and http/error_response.hpp):
//   BodyForm::kDetail      {"detail": "<message>"}           auth and HTTP errors
//   BodyForm::kMessage     {"message": "<message>"}          domain errors
//   BodyForm::kMessageData {"message": "<message>", "data": "<data or None>"}  the second
//                          generation's domain errors (its VocoLabException: data always there)
//   ErrorKind::kValidation {"detail": [{"loc","msg","type"}]} 422, one item per problem
// `log_detail` goes to the log only, never to the client.
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zr {

enum class ErrorKind {
    kInvalidInput,         // 400
    kUnauthenticated,      // 401
    kForbidden,            // 403
    kNotFound,             // 404
    kMethodNotAllowed,     // 405
    kNotVerified,          // 406
    kConflict,             // 409
    kTooLarge,             // 413
    kValidation,           // 422
    kLocked,               // 423: the data folder is in lock mode (readonly.lock), writes refused
    kRateLimited,          // 429
    kUnavailable,          // 503
    kInsufficientStorage,  // 507: the data folder's file system is full (or over quota)
    kInternal,             // 500
};

enum class BodyForm { kDetail, kMessage, kMessageData };

// One problem found while validating a request, in FastAPI's 422 shape.
// loc is e.g. ["body", "email"] or ["query", "include_inactive"] or ["body", "index", 0, "file_hash"].
struct ValidationIssue {
    nlohmann::json loc;
    std::string msg;
    std::string type;
    nlohmann::json ctx = nullptr;  // pydantic's "ctx" object when the error has one; null = absent
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, BodyForm form, std::string message, std::string log_detail = {})
        : std::runtime_error(message),
          kind_(kind),
          form_(form),
          message_(std::move(message)),
          log_detail_(std::move(log_detail)) {}

    // {"detail": message}
    static Error Detail(ErrorKind kind, std::string message, std::string log_detail = {}) {
        return Error(kind, BodyForm::kDetail, std::move(message), std::move(log_detail));
    }
    // {"message": message}
    static Error Message(ErrorKind kind, std::string message, std::string log_detail = {}) {
        return Error(kind, BodyForm::kMessage, std::move(message), std::move(log_detail));
    }
    // {"message": message, "data": data() or "None"}
    static Error MessageData(ErrorKind kind, std::string message, std::string log_detail = {}) {
        return Error(kind, BodyForm::kMessageData, std::move(message), std::move(log_detail));
    }
    // 507 {"detail": kOutOfSpaceMessage}: the disk is full. `log_detail` names what could not be
    // written. Raised by the file system and the database layers (ENOSPC, EDQUOT, SQLITE_FULL).
    static Error OutOfSpace(std::string log_detail) {
        return Error(ErrorKind::kInsufficientStorage, BodyForm::kDetail, std::string(kOutOfSpaceMessage),
                     std::move(log_detail));
    }
    static constexpr std::string_view kOutOfSpaceMessage =
        "Insufficient storage: the server is out of disk space. Nothing you sent before this request was lost; "
        "send this request (or this part) again later.";
    // 422 with the given issues (must not be empty).
    static Error Validation(std::vector<ValidationIssue> issues) {
        Error e(ErrorKind::kValidation, BodyForm::kDetail, "validation error");
        e.issues_ = std::move(issues);
        return e;
    }

    // The first implementation's `data` of an error: which field a conflict is about ("username",
    // "email"), for the callers that answer it in their own words (the HTML sign-up page).
    Error&& WithData(std::string data) && {
        data_ = std::move(data);
        return std::move(*this);
    }
    const std::string& data() const { return data_; }
    // When the client may try again (429, 503): sent as Retry-After, in whole seconds (at least 1).
    Error&& WithRetryAfter(std::chrono::seconds wait) && {
        retry_after_ = std::max(wait, std::chrono::seconds(1));
        return std::move(*this);
    }
    std::chrono::seconds retry_after() const { return retry_after_; }  // 0 = none

    ErrorKind kind() const { return kind_; }
    BodyForm form() const { return form_; }
    const std::string& message() const { return message_; }
    const std::string& log_detail() const { return log_detail_; }
    const std::vector<ValidationIssue>& issues() const { return issues_; }

private:
    ErrorKind kind_;
    BodyForm form_;
    std::string message_;
    std::string log_detail_;
    std::vector<ValidationIssue> issues_;
    std::string data_;
    std::chrono::seconds retry_after_{0};
};

// HTTP status for an error kind. Every kind is handled (no default), so a new kind is a compile error.
constexpr int ToHttpStatus(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::kInvalidInput:
            return 400;
        case ErrorKind::kUnauthenticated:
            return 401;
        case ErrorKind::kForbidden:
            return 403;
        case ErrorKind::kNotFound:
            return 404;
        case ErrorKind::kMethodNotAllowed:
            return 405;
        case ErrorKind::kNotVerified:
            return 406;
        case ErrorKind::kConflict:
            return 409;
        case ErrorKind::kTooLarge:
            return 413;
        case ErrorKind::kValidation:
            return 422;
        case ErrorKind::kLocked:
            return 423;
        case ErrorKind::kRateLimited:
            return 429;
        case ErrorKind::kUnavailable:
            return 503;
        case ErrorKind::kInsufficientStorage:
            return 507;
        case ErrorKind::kInternal:
            return 500;
    }
    return 500;
}

}  // namespace zr
