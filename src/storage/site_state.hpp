#pragma once
// Two site-wide marks kept at the top of the data folder (api-v2.md section 1.1 "lock mode", 1.4 row 1):
//   readonly.lock          present = lock mode: the API refuses writes (423) until it is removed;
//                          its text is the operators' reason, shown back to them
//   installation_datetime  "YYYY-MM-DD HH:MM:SS.ffffff" (local time), written once when a
//                          service first starts on this folder; GET / reports it
// The only code that knows these names.
//
// Thread-safety: every const member is safe to call from any thread; Locked() is one stat(2), cheap
// enough for each write request.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/file_system.hpp"
#include "common/time.hpp"

namespace zr::storage {

class SiteState {
public:
    static constexpr std::string_view kLockFile = "readonly.lock";
    static constexpr std::string_view kInstallationFile = "installation_datetime";

    // `fs` (every write goes through it) must outlive the object.
    SiteState(FileSystem& fs, std::filesystem::path data_folder);

    // Whether readonly.lock exists (a file or anything else an operator put there).
    bool Locked() const;
    // The lock file's text (trimmed; may be empty) while locked, nullopt otherwise.
    std::optional<std::string> LockReason() const;
    // Creates (or replaces) readonly.lock holding `reason`, atomically and durably. Throws
    // FileError, or zr::Error::OutOfSpace on a full disk.
    void Lock(std::string_view reason) const;
    // Removes readonly.lock; false when there was none. Throws FileError when it stays.
    bool Unlock() const;

    // Reads installation_datetime, or writes `now` there when the file is absent or does not hold
    // a datetime; installed_at() answers it from then on. Called once, before the object is
    // shared between threads (wiring::Services does it when it prepares the data folder).
    // Throws FileError, zr::Error::OutOfSpace when it must write and cannot.
    void RecordInstallation(TimePoint now);
    // The time RecordInstallation() found or wrote (the epoch before it ran).
    TimePoint installed_at() const { return installed_at_; }

    std::filesystem::path lock_path() const { return data_folder_ / kLockFile; }

private:
    FileSystem& fs_;
    std::filesystem::path data_folder_;
    TimePoint installed_at_{};
};

}  // namespace zr::storage
