#pragma once
// The command line of one evaluation run, per executor (pipeline.md section 4):
//   bash    bash <base args> <script> <submission folder>
//   python  python3 <base args> <script> <submission folder>   ("python" when python3 is absent)
//   sbatch  sbatch --wait --job-name=zr-<submission id> --output=<folder>/slurm-%j.log
//                  <base args> <script> <submission folder>
//   docker  docker run --rm --network=none -v <bin>:<bin>:ro -v <folder>:<folder> -w <folder>
//                  <base args: image first, then options> <script> <submission folder>
// The submission folder holds input/ and scores/; the evaluator writes its results under scores/.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "evaluation/messages.hpp"

namespace zr::worker {

// A job the worker must not run: unknown executor, script outside the bin folder, missing script.
class Refused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The script's real path (symlinks resolved), which must be a regular file inside the real path
// of `bin_dir`; Refused otherwise ("script /x/y.sh is outside the bin folder /srv/bin").
std::filesystem::path CheckScript(const std::filesystem::path& bin_dir, const std::string& script_path);

// What a run records about its script: the sha256 of the file (`script`, CheckScript's result)
// and the `version` of the job's entry (`label`) in bin_dir/index.yml ("" when it gives none or the
// index cannot be read). Refused when the script cannot be read.
struct ScriptInfo {
    std::string sha256;
    std::string version;
};
ScriptInfo DescribeScript(const std::filesystem::path& script, const std::filesystem::path& bin_dir,
                          const std::string& label);

// argv for the job; `script` is CheckScript's result, `folder` the submission folder on this host.
// Refused for an unknown executor.
std::vector<std::string> BuildCommand(const evaluation::Job& job, const std::filesystem::path& bin_dir,
                                      const std::filesystem::path& script, const std::filesystem::path& folder);

}  // namespace zr::worker
