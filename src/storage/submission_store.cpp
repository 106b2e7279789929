// SubmissionStore: the folder's layout, creation, manifest, lock and logs (see the header).
#include "storage/submission_store.hpp"

#include <spdlog/spdlog.h>

#include <sstream>
#include <stdexcept>

#include "storage/profiles.hpp"

namespace zr::storage {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kStagingPrefix = ".staging-";

nlohmann::json PartJson(const ManifestPart& part) {
    return {{"file_name", part.file_name}, {"file_size", part.file_size}, {"file_hash", part.file_hash}};
}

ManifestPart PartFromJson(const nlohmann::json& json) {
    if (!json.is_object()) throw std::runtime_error("upload.json: a part is not an object");
    ManifestPart part;
    part.file_name = json.at("file_name").get<std::string>();
    // Absent in some legacy manifests. A float must not reach get<std::uint64_t>(): beyond 2^64 the
    // conversion is undefined.
    const auto size = json.find("file_size");
    if (size != json.end()) {
        if (!size->is_number_unsigned()) throw std::runtime_error("upload.json: a file_size is not a size");
        part.file_size = size->get<std::uint64_t>();
    }
    part.file_hash = json.value("file_hash", std::string());
    return part;
}

std::vector<ManifestPart> PartsFromJson(const nlohmann::json& json, const char* key) {
    std::vector<ManifestPart> parts;
    if (!json.contains(key) || json.at(key).is_null()) return parts;
    for (const auto& item : json.at(key)) parts.push_back(PartFromJson(item));
    return parts;
}

std::string SecondsText(TimePoint when) { return FormatDateTime(when).substr(0, 19); }

std::string LogHeader(const NewSubmissionFolder& folder) {
    return "[" + SecondsText(folder.created) + "]: Submission " + folder.submission_id +
           " was created\n--> user: " + folder.username + "\n--> challenge: " + folder.track_label +
           "\n--> as multipart: " + (folder.multipart ? "True" : "False") + "\n";
}

std::string Lower(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
}

}  // namespace

nlohmann::json ToJson(const UploadManifest& manifest) {
    nlohmann::json index = nlohmann::json::array();
    for (const auto& part : manifest.index) index.push_back(PartJson(part));
    nlohmann::json received = nlohmann::json::array();
    for (const auto& part : manifest.received) received.push_back(PartJson(part));
    return {{"store_location", manifest.store_location},
            {"merge_hash", manifest.merge_hash},
            {"index", index},
            {"received", received},
            {"multipart", manifest.multipart},
            {"hashed_parts", manifest.hashed_parts},
            {"target_location", manifest.target_location}};
}

UploadManifest ManifestFromJson(const nlohmann::json& json) {
    if (!json.is_object()) throw std::runtime_error("upload.json is not a JSON object");
    try {
        UploadManifest manifest;
        manifest.store_location = json.value("store_location", std::string());
        manifest.merge_hash = json.at("merge_hash").get<std::string>();
        manifest.index = PartsFromJson(json, "index");
        manifest.received = PartsFromJson(json, "received");
        manifest.multipart = json.value("multipart", true);
        manifest.hashed_parts = json.value("hashed_parts", true);
        manifest.target_location = json.value("target_location", std::string());
        return manifest;
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("upload.json: ") + e.what());
    }
}

std::string LogLine(TimePoint when, std::string_view text) {
    return "[" + SecondsText(when) + "] " + std::string(text);
}

SubmissionStore::SubmissionStore(FileSystem& fs, const fs::path& submission_dir)
    : fs_(fs), root_(fs::absolute(submission_dir)) {}

fs::path SubmissionStore::Folder(std::string_view id) const {
    if (!IsPlainFileName(id)) throw std::invalid_argument("not a submission id: " + std::string(id));
    return root_ / std::string(id);
}

fs::path SubmissionStore::PartPath(std::string_view id, std::string_view part_name) const {
    if (!IsPlainFileName(part_name)) throw std::invalid_argument("not a part name: " + std::string(part_name));
    return TmpDir(id) / std::string(part_name);
}

fs::path SubmissionStore::StagingFolder(std::string_view id) const {
    return root_ / (std::string(kStagingPrefix) + Folder(id).filename().string());
}

bool SubmissionStore::Exists(std::string_view id) const {
    return IsPlainFileName(id) && fs_.Kind(Folder(id)) == EntryKind::kDirectory;
}

// --- Creation ------------------------------------------------------------------------------------

void SubmissionStore::WriteNewFile(const fs::path& path, std::string_view content) const {
    auto file = fs_.OpenForWrite(path, FileSystem::WriteMode::kCreateNew);
    file->Append(content);
    file->Sync();
    file->Close();
}

void SubmissionStore::CreateStaging(const NewSubmissionFolder& folder) const {
    const std::string& id = folder.submission_id;
    const fs::path dir = StagingFolder(id);
    fs_.CreateDirs(root_);
    if (!fs_.CreateDir(dir)) throw std::runtime_error("staging folder exists: " + dir.string());
    try {
        nlohmann::json info = {{"user", folder.username}, {"track", folder.track_label}, {"submission_id", id}};
        if (folder.extra_info.is_object()) {
            for (const auto& [key, value] : folder.extra_info.items()) info.emplace(key, value);
        }
        WriteNewFile(dir / "info.json", info.dump());
        fs_.CreateDir(dir / "scores");
        fs_.CreateDir(dir / "input");
        WriteNewFile(dir / "upload.lock", "");
        WriteNewFile(dir / "out.log", LogHeader(folder));
        if (folder.multipart) {
            fs_.CreateDir(dir / "tmp");
            UploadManifest manifest;
            manifest.store_location = TmpDir(id).string();
            manifest.merge_hash = folder.archive_hash;
            manifest.index = folder.index;
            manifest.target_location = ArchivePath(id).string();
            WriteNewFile(dir / "tmp" / "upload.json", ToJson(manifest).dump());
            fs_.SyncDir(dir / "tmp");
        } else {
            WriteNewFile(dir / "archive.hash", folder.archive_hash);
        }
        fs_.SyncDir(dir);
        // The staging folder itself is durable before the caller commits the row: a crash then
        // leaves a folder that start-up recovery publishes, never a row without its folder.
        fs_.SyncDir(root_);
    } catch (...) {
        fs_.RemoveAll(dir);
        throw;
    }
}

void SubmissionStore::Publish(std::string_view id) const {
    fs_.Rename(StagingFolder(id), Folder(id));
    fs_.SyncDir(root_);
}

void SubmissionStore::DiscardStaging(std::string_view id) const { fs_.RemoveAll(StagingFolder(id)); }

void SubmissionStore::Unpublish(std::string_view id) const {
    fs_.Rename(Folder(id), StagingFolder(id));
    fs_.SyncDir(root_);
}

std::pair<int, int> SubmissionStore::RecoverStaging(const std::function<bool(std::string_view)>& exists) const {
    std::pair<int, int> counts{0, 0};
    for (const auto& name : fs_.List(root_)) {
        if (!name.starts_with(kStagingPrefix)) continue;
        const std::string id = name.substr(kStagingPrefix.size());
        if (IsPlainFileName(id) && exists(id) && !Exists(id)) {
            Publish(id);
            ++counts.first;
        } else {
            fs_.RemoveAll(root_ / name);
            ++counts.second;
        }
    }
    return counts;
}

// --- Reading -------------------------------------------------------------------------------------

std::optional<nlohmann::json> SubmissionStore::ReadInfo(std::string_view id) const {
    auto text = fs_.ReadFile(Folder(id) / "info.json");
    if (!text) return std::nullopt;
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (!json.is_object()) return std::nullopt;
    return json;
}

std::optional<std::string> SubmissionStore::ReadArchiveHash(std::string_view id) const {
    auto text = fs_.ReadFile(ArchiveHashPath(id));
    if (!text) return std::nullopt;
    const auto first = text->find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return std::string();
    const auto last = text->find_last_not_of(" \t\r\n");
    return text->substr(first, last - first + 1);
}

std::optional<UploadManifest> SubmissionStore::ReadManifest(std::string_view id) const {
    auto text = fs_.ReadFile(ManifestPath(id));
    if (!text) return std::nullopt;
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded()) throw std::runtime_error("upload.json of " + std::string(id) + " is not JSON");
    return ManifestFromJson(json);
}

std::optional<std::string> SubmissionStore::ExpectedArchiveMd5(std::string_view id) const {
    if (auto hash = ReadArchiveHash(id)) return Lower(std::move(*hash));
    if (auto manifest = ReadManifest(id)) return Lower(std::move(manifest->merge_hash));
    return std::nullopt;
}

bool SubmissionStore::HasUploadLock(std::string_view id) const { return fs_.Kind(LockPath(id)) != EntryKind::kNone; }

std::vector<std::string> SubmissionStore::ReadLog(std::string_view id) const {
    std::vector<std::string> lines;
    auto text = fs_.ReadFile(LogPath(id));
    if (!text) return lines;
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(std::move(line));
    }
    return lines;
}

std::optional<nlohmann::json> SubmissionStore::ReadJsonFile(std::string_view id, std::string_view relative) const {
    return ReadJsonUnder(Folder(id), relative);
}

std::optional<nlohmann::json> SubmissionStore::ReadJsonUnder(const fs::path& root, std::string_view relative) const {
    auto path = ResolveUnder(root, relative);
    if (!path) return std::nullopt;
    std::optional<std::string> text;
    try {
        text = fs_.ReadFile(*path);
    } catch (const FileError&) {
        return std::nullopt;
    }
    if (!text) return std::nullopt;
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded()) return std::nullopt;
    return json;
}

// --- Logs ----------------------------------------------------------------------------------------

void SubmissionStore::AppendLog(std::string_view id, TimePoint when, std::string_view text) const {
    AppendRawLog(id, LogLine(when, text));
}

bool SubmissionStore::TryAppendLog(std::string_view id, TimePoint when, std::string_view text) const noexcept {
    try {
        AppendLog(id, when, text);
        return true;
    } catch (const std::exception& e) {
        spdlog::warn("submission {}: out.log line not written ({}): {}", id, e.what(), text);
        return false;
    }
}

void SubmissionStore::AppendRawLog(std::string_view id, std::string_view text) const {
    std::string data(text);
    if (data.empty() || data.back() != '\n') data += '\n';
    auto file = fs_.OpenForWrite(LogPath(id), FileSystem::WriteMode::kAppend);
    file->Append(data);
    file->Close();
}

}  // namespace zr::storage
