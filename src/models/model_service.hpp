#pragma once
// Models of the second API generation (a participant's system: api-v2.md section 1.3 P1-d) and
// the public listings around models and benchmarks (our challenges): a model's published
// submissions and the challenges they went to, a challenge's published submissions.
//
// Published = completed: evaluated and shown on the leaderboards. Public listings show nothing
// else (api-v2.md section 5 row 26).
// No model has a folder in the data folder: the grouping is a database query (section 4.5).
// Errors: zr::Error — 404 {"message": "There is no model with the following id: <id>"}.
// Thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "challenges/challenge_service.hpp"
#include "common/time.hpp"
#include "db/database.hpp"
#include "domain/challenge.hpp"

namespace zr::models {

// The fields of POST /users/{username}/models/create, validated by the caller.
struct NewModel {
    std::string description;
    std::string gpu_budget;
    std::string train_set;
    std::string authors;
    std::string institution;
    std::string team;
    std::optional<std::string> paper_url;
    std::optional<std::string> code_url;
    std::optional<TimePoint> created_at;  // none: now
};

struct PublishedSubmission {
    domain::Submission submission;
    domain::Challenge challenge;
};

class ModelService {
public:
    ModelService(db::Database& db, challenges::ChallengeService& challenges, const Clock& clock)
        : db_(db), challenges_(challenges), clock_(clock) {}

    // Stores a model of `owner` under a new id (model_ids.hpp: IdStem of `author_name` and the
    // year of the local date now, then the first free counter). Choosing the id and inserting the
    // row happen in one write transaction, so concurrent creations (from any process) never get
    // the same id.
    domain::Model Create(domain::UserId owner, std::string_view author_name, const NewModel& fields);
    std::optional<domain::Model> Find(std::string_view id);
    domain::Model Get(std::string_view id);  // 404
    // Ordered by created_at, id.
    std::vector<domain::Model> ListByUser(domain::UserId user_id);
    std::vector<domain::Model> List();

    // The model's published submissions, oldest first. 404 unknown model.
    std::vector<PublishedSubmission> PublishedSubmissions(std::string_view model_id);
    // The challenges of the model's published submissions, each once, ordered by id. 404 unknown
    // model.
    std::vector<domain::Challenge> ChallengesOf(std::string_view model_id);
    // The challenge's published submissions, oldest first.
    std::vector<PublishedSubmission> PublishedSubmissionsOf(const domain::Challenge& challenge);

private:
    db::Database& db_;
    challenges::ChallengeService& challenges_;
    const Clock& clock_;
};

}  // namespace zr::models
