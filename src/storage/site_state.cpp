#include "storage/site_state.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>

#include "common/strings.hpp"

namespace zr::storage {

SiteState::SiteState(FileSystem& fs, std::filesystem::path data_folder)
    : fs_(fs), data_folder_(std::move(data_folder)) {}

bool SiteState::Locked() const { return fs_.Kind(lock_path()) != EntryKind::kNone; }

std::optional<std::string> SiteState::LockReason() const {
    const auto path = lock_path();
    const EntryKind kind = fs_.Kind(path);
    if (kind == EntryKind::kNone) return std::nullopt;
    if (kind != EntryKind::kFile) return std::string();
    return std::string(Trim(fs_.ReadFile(path).value_or("")));
}

void SiteState::Lock(std::string_view reason) const {
    std::string text(reason);
    if (!text.empty()) text += '\n';
    WriteFileAtomically(fs_, lock_path(), text);
}

bool SiteState::Unlock() const {
    const auto path = lock_path();
    if (fs_.Kind(path) == EntryKind::kNone) return false;
    if (!fs_.Remove(path)) {
        const int error = errno;  // Remove() is unlink(2) or rmdir(2): errno tells why
        if (fs_.Kind(path) != EntryKind::kNone) throw FileError(error, "remove", path);
    }
    fs_.SyncDir(data_folder_);
    return true;
}

void SiteState::RecordInstallation(TimePoint now) {
    const auto path = data_folder_ / kInstallationFile;
    if (const auto text = fs_.ReadFile(path)) {
        if (const auto stored = ParseDateTime(Trim(*text))) {
            installed_at_ = *stored;
            return;
        }
        // Someone edited it into something else: keep serving, with a date that stays put from now on.
        spdlog::warn("{} does not hold a datetime; replaced with the current time", path.string());
    }
    WriteFileAtomically(fs_, path, FormatDateTime(now) + "\n");
    installed_at_ = now;
}

}  // namespace zr::storage
