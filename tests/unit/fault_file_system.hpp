#pragma once
// Test helper (header only): a FileSystem that counts the operations it is asked for and, when
// armed, makes one of them fail — LevelDB's db/fault_injection_test.cc in small.
//
// Faults:
//   kNoSpace       the operation fails with ENOSPC (zr::Error::OutOfSpace, as PosixFileSystem)
//   kWriteError    a write (Append) fails with EIO
//   kSyncError     a sync (Sync, SyncDir, SyncAll) fails with EIO
//   kRenameError   a rename fails with EIO
//   kCrash         the process "dies" at that operation: what a real crash would lose is thrown
//                  away (DropUnsyncedData), then the crash handler runs (a forked test process
//                  calls _exit there, so nothing after the crash point happens, as in a real
//                  crash); without a handler the operation and every later one throw Crashed
//                  (no-ops for the clean-up calls that never throw).
// Each fault applies to the operations it can happen to (kNoSpace: writes, opens for writing,
// folder creations, renames; kCrash: any operation); Arm(fault, n) fails the n-th such operation
// counted from the call (0 = the next).
//
// What a crash loses (DropUnsyncedData): the bytes appended to a file after its last Sync (the
// file is cut back to what was synced), and the files and folders created in a folder since that
// folder's last SyncDir (removed; a new entry renamed stays new under its new name, unless it
// replaced an existing entry: then the new version is kept, one of the two a crash may leave).
// SyncAll syncs everything. Renames themselves are kept as done.
// Thread-safety: thread-safe (one mutex).
#include <cerrno>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/file_system.hpp"

namespace zr::testing {

class FaultFileSystem final : public FileSystem {
public:
    enum class Fault { kNoSpace, kWriteError, kSyncError, kRenameError, kCrash };
    enum class Op { kOpenWrite, kOpenRead, kRead, kRename, kCreateDir, kAppend, kSync, kSyncDir, kSyncAll, kOther };

    // The "process" died at an armed kCrash.
    class Crashed : public std::runtime_error {
    public:
        Crashed() : std::runtime_error("crashed (fault injection)") {}
    };

    explicit FaultFileSystem(FileSystem& base) : base_(base) {}

    // Runs at an armed kCrash, after DropUnsyncedData; it should not return (_exit).
    void SetCrashHandler(std::function<void()> handler) { crash_handler_ = std::move(handler); }

    void Arm(Fault fault, int nth) {
        std::lock_guard lock(mutex_);
        armed_ = fault;
        countdown_ = nth;
    }
    void Disarm() {
        std::lock_guard lock(mutex_);
        armed_.reset();
        crashed_ = false;
    }
    // Operations seen (all kinds).
    int operations() const {
        std::lock_guard lock(mutex_);
        return operations_;
    }
    // Operations seen that `fault` could have failed.
    int Eligible(Fault fault) const {
        std::lock_guard lock(mutex_);
        return eligible_.contains(fault) ? eligible_.at(fault) : 0;
    }
    void ResetCounts() {
        std::lock_guard lock(mutex_);
        operations_ = 0;
        eligible_.clear();
    }
    bool fired() const {
        std::lock_guard lock(mutex_);
        return fired_;
    }
    bool crashed() const {
        std::lock_guard lock(mutex_);
        return crashed_;
    }

    // What a crash loses (see above). Done at an armed kCrash; call it yourself to simulate a
    // crash at a quiet point.
    void DropUnsyncedData() {
        std::lock_guard lock(mutex_);
        DropUnsyncedDataLocked();
    }

private:
    void DropUnsyncedDataLocked() {
        for (const auto& [path, synced] : file_synced_size_) {
            std::error_code ec;
            if (std::filesystem::is_regular_file(path, ec)) std::filesystem::resize_file(path, synced, ec);
        }
        // Deepest first, so that a folder's content goes before the folder.
        for (auto it = unsynced_entries_.rbegin(); it != unsynced_entries_.rend(); ++it) {
            std::error_code ec;
            std::filesystem::remove_all(*it, ec);
        }
        file_synced_size_.clear();
        unsynced_entries_.clear();
    }

public:
    // Forgets what is not synced (a test that does not crash).
    void ForgetUnsynced() {
        std::lock_guard lock(mutex_);
        file_synced_size_.clear();
        unsynced_entries_.clear();
    }

    std::unique_ptr<WritableFile> OpenForWrite(const std::filesystem::path& path, WriteMode mode) override {
        const bool existed = base_.Kind(path) != EntryKind::kNone;
        Before(Op::kOpenWrite, path);
        auto file = base_.OpenForWrite(path, mode);
        std::lock_guard lock(mutex_);
        if (!existed) unsynced_entries_.insert(path);
        if (mode != WriteMode::kAppend || !existed) file_synced_size_[path] = 0;
        return std::make_unique<File>(*this, std::move(file), path);
    }
    std::unique_ptr<SequentialFile> OpenForRead(const std::filesystem::path& path) override {
        Before(Op::kOpenRead, path);
        return base_.OpenForRead(path);
    }
    std::optional<std::string> ReadFile(const std::filesystem::path& path) override {
        Before(Op::kRead, path);
        return base_.ReadFile(path);
    }
    void Rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
        Before(Op::kRename, to);
        const bool replaces = base_.Kind(to) != EntryKind::kNone;
        base_.Rename(from, to);
        std::lock_guard lock(mutex_);
        if (auto it = file_synced_size_.find(from); it != file_synced_size_.end()) {
            file_synced_size_[to] = it->second;
            file_synced_size_.erase(it);
        }
        MoveUnder(from, to, replaces);
    }
    bool CreateDir(const std::filesystem::path& path) override {
        Before(Op::kCreateDir, path);
        const bool created = base_.CreateDir(path);
        std::lock_guard lock(mutex_);
        if (created) unsynced_entries_.insert(path);
        return created;
    }
    void CreateDirs(const std::filesystem::path& path) override {
        if (path.empty() || Kind(path) == EntryKind::kDirectory) return;
        if (path.parent_path() != path) CreateDirs(path.parent_path());
        CreateDir(path);
    }
    bool Remove(const std::filesystem::path& path) noexcept override {
        if (!Quiet()) return false;
        return base_.Remove(path);
    }
    std::uintmax_t RemoveAll(const std::filesystem::path& path) noexcept override {
        if (!Quiet()) return 0;
        return base_.RemoveAll(path);
    }
    void SyncDir(const std::filesystem::path& path) override {
        Before(Op::kSyncDir, path);
        base_.SyncDir(path);
        std::lock_guard lock(mutex_);
        for (auto it = unsynced_entries_.begin(); it != unsynced_entries_.end();) {
            it = it->parent_path() == path ? unsynced_entries_.erase(it) : std::next(it);
        }
    }
    void SyncAll(const std::filesystem::path& path) override {
        Before(Op::kSyncAll, path);
        base_.SyncAll(path);
        std::lock_guard lock(mutex_);
        for (auto& [file, synced] : file_synced_size_) {
            std::error_code ec;
            const auto size = std::filesystem::file_size(file, ec);
            if (!ec) synced = size;
        }
        unsynced_entries_.clear();
    }
    std::vector<std::string> List(const std::filesystem::path& path) override {
        Before(Op::kOther, path);
        return base_.List(path);
    }
    EntryKind Kind(const std::filesystem::path& path) override { return base_.Kind(path); }
    std::uint64_t FreeBytes(const std::filesystem::path& path) override { return base_.FreeBytes(path); }
    void EnsureRoom(const std::filesystem::path& path, std::uint64_t bytes, std::uint64_t keep_free) override {
        base_.EnsureRoom(path, bytes, keep_free);
    }

private:
    class File final : public WritableFile {
    public:
        File(FaultFileSystem& owner, std::unique_ptr<WritableFile> base, std::filesystem::path path)
            : owner_(owner), base_(std::move(base)), path_(std::move(path)) {}
        void Append(std::string_view data) override {
            owner_.Before(Op::kAppend, path_);
            base_->Append(data);
        }
        void StartWriteback() override { base_->StartWriteback(); }
        void Sync() override {
            owner_.Before(Op::kSync, path_);
            base_->Sync();
            std::lock_guard lock(owner_.mutex_);
            owner_.file_synced_size_[path_] = base_->size();
        }
        void Close() override { base_->Close(); }
        std::uint64_t size() const override { return base_->size(); }

    private:
        FaultFileSystem& owner_;
        std::unique_ptr<WritableFile> base_;
        std::filesystem::path path_;
    };

    static bool Applies(Fault fault, Op op) {
        switch (fault) {
            case Fault::kNoSpace:
                return op == Op::kAppend || op == Op::kOpenWrite || op == Op::kCreateDir || op == Op::kRename;
            case Fault::kWriteError:
                return op == Op::kAppend;
            case Fault::kSyncError:
                return op == Op::kSync || op == Op::kSyncDir || op == Op::kSyncAll;
            case Fault::kRenameError:
                return op == Op::kRename;
            case Fault::kCrash:
                return true;
        }
        return false;
    }

    // Counts the operation and throws when it is the armed one (or the process crashed).
    void Before(Op op, const std::filesystem::path& path) {
        std::lock_guard lock(mutex_);
        if (crashed_) throw Crashed();
        ++operations_;
        for (Fault fault :
             {Fault::kNoSpace, Fault::kWriteError, Fault::kSyncError, Fault::kRenameError, Fault::kCrash}) {
            if (Applies(fault, op)) ++eligible_[fault];
        }
        if (!armed_ || !Applies(*armed_, op) || countdown_-- > 0) return;
        const Fault fault = *armed_;
        armed_.reset();
        fired_ = true;
        switch (fault) {
            case Fault::kNoSpace:
                throw Error::OutOfSpace("injected ENOSPC at " + path.string());
            case Fault::kWriteError:
            case Fault::kSyncError:
            case Fault::kRenameError:
                throw FileError(EIO, "injected fault at", path);
            case Fault::kCrash:
                crashed_ = true;
                DropUnsyncedDataLocked();
                if (crash_handler_) crash_handler_();
                throw Crashed();
        }
    }

    // Clean-up calls are no-ops once the process is dead.
    bool Quiet() {
        std::lock_guard lock(mutex_);
        return !crashed_;
    }

    // A new entry renamed stays new under its new name, unless it replaced an existing one: a crash
    // then leaves the old or the new version, never neither, and the new one is what we keep.
    void MoveUnder(const std::filesystem::path& from, const std::filesystem::path& to, bool replaces) {
        std::set<std::filesystem::path> moved;
        for (auto it = unsynced_entries_.begin(); it != unsynced_entries_.end();) {
            const auto relative = it->lexically_relative(from);
            if (!relative.empty() && *relative.begin() != "..") {
                if (relative != "." || !replaces) moved.insert(relative == "." ? to : to / relative);
                it = unsynced_entries_.erase(it);
            } else {
                ++it;
            }
        }
        unsynced_entries_.insert(moved.begin(), moved.end());
    }

    FileSystem& base_;
    std::function<void()> crash_handler_;
    mutable std::mutex mutex_;
    std::optional<Fault> armed_;
    int countdown_ = 0;
    bool fired_ = false;
    bool crashed_ = false;
    int operations_ = 0;
    std::map<Fault, int> eligible_;
    std::map<std::filesystem::path, std::uint64_t> file_synced_size_;
    std::set<std::filesystem::path> unsynced_entries_;
};

}  // namespace zr::testing
