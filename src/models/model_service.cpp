#include "models/model_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "common/error.hpp"
#include "db/repositories.hpp"
#include "models/model_ids.hpp"

namespace zr::models {
namespace {

constexpr auto kPublished = domain::SubmissionStatus::kCompleted;

std::vector<PublishedSubmission> WithChallenges(std::vector<domain::Submission> submissions,
                                                const std::vector<domain::Challenge>& challenges) {
    std::map<domain::ChallengeId, const domain::Challenge*> by_id;
    for (const auto& challenge : challenges) by_id.emplace(challenge.id, &challenge);
    std::vector<PublishedSubmission> out;
    out.reserve(submissions.size());
    for (auto& submission : submissions) {
        const auto it = by_id.find(submission.track_id);
        if (it == by_id.end()) continue;  // a row whose challenge is gone has nothing to show
        out.push_back({std::move(submission), *it->second});
    }
    return out;
}

}  // namespace

domain::Model ModelService::Create(domain::UserId owner, std::string_view author_name, const NewModel& fields) {
    const TimePoint now = clock_.Now();
    const std::string stem = IdStem(author_name, static_cast<int>(LocalDate(now).year()));
    domain::Model model;
    model.user_id = owner;
    model.created_at = fields.created_at.value_or(now);
    model.description = fields.description;
    model.gpu_budget = fields.gpu_budget;
    model.train_set = fields.train_set;
    model.authors = fields.authors;
    model.institution = fields.institution;
    model.team = fields.team;
    model.paper_url = fields.paper_url;
    model.code_url = fields.code_url;
    auto conn = db_.Acquire();
    // BEGIN IMMEDIATE: a second creation waits for this one's commit before it reads the taken
    // ids, so the first free id is still free when it is inserted.
    db::Transaction tx(*conn);
    db::ModelRepository repo(*conn);
    model.id = FirstFreeId(stem, repo.IdsStartingWith(stem));
    repo.Create(model);
    tx.Commit();
    spdlog::info("model {} created for user {}", model.id, owner);
    return model;
}

std::optional<domain::Model> ModelService::Find(std::string_view id) {
    auto conn = db_.Acquire();
    return db::ModelRepository(*conn).Find(id);
}

domain::Model ModelService::Get(std::string_view id) {
    auto model = Find(id);
    if (!model) {
        throw Error::Message(ErrorKind::kNotFound, "There is no model with the following id: " + std::string(id));
    }
    return std::move(*model);
}

std::vector<domain::Model> ModelService::ListByUser(domain::UserId user_id) {
    auto conn = db_.Acquire();
    return db::ModelRepository(*conn).ListByUser(user_id);
}

std::vector<domain::Model> ModelService::List() {
    auto conn = db_.Acquire();
    return db::ModelRepository(*conn).List();
}

std::vector<PublishedSubmission> ModelService::PublishedSubmissions(std::string_view model_id) {
    std::vector<domain::Submission> submissions;
    {
        auto conn = db_.Acquire();
        db::ReadTransaction snapshot(*conn);
        if (!db::ModelRepository(*conn).Find(model_id)) {
            throw Error::Message(ErrorKind::kNotFound,
                                 "There is no model with the following id: " + std::string(model_id));
        }
        submissions = db::SubmissionRepository(*conn).ListByModel(model_id, kPublished);
    }
    return WithChallenges(std::move(submissions), challenges_.List(true));
}

std::vector<domain::Challenge> ModelService::ChallengesOf(std::string_view model_id) {
    std::vector<domain::Challenge> out;
    for (auto& published : PublishedSubmissions(model_id)) {
        const auto id = published.challenge.id;
        if (std::none_of(out.begin(), out.end(), [id](const domain::Challenge& c) { return c.id == id; })) {
            out.push_back(std::move(published.challenge));
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

std::vector<PublishedSubmission> ModelService::PublishedSubmissionsOf(const domain::Challenge& challenge) {
    std::vector<domain::Submission> submissions;
    {
        auto conn = db_.Acquire();
        submissions = db::SubmissionRepository(*conn).List(std::nullopt, challenge.id, kPublished);
    }
    std::vector<PublishedSubmission> out;
    out.reserve(submissions.size());
    for (auto& submission : submissions) out.push_back({std::move(submission), challenge});
    return out;
}

}  // namespace zr::models
