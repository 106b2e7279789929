#pragma once
// Where a submission part's body is written: the ticket UploadService::PrepareUpload issued before
// the body (shared by both generations' upload routes), handed to UploadService::AcceptPart once
// the part is on disk.
#include <filesystem>
#include <utility>

#include "http/message.hpp"
#include "submissions/upload_service.hpp"

namespace zr::api {

class PartUpload final : public http::UploadTarget {
public:
    PartUpload(submissions::UploadService& uploads, submissions::UploadTicket ticket)
        : uploads_(uploads), ticket_(std::move(ticket)) {}
    SpoolFile CreateFile() override { return uploads_.NewSpoolFile(ticket_); }
    void DiscardFile(const std::filesystem::path& path) noexcept override { uploads_.DiscardSpoolFile(path); }
    const submissions::UploadTicket& ticket() const { return ticket_; }

private:
    submissions::UploadService& uploads_;
    submissions::UploadTicket ticket_;
};

}  // namespace zr::api
