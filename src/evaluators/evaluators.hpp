#pragma once
// Evaluators (pipeline.md section 4 "Discovery"): each evaluation host has a bin folder
// (REMOTE_BIN[host]) with an index.yml
//
//   evaluators:
//     zr2021-abx:
//       executor: python
//       script_path: /srv/evaluators/zr2021/abx_eval.py   (absolute, or relative to the bin folder)
//       base_arguments: ["-OO"]                            (optional list of strings)
//       version: "2.1"                                     (optional; recorded with each run)
//
// Discovery reads it (locally, or over ssh for a remote host: `ssh -o BatchMode=yes HOST cat
// <bin>/index.yml`) and registers/updates one evaluators row per entry (label unique; host NULL
// for --local; base_arguments stored ';'-separated).
// Executors: python, bash, sbatch, docker. docker is refused at discovery when no Docker engine
// answers (`docker info` fails), sbatch when `sbatch` is not on PATH of the host read locally.
// Errors: zr::Error kInvalidInput {"message"} for a bad index (naming the entry and field) or a
// host without bin folder; kNotFound for an unknown evaluator id; std::runtime_error when the host
// cannot be read (ssh's message).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.hpp"
#include "domain/challenge.hpp"
#include "settings/settings.hpp"

namespace zr::evaluators {

struct IndexEntry {
    std::string label;
    std::string executor;
    std::string script_path;  // absolute after parsing (relative ones joined to the bin folder)
    std::vector<std::string> base_arguments;
    std::string version;  // "" when the entry gives none
};

// Parses index.yml text; `bin_dir` resolves relative script paths. Every problem is reported in
// one kInvalidInput error.
std::vector<IndexEntry> ParseIndex(std::string_view yaml_text, const std::string& bin_dir);

// The `version` of the entry `label` in index.yml text, tolerating problems elsewhere in the file
// (workers record it with each run); nullopt when the text, the entry or its version is unusable.
std::optional<std::string> IndexVersion(std::string_view yaml_text, std::string_view label);

// "a;b" <-> {"a","b"} (empty string <-> empty list).
std::vector<std::string> SplitArguments(std::string_view stored);
std::string JoinArguments(const std::vector<std::string>& arguments);

struct DiscoverResult {
    std::vector<domain::Evaluator> added;
    std::vector<domain::Evaluator> updated;
    std::vector<domain::Evaluator> unchanged;
};

class EvaluatorService {
public:
    EvaluatorService(db::Database& db, const settings::Settings& settings);

    // Reads HOST's index.yml (host = nullopt: this host, bin folder REMOTE_BIN[hostname]) and
    // registers its entries in one transaction. HOST may be a pool of POOLS: every machine's
    // index.yml (at REMOTE_BIN[pool]) is read and must agree (kInvalidInput naming the first
    // difference); the evaluators are registered for the pool, whose workers (ZR_EVAL_POOL) run them.
    DiscoverResult Discover(const std::optional<std::string>& host);
    std::vector<domain::Evaluator> List();
    domain::Evaluator Get(domain::EvaluatorId id);
    // `evaluator:hosts`: every host of HOSTS and REMOTE_BIN and every pool of POOLS, with its bin
    // folder and storage folder.
    struct HostInfo {
        std::string host;
        std::string bin_dir;                // "" when none
        std::string storage_dir;            // REMOTE_STORAGE[host], "" when none
        bool local = false;                 // host == settings.hostname
        std::vector<std::string> machines;  // a pool's (POOLS[host]); empty for a host
    };
    std::vector<HostInfo> Hosts();

private:
    db::Database& db_;
    const settings::Settings& settings_;
};

}  // namespace zr::evaluators
