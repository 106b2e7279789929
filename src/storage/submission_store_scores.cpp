// SubmissionStore: score versions kept aside under scores_history/ (see the header).
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "common/fd.hpp"
#include "storage/profiles.hpp"
#include "storage/submission_store.hpp"

namespace zr::storage {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kHistoryFolder = "scores_history";
constexpr std::string_view kScoresFolder = "scores";

// Makes a rename inside `dir` durable.
void SyncDirectory(const fs::path& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
        throw std::system_error(errno, std::generic_category(), "fsync " + dir.string());
    }
}

bool IsEmptyOrAbsent(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return true;
    return fs::is_directory(dir, ec) && fs::is_empty(dir, ec);
}

}  // namespace

fs::path SubmissionStore::ScoresHistoryRoot(std::string_view id, std::string_view name) const {
    if (!IsPlainName(name)) throw std::invalid_argument("not a plain name: " + std::string(name));
    return Folder(id) / kHistoryFolder / name;
}

fs::path SubmissionStore::KeptScoresDir(std::string_view id, std::string_view name) const {
    return ScoresHistoryRoot(id, name) / kScoresFolder;
}

bool SubmissionStore::HasScoresInHistory(std::string_view id, std::string_view name) const {
    if (!IsPlainName(name)) return false;
    std::error_code ec;
    return fs::is_directory(KeptScoresDir(id, name), ec);
}

bool SubmissionStore::HasScores(std::string_view id) const { return !IsEmptyOrAbsent(ScoresDir(id)); }

bool SubmissionStore::KeepScoresAside(std::string_view id, std::string_view name) const {
    const fs::path root = ScoresHistoryRoot(id, name);
    if (!HasScores(id)) return false;
    const fs::path target = KeptScoresDir(id, name);
    std::error_code ec;
    if (fs::exists(target, ec)) {
        throw std::runtime_error("scores_history/" + std::string(name) + " of submission " + std::string(id) +
                                 " already holds scores");
    }
    fs::create_directories(root);
    fs::rename(ScoresDir(id), target);
    try {
        fs::create_directory(ScoresDir(id));
        SyncDirectory(root);
        SyncDirectory(Folder(id));
    } catch (...) {
        RestoreScores(id, name);  // the caller sees an error: nothing may stay moved
        throw;
    }
    return true;
}

bool SubmissionStore::RestoreScores(std::string_view id, std::string_view name) const {
    try {
        const fs::path root = ScoresHistoryRoot(id, name);
        const fs::path kept = KeptScoresDir(id, name);
        std::error_code ec;
        if (!fs::is_directory(kept, ec) || !IsEmptyOrAbsent(ScoresDir(id))) return false;
        fs::remove(ScoresDir(id), ec);
        fs::rename(kept, ScoresDir(id));
        fs::remove(root, ec);  // only when empty
        fs::remove(root.parent_path(), ec);
        SyncDirectory(Folder(id));
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

std::optional<nlohmann::json> SubmissionStore::ReadJsonFileInHistory(std::string_view id, std::string_view name,
                                                                     std::string_view relative) const {
    if (!IsPlainName(name)) return std::nullopt;
    auto path = ResolveUnder(ScoresHistoryRoot(id, name), relative);
    if (!path) return std::nullopt;
    std::ifstream in(*path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    auto json = nlohmann::json::parse(text.str(), nullptr, false);
    if (json.is_discarded()) return std::nullopt;
    return json;
}

}  // namespace zr::storage
