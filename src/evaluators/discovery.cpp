// Reading a host's index.yml and checking that the host can run its entries.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "evaluators/child_process.hpp"
#include "evaluators/discovery_internal.hpp"

namespace zr::evaluators::detail {
namespace {

constexpr auto kSshTimeout = std::chrono::seconds(60);
constexpr auto kDockerInfoTimeout = std::chrono::seconds(30);

Error BadRequest(const std::string& message) { return Error::Message(ErrorKind::kInvalidInput, message); }

bool Contains(const std::vector<std::string>& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

// ssh joins its remote arguments with spaces for the remote shell: quote a path that needs it.
std::string ShellWord(const std::string& word) {
    const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
        return std::isalnum(c) || std::string_view("/._-+:@%,=").find(static_cast<char>(c)) != std::string_view::npos;
    });
    if (plain) return word;
    std::string quoted = "'";
    for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::string ReadLocalFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// True when `path` is `folder` or inside it (both already resolved).
bool IsInside(const std::filesystem::path& path, const std::filesystem::path& folder) {
    auto p = path.begin();
    for (auto f = folder.begin(); f != folder.end(); ++f, ++p) {
        if (f->empty()) continue;  // a trailing separator
        if (p == path.end() || *p != *f) return false;
    }
    return true;
}

// Local entries: the script's real path must be a regular file inside the bin folder's real path.
std::optional<std::string> ScriptProblem(const std::filesystem::path& real_bin, const IndexEntry& entry) {
    std::error_code ec;
    const std::filesystem::path real = std::filesystem::canonical(entry.script_path, ec);
    if (ec) return "script_path " + entry.script_path + " does not exist";
    if (!std::filesystem::is_regular_file(real, ec)) return "script_path " + entry.script_path + " is not a file";
    if (!IsInside(real, real_bin)) {
        return "script_path " + entry.script_path +
               (real.string() == entry.script_path ? "" : " (" + real.string() + ")") + " is outside the bin folder " +
               real_bin.string();
    }
    return std::nullopt;
}

// "" when a Docker engine answers `docker info` on the source's host, else why not.
std::string DockerProblem(const IndexSource& source) {
    std::vector<std::string> argv = source.host ? SshPrefix(*source.host) : std::vector<std::string>{};
    argv.insert(argv.end(), {"docker", "info"});
    const std::string on = source.host ? "on " + *source.host : "on this host";
    try {
        const ChildResult result = RunCaptured(argv, kDockerInfoTimeout);
        if (result.exit_code == 0) return "";
        std::string reason = result.timed_out ? "no answer in time" : FirstLine(result.err);
        if (reason.empty()) reason = "exit status " + std::to_string(result.exit_code);
        return "no Docker engine answers " + on + " ('docker info' failed: " + reason + ")";
    } catch (const std::runtime_error& e) {
        return "no Docker engine " + on + " (" + e.what() + ")";
    }
}

// <bin>/index.yml, without doubled slashes.
std::string IndexPathIn(std::string folder) {
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    return (folder == "/" ? "" : folder) + "/index.yml";
}

}  // namespace

std::vector<std::string> SshPrefix(const std::string& host) {
    return {"ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", host};
}

IndexSource ResolveSource(const settings::Settings& settings, const std::optional<std::string>& host) {
    const bool local = !host || *host == settings.hostname;
    const std::string name = local ? settings.hostname : *host;
    if (!local && !Contains(settings.hosts, name) && settings.remote_bin.count(name) == 0) {
        throw BadRequest("unknown host '" + name + "': not in ZR_HOSTS or ZR_REMOTE_BIN");
    }
    const auto bin = settings.remote_bin.find(name);
    if (bin == settings.remote_bin.end() || bin->second.empty()) {
        throw BadRequest("no bin folder for host " + name + ": set ZR_REMOTE_BIN");
    }
    IndexSource source;
    if (!local) source.host = name;
    source.bin_dir = bin->second;
    source.index_path = IndexPathIn(bin->second);
    source.where = local ? source.index_path : name + ":" + source.index_path;
    return source;
}

Discovery ResolveDiscovery(const settings::Settings& settings, const std::optional<std::string>& host) {
    const auto pool = host ? settings.pools.find(*host) : settings.pools.end();
    if (pool == settings.pools.end()) {
        IndexSource source = ResolveSource(settings, host);
        return {source.host, {source}, source.where};
    }
    const auto bin = settings.remote_bin.find(pool->first);
    if (bin == settings.remote_bin.end() || bin->second.empty()) {
        throw BadRequest("no bin folder for pool " + pool->first + ": set ZR_REMOTE_BIN[\"" + pool->first +
                         "\"] (the same folder on each of its machines)");
    }
    Discovery discovery{pool->first, {}, "pool " + pool->first};
    for (const auto& member : pool->second) {
        IndexSource source;
        if (member != settings.hostname) source.host = member;
        source.bin_dir = bin->second;
        source.index_path = IndexPathIn(bin->second);
        source.where = member + ":" + source.index_path;
        discovery.sources.push_back(std::move(source));
    }
    return discovery;
}

std::string ReadIndex(const IndexSource& source) {
    if (!source.host) return ReadLocalFile(source.index_path);
    std::vector<std::string> argv = SshPrefix(*source.host);
    argv.insert(argv.end(), {"cat", ShellWord(source.index_path)});
    const ChildResult result = RunCaptured(argv, kSshTimeout);
    if (result.exit_code == 0) return result.out;
    std::string reason = result.timed_out ? "no answer in time" : FirstLine(result.err);
    if (reason.empty()) reason = "exit status " + std::to_string(result.exit_code);
    throw std::runtime_error("cannot read " + source.where + " over ssh: " + reason);
}

std::vector<std::string> CheckRunnable(const IndexSource& source, const std::vector<IndexEntry>& entries) {
    std::vector<std::string> problems;
    std::filesystem::path real_bin;
    if (!source.host) {
        std::error_code ec;
        real_bin = std::filesystem::canonical(source.bin_dir, ec);
        if (ec) return {"bin folder " + source.bin_dir + " does not exist"};
    }
    std::optional<std::string> docker_problem;  // asked once, when an entry needs it
    for (const auto& entry : entries) {
        const std::string prefix = "evaluator '" + entry.label + "': ";
        if (!source.host) {
            if (auto problem = ScriptProblem(real_bin, entry)) problems.push_back(prefix + *problem);
        }
        if (entry.executor == "docker") {
            if (!docker_problem) docker_problem = DockerProblem(source);
            if (!docker_problem->empty()) problems.push_back(prefix + "executor docker refused: " + *docker_problem);
        }
        if (entry.executor == "sbatch" && !source.host && !OnPath("sbatch")) {
            problems.push_back(prefix + "executor sbatch refused: sbatch is not on PATH (Slurm is not installed here)");
        }
    }
    return problems;
}

}  // namespace zr::evaluators::detail
