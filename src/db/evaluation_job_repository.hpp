#pragma once
// evaluation_jobs (migration 0004): the record of every evaluation job. SQL lives in
// evaluation_job_repository.cpp. Same conventions as repositories.hpp.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"
#include "db/database.hpp"

namespace zr::db {

struct EvaluationJobRow {
    std::string id;
    std::string submission_id;
    std::optional<std::int64_t> evaluator_id;
    std::string state;
    int attempts = 0;
    std::string worker;
    std::string host;
    bool published = false;
    TimePoint created_at;
    std::optional<TimePoint> started_at;
    std::optional<TimePoint> heartbeat_at;
    std::optional<TimePoint> finished_at;
    std::optional<int> exit_code;
    std::string reason;
};

class EvaluationJobRepository {
public:
    explicit EvaluationJobRepository(Connection& conn) : conn_(conn) {}
    void Create(const EvaluationJobRow& job);
    std::optional<EvaluationJobRow> Find(std::string_view id);
    // The submission's latest job.
    std::optional<EvaluationJobRow> FindCurrent(std::string_view submission_id);
    // Newest first; empty states = all.
    std::vector<EvaluationJobRow> List(const std::vector<std::string>& states);
    std::vector<EvaluationJobRow> ListUnpublished();
    // Writes every mutable column of the row with job.id.
    void Update(const EvaluationJobRow& job);
    void SetPublished(std::string_view id);

private:
    Connection& conn_;
};

}  // namespace zr::db
