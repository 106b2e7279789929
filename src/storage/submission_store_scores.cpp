// SubmissionStore: score versions kept aside under scores_history/ (see the header).
#include <stdexcept>

#include "storage/profiles.hpp"
#include "storage/submission_store.hpp"

namespace zr::storage {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kHistoryFolder = "scores_history";
constexpr std::string_view kScoresFolder = "scores";

}  // namespace

fs::path SubmissionStore::ScoresHistoryRoot(std::string_view id, std::string_view name) const {
    if (!IsPlainFileName(name)) throw std::invalid_argument("not a plain name: " + std::string(name));
    return Folder(id) / kHistoryFolder / name;
}

fs::path SubmissionStore::KeptScoresDir(std::string_view id, std::string_view name) const {
    return ScoresHistoryRoot(id, name) / kScoresFolder;
}

bool SubmissionStore::HasScoresInHistory(std::string_view id, std::string_view name) const {
    if (!IsPlainFileName(name)) return false;
    return fs_.Kind(KeptScoresDir(id, name)) == EntryKind::kDirectory;
}

bool SubmissionStore::HasScores(std::string_view id) const {
    return fs_.Kind(ScoresDir(id)) == EntryKind::kDirectory && !fs_.List(ScoresDir(id)).empty();
}

bool SubmissionStore::KeepScoresAside(std::string_view id, std::string_view name) const {
    const fs::path root = ScoresHistoryRoot(id, name);
    if (!HasScores(id)) return false;
    const fs::path target = KeptScoresDir(id, name);
    if (fs_.Kind(target) != EntryKind::kNone) {
        throw std::runtime_error("scores_history/" + std::string(name) + " of submission " + std::string(id) +
                                 " already holds scores");
    }
    fs_.CreateDirs(root);
    fs_.Rename(ScoresDir(id), target);
    try {
        fs_.CreateDir(ScoresDir(id));
        fs_.SyncDir(root);
        fs_.SyncDir(Folder(id));
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
        if (fs_.Kind(kept) != EntryKind::kDirectory || HasScores(id)) return false;
        fs_.Remove(ScoresDir(id));
        fs_.Rename(kept, ScoresDir(id));
        fs_.Remove(root);  // only when empty
        fs_.Remove(root.parent_path());
        fs_.SyncDir(Folder(id));
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

std::optional<nlohmann::json> SubmissionStore::ReadJsonFileInHistory(std::string_view id, std::string_view name,
                                                                     std::string_view relative) const {
    if (!IsPlainFileName(name)) return std::nullopt;
    return ReadJsonUnder(ScoresHistoryRoot(id, name), relative);
}

}  // namespace zr::storage
