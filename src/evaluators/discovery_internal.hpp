#pragma once
// Internal to zr_evaluators: where a discovery reads its index and the checks made on the host that
// will run the entries.
#include <optional>
#include <string>
#include <vector>

#include "evaluators/evaluators.hpp"

namespace zr::evaluators::detail {

// The index of one discovery: this host (host = nullopt) or a remote one.
struct IndexSource {
    std::optional<std::string> host;  // what is stored in evaluators.host
    std::string bin_dir;
    std::string index_path;  // <bin_dir>/index.yml
    std::string where;       // for messages: "<index_path>" or "<host>:<index_path>"
};

// kInvalidInput for an unknown host or a host without bin folder.
IndexSource ResolveSource(const settings::Settings& settings, const std::optional<std::string>& host);

// What one `evaluator:discover` reads: one host's index, or, for a pool of ZR_POOLS, the index of
// every machine of the pool (at REMOTE_BIN[pool] on each; this host's read locally), which must
// agree. The evaluators are registered for `registered_host` (the pool's name for a pool).
struct Discovery {
    std::optional<std::string> registered_host;
    std::vector<IndexSource> sources;
    std::string where;  // for messages: the source's, or "pool <name>"
};
// kInvalidInput for an unknown host, a host or pool without bin folder.
Discovery ResolveDiscovery(const settings::Settings& settings, const std::optional<std::string>& host);
// The text of the index; std::runtime_error when it cannot be read (the file's or ssh's reason).
std::string ReadIndex(const IndexSource& source);
// Problems of entries this host cannot run: script outside the bin folder (local), docker without
// an engine, sbatch not on PATH (local).
std::vector<std::string> CheckRunnable(const IndexSource& source, const std::vector<IndexEntry>& entries);

// The argv prefix that runs a command on `host`: ssh -o BatchMode=yes -o ConnectTimeout=10 HOST.
std::vector<std::string> SshPrefix(const std::string& host);

}  // namespace zr::evaluators::detail
