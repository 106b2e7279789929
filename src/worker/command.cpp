#include "worker/command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "crypto/crypto.hpp"
#include "evaluators/evaluators.hpp"
#include "worker/runner.hpp"

namespace zr::worker {
namespace fs = std::filesystem;
namespace {

// True when `path` lies strictly below `dir` (both absolute and normalised).
bool IsInside(const fs::path& path, const fs::path& dir) {
    auto dir_end = dir.end();
    if (!dir.empty() && !dir.has_filename()) --dir_end;  // "/srv/bin/" ends with an empty element
    auto [dir_it, path_it] = std::mismatch(dir.begin(), dir_end, path.begin(), path.end());
    return dir_it == dir_end && path_it != path.end();
}

std::string Python() { return FindProgram("python3").empty() ? "python" : "python3"; }

}  // namespace

fs::path CheckScript(const fs::path& bin_dir, const std::string& script_path) {
    if (bin_dir.empty()) throw Refused("no bin folder is registered for this host");
    std::error_code error;
    const fs::path real_bin = fs::canonical(bin_dir, error);
    if (error || !fs::is_directory(real_bin)) throw Refused("the bin folder " + bin_dir.string() + " does not exist");
    if (script_path.empty()) throw Refused("the evaluator has no script");
    fs::path script(script_path);
    if (script.is_relative()) script = real_bin / script;

    const auto outside = [&] {
        return Refused("script " + script_path + " is outside the bin folder " + real_bin.string());
    };
    const fs::path resolved = fs::weakly_canonical(script, error);
    if (error || !IsInside(resolved, real_bin)) throw outside();
    fs::path real = fs::canonical(script, error);
    if (error) throw Refused("script " + script_path + " does not exist");
    if (!IsInside(real, real_bin)) throw outside();
    if (!fs::is_regular_file(real)) throw Refused("script " + script_path + " is not a regular file");
    return real;
}

ScriptInfo DescribeScript(const fs::path& script, const fs::path& bin_dir, const std::string& label) {
    ScriptInfo info;
    try {
        info.sha256 = crypto::Sha256OfFile(script.string());
    } catch (const std::exception& e) {
        throw Refused("script " + script.string() + " cannot be read: " + e.what());
    }
    std::ifstream index(bin_dir / "index.yml", std::ios::binary);
    if (index) {
        std::ostringstream text;
        text << index.rdbuf();
        info.version = evaluators::IndexVersion(text.str(), label).value_or("");
    }
    return info;
}

std::vector<std::string> BuildCommand(const evaluation::Job& job, const fs::path& bin_dir, const fs::path& script,
                                      const fs::path& folder) {
    std::vector<std::string> argv;
    if (job.executor == "bash") {
        argv = {"bash"};
    } else if (job.executor == "python") {
        argv = {Python()};
    } else if (job.executor == "sbatch") {
        argv = {"sbatch", "--wait", "--job-name=zr-" + job.submission_id,
                "--output=" + (folder / "slurm-%j.log").string()};
    } else if (job.executor == "docker") {
        if (job.base_arguments.empty()) throw Refused("docker evaluator " + job.evaluator + " names no image");
        std::error_code error;
        fs::path real_bin = fs::weakly_canonical(bin_dir, error);
        if (error) real_bin = bin_dir;
        argv = {"docker", "run",
                "--rm",   "--network=none",
                "-v",     real_bin.string() + ":" + real_bin.string() + ":ro",
                "-v",     folder.string() + ":" + folder.string(),
                "-w",     folder.string()};
    } else {
        throw Refused("unknown executor '" + job.executor + "'");
    }
    argv.insert(argv.end(), job.base_arguments.begin(), job.base_arguments.end());
    argv.push_back(script.string());
    argv.push_back(folder.string());
    return argv;
}

}  // namespace zr::worker
