#include "client/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace zr::client {
namespace fs = std::filesystem;
namespace {

constexpr int kFormatVersion = 1;

nlohmann::json PartToJson(const PartState& part) {
    return {{"file_name", part.info.file_name},
            {"file_size", part.info.file_size},
            {"file_hash", part.info.file_hash},
            {"done", part.done}};
}

PartState PartFromJson(const nlohmann::json& json) {
    return PartState{PartInfo{json.at("file_name").get<std::string>(), json.at("file_size").get<std::uint64_t>(),
                              json.at("file_hash").get<std::string>()},
                     json.at("done").get<bool>()};
}

void WriteFileSynced(const fs::path& path, const std::string& content) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw SubmitError(path.string() + ": cannot write the checkpoint: " + std::strerror(errno));
    std::size_t written = 0;
    bool ok = true;
    while (ok && written < content.size()) {
        ssize_t n = write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) written += static_cast<std::size_t>(n);
    }
    ok = ok && fsync(fd) == 0;
    int saved_errno = errno;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        throw SubmitError(path.string() + ": cannot write the checkpoint: " + std::strerror(saved_errno));
    }
}

}  // namespace

std::vector<PartInfo> Checkpoint::Pending() const {
    std::vector<PartInfo> pending;
    for (const auto& part : parts) {
        if (!part.done) pending.push_back(part.info);
    }
    return pending;
}

std::size_t Checkpoint::DoneCount() const {
    std::size_t done = 0;
    for (const auto& part : parts) done += part.done ? 1 : 0;
    return done;
}

bool Checkpoint::MarkDone(const std::string& file_name) {
    for (auto& part : parts) {
        if (part.info.file_name == file_name) {
            part.done = true;
            return true;
        }
    }
    return false;
}

fs::path Checkpoint::PathOf(const PartInfo& part) const {
    return multipart ? parts_folder / part.file_name : archive.path;
}

fs::path DefaultCheckpointPath(const fs::path& archive) {
    fs::path path = archive;
    path += ".zr-submit.json";
    return path;
}

fs::path PartsFolderFor(const fs::path& checkpoint) {
    fs::path folder = checkpoint;
    if (folder.extension() == ".json") folder.replace_extension();
    folder += ".parts";
    return folder;
}

nlohmann::json ToJson(const Checkpoint& checkpoint) {
    nlohmann::json parts = nlohmann::json::array();
    for (const auto& part : checkpoint.parts) parts.push_back(PartToJson(part));
    return {{"version", kFormatVersion},
            {"url", checkpoint.url},
            {"challenge_id", checkpoint.challenge_id},
            {"submission_id", checkpoint.submission_id},
            {"archive",
             {{"path", checkpoint.archive.path.string()},
              {"size", checkpoint.archive.size},
              {"mtime_ns", checkpoint.archive.mtime_ns},
              {"md5", checkpoint.archive.md5}}},
            {"part_size", checkpoint.part_size},
            {"multipart", checkpoint.multipart},
            {"parts_folder", checkpoint.parts_folder.string()},
            {"parts", parts}};
}

Checkpoint CheckpointFromJson(const nlohmann::json& json) {
    try {
        if (json.at("version").get<int>() != kFormatVersion) throw SubmitError("unknown checkpoint version");
        Checkpoint checkpoint;
        checkpoint.url = json.at("url").get<std::string>();
        checkpoint.challenge_id = json.at("challenge_id").get<std::int64_t>();
        checkpoint.submission_id = json.at("submission_id").get<std::string>();
        const auto& archive = json.at("archive");
        checkpoint.archive =
            ArchiveInfo{archive.at("path").get<std::string>(), archive.at("size").get<std::uint64_t>(),
                        archive.at("mtime_ns").get<std::int64_t>(), archive.at("md5").get<std::string>()};
        checkpoint.part_size = json.at("part_size").get<std::uint64_t>();
        checkpoint.multipart = json.at("multipart").get<bool>();
        checkpoint.parts_folder = json.at("parts_folder").get<std::string>();
        for (const auto& part : json.at("parts")) checkpoint.parts.push_back(PartFromJson(part));
        if (checkpoint.parts.empty()) throw SubmitError("a checkpoint without parts");
        return checkpoint;
    } catch (const nlohmann::json::exception& e) {
        throw SubmitError(std::string("malformed checkpoint: ") + e.what());
    }
}

void SaveCheckpoint(const Checkpoint& checkpoint, const fs::path& path) {
    fs::path temporary = path;
    temporary += ".tmp";
    WriteFileSynced(temporary, ToJson(checkpoint).dump(2) + "\n");
    std::error_code ec;
    fs::rename(temporary, path, ec);
    if (ec) throw SubmitError(path.string() + ": cannot write the checkpoint: " + ec.message());
}

std::optional<Checkpoint> LoadCheckpoint(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::nullopt;
    std::ifstream file(path);
    if (!file) throw SubmitError(path.string() + ": cannot read the checkpoint");
    try {
        return CheckpointFromJson(nlohmann::json::parse(file));
    } catch (const nlohmann::json::parse_error&) {
        throw SubmitError(path.string() + ": the checkpoint is not valid JSON");
    } catch (const SubmitError& e) {
        throw SubmitError(path.string() + ": " + e.what());
    }
}

bool SameUpload(const Checkpoint& checkpoint, const std::string& url, std::int64_t challenge_id,
                const ArchiveInfo& archive) {
    return checkpoint.url == url && checkpoint.challenge_id == challenge_id &&
           checkpoint.archive.path == archive.path && checkpoint.archive.size == archive.size &&
           checkpoint.archive.mtime_ns == archive.mtime_ns;
}

}  // namespace zr::client
