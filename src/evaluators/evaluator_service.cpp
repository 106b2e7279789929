#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "db/repositories.hpp"
#include "evaluators/discovery_internal.hpp"
#include "evaluators/evaluators.hpp"
#include "evaluators/index_internal.hpp"

namespace zr::evaluators {
namespace {

bool SameRegistration(const domain::Evaluator& a, const domain::Evaluator& b) {
    return a.host == b.host && a.executor == b.executor && a.script_path == b.script_path &&
           a.base_arguments == b.base_arguments;
}

domain::Evaluator ToEvaluator(const IndexEntry& entry, const std::optional<std::string>& host) {
    domain::Evaluator evaluator;
    evaluator.label = entry.label;
    evaluator.host = host;
    evaluator.executor = entry.executor;
    evaluator.script_path = entry.script_path;
    evaluator.base_arguments = JoinArguments(entry.base_arguments);
    return evaluator;
}

// How two machines' indexes differ (first difference), or nullopt when they agree.
std::optional<std::string> Difference(const std::vector<IndexEntry>& first, const std::vector<IndexEntry>& other) {
    auto find = [](const std::vector<IndexEntry>& entries, const std::string& label) -> const IndexEntry* {
        for (const auto& entry : entries) {
            if (entry.label == label) return &entry;
        }
        return nullptr;
    };
    for (const auto& entry : first) {
        const IndexEntry* twin = find(other, entry.label);
        if (twin == nullptr) return "evaluator '" + entry.label + "' is missing";
        if (twin->executor != entry.executor || twin->script_path != entry.script_path ||
            twin->base_arguments != entry.base_arguments || twin->version != entry.version) {
            return "evaluator '" + entry.label + "' has another executor, script_path, base_arguments or version";
        }
    }
    for (const auto& entry : other) {
        if (find(first, entry.label) == nullptr) return "evaluator '" + entry.label + "' is extra";
    }
    return std::nullopt;
}

}  // namespace

EvaluatorService::EvaluatorService(db::Database& db, const settings::Settings& settings)
    : db_(db), settings_(settings) {}

DiscoverResult EvaluatorService::Discover(const std::optional<std::string>& host) {
    const detail::Discovery discovery = detail::ResolveDiscovery(settings_, host);
    detail::ParsedIndex parsed;
    for (std::size_t i = 0; i < discovery.sources.size(); ++i) {
        const detail::IndexSource& source = discovery.sources[i];
        detail::ParsedIndex one = detail::ParseIndexCollecting(detail::ReadIndex(source), source.bin_dir);
        std::vector<std::string> problems = std::move(one.problems);
        for (auto& problem : detail::CheckRunnable(source, one.entries)) problems.push_back(std::move(problem));
        if (!problems.empty()) detail::ThrowProblems(source.where, problems);
        if (i == 0) {
            parsed = std::move(one);
        } else if (auto difference = Difference(parsed.entries, one.entries)) {
            // A pool's machines must run the same evaluators: any of them may take a job.
            throw Error::Message(ErrorKind::kInvalidInput, discovery.where + ": " + source.where + " differs from " +
                                                               discovery.sources[0].where + ": " + *difference);
        }
    }

    DiscoverResult result;
    auto conn = db_.Acquire();
    db::Transaction transaction(*conn);
    db::EvaluatorRepository repository(*conn);
    for (const auto& entry : parsed.entries) {
        domain::Evaluator evaluator = ToEvaluator(entry, discovery.registered_host);
        const auto existing = repository.FindByLabel(evaluator.label);
        if (existing && SameRegistration(*existing, evaluator)) {
            result.unchanged.push_back(*existing);
            continue;
        }
        evaluator.id = repository.Upsert(evaluator);
        (existing ? result.updated : result.added).push_back(evaluator);
    }
    transaction.Commit();
    spdlog::info("evaluators from {}: {} added, {} updated, {} unchanged", discovery.where, result.added.size(),
                 result.updated.size(), result.unchanged.size());
    return result;
}

std::vector<domain::Evaluator> EvaluatorService::List() {
    auto conn = db_.Acquire();
    return db::EvaluatorRepository(*conn).List();
}

domain::Evaluator EvaluatorService::Get(domain::EvaluatorId id) {
    auto conn = db_.Acquire();
    auto evaluator = db::EvaluatorRepository(*conn).Find(id);
    if (!evaluator) {
        throw Error::Message(ErrorKind::kNotFound,
                             "There is no evaluator with the following id: " + std::to_string(id));
    }
    return *evaluator;
}

std::vector<EvaluatorService::HostInfo> EvaluatorService::Hosts() {
    std::vector<std::string> names = settings_.hosts;
    for (const auto& [name, bin] : settings_.remote_bin) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    for (const auto& [name, machines] : settings_.pools) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    std::vector<HostInfo> hosts;
    for (const auto& name : names) {
        HostInfo info;
        info.host = name;
        if (auto bin = settings_.remote_bin.find(name); bin != settings_.remote_bin.end()) info.bin_dir = bin->second;
        if (auto storage = settings_.remote_storage.find(name); storage != settings_.remote_storage.end()) {
            info.storage_dir = storage->second;
        }
        info.local = name == settings_.hostname;
        if (auto pool = settings_.pools.find(name); pool != settings_.pools.end()) info.machines = pool->second;
        hosts.push_back(std::move(info));
    }
    return hosts;
}

}  // namespace zr::evaluators
