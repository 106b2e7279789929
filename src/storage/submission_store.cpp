#include "storage/submission_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "storage/profiles.hpp"

namespace zr::storage {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kStagingPrefix = ".staging-";
constexpr std::string_view kManifestTemp = "upload.json.tmp";

[[noreturn]] void ThrowErrno(const std::string& what, const fs::path& path) {
    throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

void SyncPath(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) ThrowErrno("open", path);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) ThrowErrno("fsync", path);
}

// Writes (replacing) a whole file; with sync, its data reaches the disk before returning.
void WriteFile(const fs::path& path, std::string_view content, bool sync) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error("cannot create " + path.string());
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + path.string());
    }
    if (sync) SyncPath(path, O_RDONLY);
}

std::optional<std::string> ReadWholeFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

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

bool IsPlainName(std::string_view name) {
    if (name.empty() || name.size() > 255 || name.front() == '.') return false;
    if (name.find("..") != std::string_view::npos) return false;
    return name.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

SubmissionStore::SubmissionStore(fs::path submission_dir) : root_(fs::absolute(submission_dir)) {}

fs::path SubmissionStore::Folder(std::string_view id) const {
    if (!IsPlainName(id)) throw std::invalid_argument("not a submission id: " + std::string(id));
    return root_ / std::string(id);
}

fs::path SubmissionStore::PartPath(std::string_view id, std::string_view part_name) const {
    if (!IsPlainName(part_name)) throw std::invalid_argument("not a part name: " + std::string(part_name));
    return TmpDir(id) / std::string(part_name);
}

fs::path SubmissionStore::StagingFolder(std::string_view id) const {
    return root_ / (std::string(kStagingPrefix) + Folder(id).filename().string());
}

bool SubmissionStore::Exists(std::string_view id) const {
    std::error_code ec;
    return IsPlainName(id) && fs::is_directory(Folder(id), ec);
}

void SubmissionStore::CreateStaging(const NewSubmissionFolder& folder) const {
    const std::string& id = folder.submission_id;
    const fs::path dir = StagingFolder(id);
    fs::create_directories(root_);
    if (!fs::create_directory(dir)) throw std::runtime_error("staging folder exists: " + dir.string());
    const nlohmann::json info = {{"user", folder.username}, {"track", folder.track_label}, {"submission_id", id}};
    WriteFile(dir / "info.json", info.dump(), false);
    fs::create_directory(dir / "scores");
    fs::create_directory(dir / "input");
    WriteFile(dir / "upload.lock", "", false);
    WriteFile(dir / "out.log", LogHeader(folder), false);
    if (folder.multipart) {
        fs::create_directory(dir / "tmp");
        UploadManifest manifest;
        manifest.store_location = TmpDir(id).string();
        manifest.merge_hash = folder.archive_hash;
        manifest.index = folder.index;
        manifest.target_location = ArchivePath(id).string();
        WriteFile(dir / "tmp" / "upload.json", ToJson(manifest).dump(), true);
    } else {
        WriteFile(dir / "archive.hash", folder.archive_hash, true);
    }
    SyncPath(dir, O_RDONLY | O_DIRECTORY);
}

void SubmissionStore::Publish(std::string_view id) const {
    fs::rename(StagingFolder(id), Folder(id));
    SyncPath(root_, O_RDONLY | O_DIRECTORY);
}

void SubmissionStore::DiscardStaging(std::string_view id) const {
    std::error_code ec;
    fs::remove_all(StagingFolder(id), ec);
}

int SubmissionStore::RemoveStaleStaging() const {
    std::error_code ec;
    int removed = 0;
    for (const auto& entry : fs::directory_iterator(root_, ec)) {
        if (entry.path().filename().string().starts_with(kStagingPrefix)) {
            std::error_code remove_ec;
            fs::remove_all(entry.path(), remove_ec);
            ++removed;
        }
    }
    return removed;
}

std::optional<nlohmann::json> SubmissionStore::ReadInfo(std::string_view id) const {
    auto text = ReadWholeFile(Folder(id) / "info.json");
    if (!text) return std::nullopt;
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (!json.is_object()) return std::nullopt;
    return json;
}

std::optional<std::string> SubmissionStore::ReadArchiveHash(std::string_view id) const {
    auto text = ReadWholeFile(ArchiveHashPath(id));
    if (!text) return std::nullopt;
    const auto first = text->find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return std::string();
    const auto last = text->find_last_not_of(" \t\r\n");
    return text->substr(first, last - first + 1);
}

std::optional<UploadManifest> SubmissionStore::ReadManifest(std::string_view id) const {
    auto text = ReadWholeFile(ManifestPath(id));
    if (!text) return std::nullopt;
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded()) throw std::runtime_error("upload.json of " + std::string(id) + " is not JSON");
    return ManifestFromJson(json);
}

void SubmissionStore::WriteManifest(std::string_view id, const UploadManifest& manifest) const {
    const fs::path temp = TmpDir(id) / std::string(kManifestTemp);
    WriteFile(temp, ToJson(manifest).dump(), true);
    fs::rename(temp, ManifestPath(id));
    SyncPath(TmpDir(id), O_RDONLY | O_DIRECTORY);
}

bool SubmissionStore::HasUploadLock(std::string_view id) const {
    std::error_code ec;
    return fs::exists(LockPath(id), ec);
}

void SubmissionStore::RemoveUploadLock(std::string_view id) const {
    fs::remove(LockPath(id));
    SyncPath(Folder(id), O_RDONLY | O_DIRECTORY);
}

void SubmissionStore::AppendLog(std::string_view id, TimePoint when, std::string_view text) const {
    const fs::path path = LogPath(id);
    std::ofstream out(path, std::ios::binary | std::ios::app);
    if (!out) throw std::runtime_error("cannot open " + path.string());
    out << LogLine(when, text) << '\n';
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::vector<std::string> SubmissionStore::ReadLog(std::string_view id) const {
    std::vector<std::string> lines;
    auto text = ReadWholeFile(LogPath(id));
    if (!text) return lines;
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(std::move(line));
    }
    return lines;
}

void SubmissionStore::PublishInput(std::string_view id) const {
    fs::remove_all(InputDir(id));
    fs::rename(PartialInputDir(id), InputDir(id));
}

void SubmissionStore::PublishArchive(std::string_view id) const { fs::rename(PartialArchivePath(id), ArchivePath(id)); }

void SubmissionStore::AppendRawLog(std::string_view id, std::string_view text) const {
    std::string data(text);
    if (data.empty() || data.back() != '\n') data += '\n';
    const fs::path path = LogPath(id);
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) ThrowErrno("open", path);
    std::size_t written = 0;
    while (written < data.size()) {
        const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int saved = errno;
            ::close(fd);
            errno = saved;
            ThrowErrno("write", path);
        }
        written += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

fs::path SubmissionStore::PartialScoresDir(std::string_view id, std::string_view tag) const {
    if (!IsPlainName(tag)) throw std::invalid_argument("not a plain name: " + std::string(tag));
    return Folder(id) / ("scores.partial-" + std::string(tag));
}

void SubmissionStore::PublishScores(std::string_view id, std::string_view tag) const {
    const fs::path old = Folder(id) / ("scores.old-" + std::string(tag));
    std::error_code ec;
    fs::rename(ScoresDir(id), old, ec);  // absent scores/ is fine
    try {
        fs::rename(PartialScoresDir(id, tag), ScoresDir(id));
    } catch (...) {
        fs::rename(old, ScoresDir(id), ec);  // the previous scores stay
        throw;
    }
    fs::remove_all(old, ec);
}

int SubmissionStore::RemoveSpoolFiles(std::string_view id) const {
    std::error_code ec;
    int removed = 0;
    for (const auto& entry : fs::directory_iterator(TmpDir(id), ec)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with(kSpoolPrefix) && name.ends_with(kSpoolSuffix)) {
            std::error_code remove_ec;
            if (fs::remove(entry.path(), remove_ec)) ++removed;
        }
    }
    return removed;
}

void SubmissionStore::RemoveParts(std::string_view id) const {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(TmpDir(id), ec)) {
        if (entry.path().filename() == "upload.json") continue;
        fs::remove_all(entry.path());
    }
}

std::optional<nlohmann::json> SubmissionStore::ReadJsonFile(std::string_view id, std::string_view relative) const {
    auto path = ResolveUnder(Folder(id), relative);
    if (!path) return std::nullopt;
    auto text = ReadWholeFile(*path);
    if (!text) return std::nullopt;
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded()) return std::nullopt;
    return json;
}

}  // namespace zr::storage
