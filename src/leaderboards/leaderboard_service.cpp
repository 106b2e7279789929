#include "leaderboards/leaderboard_service.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "db/repositories.hpp"
#include "db/score_version_repository.hpp"
#include "domain/submission_history.hpp"
#include "leaderboards/board_fields.hpp"
#include "leaderboards/entries.hpp"
#include "leaderboards/files.hpp"
#include "leaderboards/sorting.hpp"

namespace zr::leaderboards {
namespace fs = std::filesystem;
namespace {

Error UnknownLeaderboard(domain::LeaderboardId id) {
    return Error::Message(ErrorKind::kNotFound, "There is no leaderboard with the following id: " + std::to_string(id));
}

Error UnknownChallenge(domain::ChallengeId id) {
    return Error::Message(ErrorKind::kNotFound, "There is no challenge with the following id: " + std::to_string(id));
}

// Python's datetime.isoformat() of the local time, as the first implementation wrote it.
std::string IsoLocalTime(TimePoint when) {
    std::string text = FormatDateTime(when);
    if (auto space = text.find(' '); space != std::string::npos) text[space] = 'T';
    return text;
}

fs::path LockPathFor(const fs::path& output) { return fs::path(output.string() + ".lock"); }

// Where a ranked submission's entry is read.
struct RankedScores {
    std::string submission_id;
    std::optional<std::string> history_name;  // nullopt: the submission folder's scores/
    // The client's own entry (input/<file>), read when the evaluator left none: a has_scores
    // submission an organiser published (completed without evaluation).
    std::optional<std::string> client_entry;
    db::EntryIdentity identity;
};

// The client's entry of a completed has_scores submission, as a path under its folder: only a
// safe path relative to input/ (the creation checked it; a row edited by hand is not trusted).
std::optional<std::string> ClientEntry(const db::BoardCandidate& candidate) {
    if (candidate.status != domain::SubmissionStatus::kCompleted || !candidate.has_scores) return std::nullopt;
    if (!candidate.leaderboard_file || !detail::IsSafeRelativePath(*candidate.leaderboard_file)) return std::nullopt;
    return "input/" + *candidate.leaderboard_file;
}

// The challenge's submissions that have scores to rank (domain::WhichScoresShown), by submit date
// (one query; a stat per submission whose newest scores may have been kept aside). Excluded
// submissions are not candidates at all.
std::vector<RankedScores> ShownScores(db::Database& db, const storage::SubmissionStore& store,
                                      domain::ChallengeId challenge_id) {
    std::vector<db::BoardCandidate> candidates;
    {
        auto conn = db.Acquire();
        candidates = db::ScoreVersionRepository(*conn).ListBoardCandidates(challenge_id);
    }
    std::vector<RankedScores> ranked;
    for (auto& candidate : candidates) {
        if (!IsPlainFileName(candidate.submission_id)) continue;
        std::optional<domain::NewestScores> newest;
        if (candidate.newest) {
            const bool archived = store.HasScoresInHistory(candidate.submission_id, candidate.newest->history_name);
            newest = domain::NewestScores{candidate.newest->job_id, candidate.newest->history_name, archived};
        }
        switch (domain::WhichScoresShown(candidate.status, newest, candidate.current)) {
            case domain::ShownScores::kNone:
                break;
            case domain::ShownScores::kCurrent:
                ranked.push_back(
                    {candidate.submission_id, std::nullopt, ClientEntry(candidate), std::move(candidate.identity)});
                break;
            case domain::ShownScores::kArchived:
                ranked.push_back(
                    {candidate.submission_id, newest->history_name, std::nullopt, std::move(candidate.identity)});
                break;
        }
    }
    return ranked;
}

// Reads each submission's entry file (the evaluator's, else the client's published one) and
// stamps it from our records; returns how many were skipped.
std::size_t AddSubmissionEntries(const storage::SubmissionStore& store, const std::vector<RankedScores>& ranked,
                                 const std::string& entry_file, std::vector<nlohmann::json>& entries) {
    std::vector<std::string_view> skipped;
    for (const auto& scores : ranked) {
        if (scores.history_name && !IsPlainFileName(*scores.history_name)) {
            skipped.push_back(scores.submission_id);
            continue;
        }
        const fs::path root = scores.history_name ? store.ScoresHistoryRoot(scores.submission_id, *scores.history_name)
                                                  : store.Folder(scores.submission_id);
        std::optional<nlohmann::json> entry = detail::ReadEntryObject(root, entry_file);
        if (!entry && scores.client_entry) {
            entry = store.ReadJsonFile(scores.submission_id, *scores.client_entry);
            if (entry && !entry->is_object()) entry.reset();
        }
        if (!entry) {
            skipped.push_back(scores.submission_id);
            continue;
        }
        StampIdentity(*entry, scores.submission_id, scores.identity);
        entries.push_back(std::move(*entry));
    }
    if (!skipped.empty()) {
        spdlog::warn("leaderboards: {} completed submission(s) without a readable {} (first: {})", skipped.size(),
                     entry_file, skipped.front());
    }
    return skipped.size();
}

}  // namespace

LeaderboardService::LeaderboardService(db::Database& db, const storage::SubmissionStore& store,
                                       const settings::Settings& settings, const Clock& clock)
    : db_(db), store_(store), settings_(settings), clock_(clock) {}

std::vector<domain::LeaderboardId> LeaderboardService::CreateFromJson(const nlohmann::json& items) {
    if (!items.is_array()) {
        throw Error::Message(ErrorKind::kInvalidInput, "expected a JSON list of leaderboards");
    }
    std::vector<domain::Leaderboard> boards;
    for (std::size_t i = 0; i < items.size(); ++i) boards.push_back(detail::ParseBoardItem(items[i], i));

    auto conn = db_.Acquire();
    db::Transaction transaction(*conn);
    db::ChallengeRepository challenges(*conn);
    db::LeaderboardRepository repository(*conn);
    std::set<std::string> labels;
    for (const auto& board : repository.List()) labels.insert(board.label);
    for (std::size_t i = 0; i < boards.size(); ++i) {
        const std::string item = "item " + std::to_string(i) + ": ";
        if (!challenges.Find(boards[i].challenge_id)) {
            throw Error::Message(ErrorKind::kNotFound, item + UnknownChallenge(boards[i].challenge_id).message());
        }
        if (!labels.insert(boards[i].label).second) {
            throw Error::Message(ErrorKind::kConflict,
                                 item + "a leaderboard labelled '" + boards[i].label + "' already exists");
        }
    }
    std::vector<domain::LeaderboardId> ids;
    for (const auto& board : boards) {
        try {
            ids.push_back(repository.Create(board));
        } catch (const db::UniqueViolation&) {
            throw Error::Message(ErrorKind::kConflict, "a leaderboard labelled '" + board.label + "' already exists");
        }
    }
    transaction.Commit();
    return ids;
}

std::vector<domain::Leaderboard> LeaderboardService::List() {
    auto conn = db_.Acquire();
    return db::LeaderboardRepository(*conn).List();
}

std::vector<domain::Leaderboard> LeaderboardService::ListForChallenge(domain::ChallengeId challenge_id) {
    auto conn = db_.Acquire();
    return db::LeaderboardRepository(*conn).ListByChallenge(challenge_id);
}

domain::Leaderboard LeaderboardService::Get(domain::LeaderboardId id) {
    auto conn = db_.Acquire();
    auto board = db::LeaderboardRepository(*conn).Find(id);
    if (!board) throw UnknownLeaderboard(id);
    return std::move(*board);
}

BuildResult LeaderboardService::Build(domain::LeaderboardId id) {
    const domain::Leaderboard board = Get(id);
    const auto started = std::chrono::steady_clock::now();
    BuildResult result{.id = board.id, .label = board.label, .path = OutputPath(board)};
    std::lock_guard in_process(BoardMutex(id));
    FileSystem& disk = store_.file_system();
    disk.CreateDirs(result.path.parent_path());
    const detail::FileLock across_processes(LockPathFor(result.path));

    // Read under the locks, so the last build to write also saw the latest submissions.
    detail::Collected collected;
    if (!board.external_entries.empty()) {
        fs::path folder = board.external_entries;
        if (folder.is_relative()) folder = settings_.archive_dir / folder;
        collected = detail::ReadExternalEntries(folder);
    }
    if (!board.archived) {
        collected.skipped += AddSubmissionEntries(store_, ShownScores(db_, store_, board.challenge_id),
                                                  board.entry_file, collected.entries);
    }
    SortAndRank(collected.entries, ParseSortingKey(board.sorting_key));
    const std::string now = IsoLocalTime(clock_.Now());
    const nlohmann::json file = {{"updatedOn", now}, {"last_modified", now}, {"data", std::move(collected.entries)}};
    WriteFileAtomically(disk, result.path, file.dump());
    result.entries = file["data"].size();
    result.skipped = collected.skipped;
    const auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
    spdlog::info("leaderboard {} ({}) built: {} entries, {} skipped, {:.1f} ms -> {}", board.id, board.label,
                 result.entries, result.skipped, elapsed.count(), result.path.string());
    return result;
}

int LeaderboardService::RemoveLeftovers() {
    int removed = 0;
    FileSystem& disk = store_.file_system();
    for (const auto& board : List()) {
        const fs::path output = OutputPath(board);
        const std::string prefix = "." + output.filename().string();
        try {
            for (const auto& name : disk.List(output.parent_path())) {
                if (name.starts_with(prefix) && IsAtomicWriteLeftover(name))
                    removed += disk.Remove(output.parent_path() / name);
            }
        } catch (const std::exception& e) {
            spdlog::warn("leaderboard {}: cannot look for leftovers of its file: {}", board.label, e.what());
        }
    }
    return removed;
}

std::vector<BuildResult> LeaderboardService::BuildAll() {
    std::vector<BuildResult> results;
    for (const auto& board : List()) results.push_back(Build(board.id));
    return results;
}

std::vector<BuildResult> LeaderboardService::BuildForChallenge(domain::ChallengeId challenge_id) {
    std::vector<domain::Leaderboard> boards;
    {
        auto conn = db_.Acquire();
        boards = db::LeaderboardRepository(*conn).ListByChallenge(challenge_id);
    }
    std::vector<BuildResult> results;
    results.reserve(boards.size());
    for (const auto& board : boards) results.push_back(Build(board.id));
    return results;
}

nlohmann::json LeaderboardService::ReadJson(domain::LeaderboardId id) { return ReadJson(Get(id)); }

nlohmann::json LeaderboardService::ReadJson(const domain::Leaderboard& board) {
    auto built = ReadBuilt(board);
    if (!built) {
        const std::string now = IsoLocalTime(clock_.Now());
        return {{"updatedOn", now}, {"last_modified", now}, {"data", nlohmann::json::array()}};
    }
    // Files built before the second generation carry updatedOn only.
    if (built->is_object() && !built->contains("last_modified") && built->contains("updatedOn")) {
        (*built)["last_modified"] = (*built)["updatedOn"];
    }
    return std::move(*built);
}

std::optional<nlohmann::json> LeaderboardService::ReadBuilt(domain::LeaderboardId id) { return ReadBuilt(Get(id)); }

std::optional<nlohmann::json> LeaderboardService::ReadBuilt(const domain::Leaderboard& board) {
    const fs::path path = OutputPath(board);
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    auto json = nlohmann::json::parse(text.str(), nullptr, false);
    if (json.is_discarded()) {
        throw Error::Message(ErrorKind::kInternal, "the leaderboard file is unreadable",
                             "malformed leaderboard file " + path.string());
    }
    return json;
}

std::optional<domain::Leaderboard> LeaderboardService::FindByLabel(std::string_view label) {
    // A handful of boards: one listing beats a query of its own.
    for (auto& board : List()) {
        if (board.label == label) return std::move(board);
    }
    return std::nullopt;
}

domain::Leaderboard LeaderboardService::GetByLabel(std::string_view label) {
    auto board = FindByLabel(label);
    if (!board) {
        throw Error::Message(ErrorKind::kNotFound,
                             "There is no leaderboard with the following label: " + std::string(label));
    }
    return std::move(*board);
}

domain::Leaderboard LeaderboardService::Resolve(std::string_view id_or_label) {
    const bool digits = !id_or_label.empty() && id_or_label.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits && id_or_label.size() < 19) return Get(std::stoll(std::string(id_or_label)));
    return GetByLabel(id_or_label);
}

std::string LeaderboardService::ChallengeLabel(domain::ChallengeId challenge_id) {
    auto conn = db_.Acquire();
    auto challenge = db::ChallengeRepository(*conn).Find(challenge_id);
    return challenge ? challenge->label : std::to_string(challenge_id);
}

std::string LeaderboardService::ReadCsv(const domain::Leaderboard& board) {
    const nlohmann::json built = ReadJson(board);
    return EntriesToCsv(built.contains("data") ? built["data"] : nlohmann::json::array());
}

nlohmann::json LeaderboardService::ReadEntry(const domain::Leaderboard& board, std::string_view submission_id) {
    const nlohmann::json built = ReadJson(board);
    if (built.contains("data") && built["data"].is_array()) {
        for (const auto& entry : built["data"]) {
            const auto it = entry.find("submission_id");
            if (it != entry.end() && it->is_string() && it->get<std::string>() == submission_id) return entry;
        }
    }
    throw Error::Message(ErrorKind::kNotFound, "The leaderboard " + board.label + " has no entry for the submission " +
                                                   std::string(submission_id));
}

nlohmann::json LeaderboardService::ReadForChallenge(domain::ChallengeId challenge_id) {
    std::vector<domain::Leaderboard> boards;
    {
        auto conn = db_.Acquire();
        if (!db::ChallengeRepository(*conn).Find(challenge_id)) throw UnknownChallenge(challenge_id);
        boards = db::LeaderboardRepository(*conn).ListByChallenge(challenge_id);
    }
    nlohmann::json out = nlohmann::json::object();
    for (const auto& board : boards) out[board.label] = ReadJson(board.id);
    return out;
}

fs::path LeaderboardService::OutputPath(const domain::Leaderboard& board) const {
    const fs::path path = board.path_to;
    return path.is_absolute() ? path : settings_.leaderboard_dir / path;
}

std::mutex& LeaderboardService::BoardMutex(domain::LeaderboardId id) {
    std::lock_guard lock(mutexes_guard_);
    auto& mutex = mutexes_[id];
    if (!mutex) mutex = std::make_unique<std::mutex>();
    return *mutex;
}

nlohmann::json PublicJson(const domain::Leaderboard& board) {
    return {
        {"id", board.id},
        {"challenge_id", board.challenge_id},
        {"label", board.label},
        {"entry_file", board.entry_file},
        {"archived", board.archived},
        {"static_files", board.static_files},
    };
}

}  // namespace zr::leaderboards
