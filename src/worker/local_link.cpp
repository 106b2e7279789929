// LocalLink: the worker sees the service's database and submission folders.
#include <stdexcept>

#include "db/evaluation_job_repository.hpp"
#include "worker/link.hpp"

namespace zr::worker {
namespace fs = std::filesystem;
namespace {

// A line longer than this (output without newlines, progress bars) is written in pieces.
constexpr std::size_t kMaxLine = 64 * 1024;

class LocalLink : public WorkerLink {
public:
    LocalLink(db::Database& db, const storage::SubmissionStore& store, const Clock& clock)
        : db_(db), store_(store), clock_(clock) {}

    JobStatus JobState(const std::string& job_id) override {
        auto conn = db_.Acquire();
        auto row = db::EvaluationJobRepository(*conn).Find(job_id);
        if (!row) return {};
        return {std::string(domain::ToString(row->state)), db::QuietSeconds(*row, clock_.Now())};
    }

    fs::path Checkout(const evaluation::Job& job) override {
        fs::path folder = store_.Folder(job.submission_id);
        if (!fs::is_directory(store_.InputDir(job.submission_id))) {
            throw std::runtime_error("submission " + job.submission_id + " has no input folder");
        }
        fs::create_directories(store_.ScoresDir(job.submission_id));
        return folder;
    }

    void AppendLog(const evaluation::Job& job, std::string_view text) override {
        if (submission_ != job.submission_id) {
            WritePending();
            submission_ = job.submission_id;
        }
        pending_.append(text);
        std::size_t start = 0;
        for (std::size_t end; (end = pending_.find('\n', start)) != std::string::npos; start = end + 1) {
            WriteLine(std::string_view(pending_).substr(start, end - start));
        }
        pending_.erase(0, start);
        while (pending_.size() > kMaxLine) {
            WriteLine(std::string_view(pending_).substr(0, kMaxLine));
            pending_.erase(0, kMaxLine);
        }
    }

    void Flush(const evaluation::Job& job) override {
        if (submission_ == job.submission_id) WritePending();
    }

    void ReturnScores(const evaluation::Job&, const fs::path&) override {}
    void Cleanup(const evaluation::Job&) override {}

private:
    void WriteLine(std::string_view line) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        store_.AppendLog(submission_, clock_.Now(), line);
    }
    // The partial last line, written as a line of its own.
    void WritePending() {
        if (!pending_.empty()) WriteLine(pending_);
        pending_.clear();
    }

    db::Database& db_;
    const storage::SubmissionStore& store_;
    const Clock& clock_;
    std::string submission_;  // whose output `pending_` holds
    std::string pending_;
};

}  // namespace

std::unique_ptr<WorkerLink> MakeLocalLink(db::Database& db, const storage::SubmissionStore& store, const Clock& clock) {
    return std::make_unique<LocalLink>(db, store, clock);
}

}  // namespace zr::worker
