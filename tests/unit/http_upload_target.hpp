#pragma once
// Test helper: an http::UploadTarget that creates the files of an upload in one folder through a
// PosixFileSystem, as the application's targets do in a submission's tmp/. It records the files it
// created and counts discards, syncs and closes; `space` makes its files run out of space
// (zr::Error::OutOfSpace) once that many bytes were written in all. Thread-safe: the transport
// creates files on an IO thread and discards them on another.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/file_system.hpp"
#include "http/message.hpp"

namespace zr::http::test_upload {

class FolderTarget : public UploadTarget {
public:
    explicit FolderTarget(std::filesystem::path folder, std::optional<std::uint64_t> space = std::nullopt)
        : folder_(std::move(folder)), space_(space) {}

    SpoolFile CreateFile() override {
        // Unique in the process: several targets may share a folder.
        static std::atomic<std::uint64_t> next{0};
        const std::filesystem::path path = folder_ / (".upload-" + std::to_string(next++) + ".part");
        auto file = std::make_unique<File>(*this, fs_.OpenForWrite(path, FileSystem::WriteMode::kCreateNew), path);
        {
            std::lock_guard lock(mutex_);
            created_.push_back(path);
        }
        return SpoolFile{path, std::move(file)};
    }

    void DiscardFile(const std::filesystem::path& path) noexcept override {
        ++discarded_;
        fs_.Remove(path);
    }

    std::vector<std::filesystem::path> created() const {
        std::lock_guard lock(mutex_);
        return created_;
    }
    int discarded() const { return discarded_; }
    int syncs() const { return syncs_; }
    int closes() const { return closes_; }

private:
    // The file system's file, with the counters and the space limit.
    class File : public WritableFile {
    public:
        File(FolderTarget& owner, std::unique_ptr<WritableFile> file, std::filesystem::path path)
            : owner_(owner), file_(std::move(file)), path_(std::move(path)) {}
        void Append(std::string_view data) override {
            if (owner_.space_) {
                const std::uint64_t used = owner_.written_.fetch_add(data.size()) + data.size();
                if (used > *owner_.space_) throw Error::OutOfSpace("write " + path_.string() + ": test target full");
            }
            file_->Append(data);
        }
        void StartWriteback() override { file_->StartWriteback(); }
        void Sync() override {
            ++owner_.syncs_;
            file_->Sync();
        }
        void Close() override {
            ++owner_.closes_;
            file_->Close();
        }
        std::uint64_t size() const override { return file_->size(); }

    private:
        FolderTarget& owner_;
        std::unique_ptr<WritableFile> file_;
        std::filesystem::path path_;
    };

    const std::filesystem::path folder_;
    const std::optional<std::uint64_t> space_;
    PosixFileSystem fs_;
    mutable std::mutex mutex_;
    std::vector<std::filesystem::path> created_;  // guarded by mutex_
    std::atomic<std::uint64_t> written_{0};
    std::atomic<int> discarded_{0};
    std::atomic<int> syncs_{0};
    std::atomic<int> closes_{0};
};

}  // namespace zr::http::test_upload
