// HttpLink: a worker that reaches the service over HTTP only (ZR_WORKER_TRANSFER=http), through
// the worker routes (/worker/jobs/...) with ZR_WORKER_TOKEN. Input and scores travel as zips with
// their md5 checked on both sides; output lines are stamped here, as LocalLink does, and sent in
// batches of whole lines from the caller's thread: at most every kLogInterval when AppendLog or
// JobState (the worker's heartbeat poll) is called, and on Flush. A partial last line waits for its
// newline or for Flush.
//
// Failures: requests are retried kRetries times with a doubling pause after a connection error or
// a 5xx answer, except JobState and the log batches sent while the evaluator runs: those are tried
// once with kQuickSeconds to connect and to move data (the next heartbeat or batch tries again).
// Otherwise a connection is given kConnectSeconds, a transfer that moves nothing for kStallSeconds
// is dropped, and SetInterrupted ends any transfer or pause at once. A log chunk refused with 409 while the service
// has not yet recorded the job as running (its evaluation_started is still on update_queue) is
// kept and sent again later. Copies live in this process's scratch space (worker/scratch.hpp).
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "client/http_client.hpp"
#include "common/strings.hpp"
#include "crypto/crypto.hpp"
#include "storage/zip_create.hpp"
#include "storage/zip_extract.hpp"
#include "worker/link.hpp"
#include "worker/scratch.hpp"

namespace zr::worker {
namespace fs = std::filesystem;
namespace {

using SteadyClock = std::chrono::steady_clock;
using client::HttpResponse;

constexpr int kRetries = 3;
constexpr long kConnectSeconds = 10;
constexpr long kStallSeconds = 20;
// The calls made while the evaluator runs (the heartbeat's state poll, log batches) hold its loop:
// they give up sooner and are not retried (the next heartbeat or batch tries again).
constexpr long kQuickSeconds = 5;
constexpr std::chrono::milliseconds kFirstPause{1000};
constexpr std::chrono::milliseconds kStopPoll{100};
constexpr std::chrono::seconds kLogInterval{2};
// Below the service's 1 MiB per request; a longer line is sent in pieces.
constexpr std::size_t kMaxLogChunk = 256 * 1024;
// Output kept while the service refuses it (job not yet running there) before it is dropped.
constexpr std::size_t kMaxPendingLog = 8 * 1024 * 1024;
// How long Flush waits for the service to record a queued job as running.
constexpr int kQueuedWaits = 15;

std::string Describe(const HttpResponse& response) {
    return "HTTP " + std::to_string(response.status) + " " + response.body.substr(0, 300);
}

std::string DetailOf(const HttpResponse& response) {
    const auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (json.is_object() && json.contains("detail") && json["detail"].is_string()) return json["detail"];
    return {};
}

// Writes a download to a file and hashes it on the way.
class Download {
public:
    explicit Download(const fs::path& path) : out_(path, std::ios::binary | std::ios::trunc) {
        if (!out_) throw std::runtime_error("cannot create " + path.string());
    }
    void Write(std::string_view chunk) {
        out_.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        if (!out_) throw std::runtime_error("cannot write the downloaded input");
        md5_.Update(chunk.data(), chunk.size());
    }
    std::string Finish() {
        out_.close();
        if (!out_) throw std::runtime_error("cannot write the downloaded input");
        return md5_.HexDigest();
    }

private:
    std::ofstream out_;
    crypto::Md5 md5_;
};

class HttpLink final : public WorkerLink {
public:
    explicit HttpLink(const settings::Settings& settings)
        : client_(settings.worker_api_url, stop_),
          limits_{settings.unzip_max_bytes, settings.unzip_max_entries, settings.unzip_max_ratio} {
        if (settings.worker_api_url.empty()) throw std::runtime_error("ZR_WORKER_API_URL is needed by http transfer");
        if (settings.worker_token.empty()) throw std::runtime_error("ZR_WORKER_TOKEN is needed by http transfer");
        client_.SetToken(settings.worker_token);
        client_.SetTimeouts(kConnectSeconds, kStallSeconds);
        scratch_ = ScratchSpace::ForProcess(settings.worker_dir.empty() ? settings.data_folder / "worker"
                                                                        : settings.worker_dir);
        area_ = scratch_->Area();
    }

    ~HttpLink() override {
        std::error_code ec;
        fs::remove_all(area_, ec);
    }

    JobStatus JobState(const std::string& job_id) override {
        // The worker asks at every heartbeat while the job runs: output that came before a quiet
        // spell of the evaluator goes out now rather than with its next output.
        if (job_id == log_job_ && !lines_.empty() && SteadyClock::now() - last_sent_ >= kLogInterval) SendQuietly();
        const std::string what = "state of job " + job_id;
        HttpResponse response;
        try {
            Quick quick(client_);
            response = client_.Get(JobPath(job_id));
        } catch (const client::TransportError& e) {
            throw std::runtime_error(what + ": " + e.what());
        }
        if (response.status == 404 && DetailOf(response) == "Job not found") return {};
        Expect200(response, what);
        const auto json = nlohmann::json::parse(response.body, nullptr, false);
        if (!json.is_object() || !json.contains("state") || !json["state"].is_string()) {
            throw std::runtime_error(what + ": unexpected answer " + response.body.substr(0, 300));
        }
        JobStatus status{json["state"], std::nullopt};
        if (json.contains("quiet_seconds") && json["quiet_seconds"].is_number()) {
            status.quiet_seconds = json["quiet_seconds"].get<double>();  // absent from older services
        }
        return status;
    }

    fs::path Checkout(const evaluation::Job& job) override {
        fs::path folder = LocalFolder(job);
        fs::remove_all(folder);
        fs::create_directories(folder);
        struct RemoveUnlessDone {
            const fs::path& folder;
            bool done = false;
            ~RemoveUnlessDone() {
                std::error_code ec;
                if (!done) fs::remove_all(folder, ec);
            }
        } guard{folder};
        const fs::path zip = folder / "input.zip";
        std::string md5;
        const HttpResponse response = Request("input of job " + job.job_id, [&] {
            Download download(zip);
            auto answer = client_.GetStreamed(JobPath(job.job_id) + "/input",
                                              [&](std::string_view chunk) { download.Write(chunk); });
            md5 = download.Finish();
            return answer;
        });
        Expect200(response, "input of job " + job.job_id);
        const std::string announced = ToLower(response.Header("x-content-md5").value_or(""));
        if (announced.empty()) throw std::runtime_error("input of job " + job.job_id + ": no X-Content-MD5 header");
        if (md5 != announced) {
            throw std::runtime_error("input of job " + job.job_id + ": md5 " + md5 + " of the download is not " +
                                     announced + " (X-Content-MD5)");
        }
        if (md5 != ToLower(job.archive_md5)) {
            throw std::runtime_error("input of job " + job.job_id + ": md5 " + md5 + " is not the job's archive_md5 " +
                                     job.archive_md5);
        }
        storage::ExtractZip(fs_, zip, folder / "input", limits_);
        fs::remove(zip);
        fs::create_directories(folder / "scores");
        guard.done = true;
        return folder;
    }

    void AppendLog(const evaluation::Job& job, std::string_view text) override {
        if (log_job_ != job.job_id) {
            if (!pending_.empty() || !lines_.empty()) FlushQuietly();
            log_job_ = job.job_id;
            last_sent_ = {};  // the first output goes out at once
        }
        Stamp(text);
        if (SteadyClock::now() - last_sent_ >= kLogInterval) SendLines(false);
    }

    void Flush(const evaluation::Job& job) override {
        if (log_job_ != job.job_id) return;
        if (!pending_.empty()) {
            AddLine(pending_);
            pending_.clear();
        }
        SendLines(true);
    }

    void ReturnScores(const evaluation::Job& job, const fs::path& folder) override {
        const fs::path zip = folder / "scores.zip";
        const auto created = storage::CreateZip(folder / "scores", zip);
        if (created.skipped > 0) {
            spdlog::warn("job {}: {} link(s) or special file(s) in scores/ not returned", job.job_id, created.skipped);
        }
        const std::string md5 = crypto::Md5OfFile(zip.string());
        const std::string target = JobPath(job.job_id) + "/scores?md5=" + md5;
        const std::string what = "scores of job " + job.job_id;
        for (int wait = 0;; ++wait) {
            const HttpResponse response =
                Request(what, [&] { return client_.PutFile(target, "file_data", zip, "scores.zip", {}); });
            if (response.status == 409 && wait < kQueuedWaits && StillQueued(job.job_id)) continue;
            Expect200(response, what);
            break;
        }
        fs::remove(zip);
    }

    void Cleanup(const evaluation::Job& job) override {
        if (log_job_ == job.job_id) {
            // Output Flush could not send (the job was lost or the service unreachable): the job's
            // log is closed now, later attempts would only be refused.
            if (!lines_.empty() || !pending_.empty()) {
                spdlog::warn("job {}: {} bytes of output not sent", job.job_id, lines_.size() + pending_.size());
            }
            lines_.clear();
            pending_.clear();
        }
        std::error_code ec;
        fs::remove_all(LocalFolder(job), ec);
        if (ec) throw std::runtime_error("cannot remove " + LocalFolder(job).string() + ": " + ec.message());
    }

    void SetInterrupted(bool on) override { stop_ = on; }

private:
    // Quick timeouts for the life of the object.
    class Quick {
    public:
        explicit Quick(client::HttpClient& client) : client_(client) {
            client_.SetTimeouts(kQuickSeconds, kQuickSeconds);
        }
        ~Quick() { client_.SetTimeouts(kConnectSeconds, kStallSeconds); }
        Quick(const Quick&) = delete;
        Quick& operator=(const Quick&) = delete;

    private:
        client::HttpClient& client_;
    };

    static std::string JobPath(const std::string& job_id) { return "/worker/jobs/" + PercentEncode(job_id); }

    fs::path LocalFolder(const evaluation::Job& job) const {
        if (!IsPlainFileName(job.submission_id)) {
            throw std::runtime_error("not a submission id: " + job.submission_id);
        }
        return area_ / job.submission_id;
    }

    // `send` again after a connection error or a 5xx answer, kRetries times, pausing 1 s, 2 s, 4 s.
    template <typename Send>
    HttpResponse Request(const std::string& what, Send&& send) {
        auto pause = kFirstPause;
        for (int attempt = 0;; ++attempt) {
            std::string failure;
            try {
                HttpResponse response = send();
                if (response.status < 500 || attempt == kRetries) return response;
                failure = Describe(response);
            } catch (const client::TransportError& e) {
                if (attempt == kRetries) throw std::runtime_error(what + ": " + e.what());
                failure = e.what();
            }
            if (stop_) throw std::runtime_error(what + ": interrupted (the worker gave the job up)");
            spdlog::warn("{}: {}; retrying in {} ms", what, failure, pause.count());
            for (auto slept = std::chrono::milliseconds(0); slept < pause && !stop_; slept += kStopPoll) {
                std::this_thread::sleep_for(kStopPoll);
            }
            pause *= 2;
        }
    }

    static void Expect200(const HttpResponse& response, const std::string& what) {
        if (response.status == 200) return;
        if (response.status == 404 && DetailOf(response) == "Not Found") {
            throw std::runtime_error(what + ": the service's worker routes are off (no ZR_WORKER_TOKEN there)");
        }
        throw std::runtime_error(what + ": " + Describe(response));
    }

    // After a 409: true (after a pause) while the service still has the job queued, i.e. it has not
    // yet read the worker's evaluation_started.
    bool StillQueued(const std::string& job_id) {
        if (JobState(job_id).state != "queued") return false;
        std::this_thread::sleep_for(kFirstPause);
        return true;
    }

    // Splits output into stamped lines as LocalLink writes them; the partial last line waits.
    void Stamp(std::string_view text) {
        pending_.append(text);
        std::size_t start = 0;
        for (std::size_t end; (end = pending_.find('\n', start)) != std::string::npos; start = end + 1) {
            AddLine(std::string_view(pending_).substr(start, end - start));
        }
        pending_.erase(0, start);
        while (pending_.size() > kMaxLogChunk / 2) {
            AddLine(std::string_view(pending_).substr(0, kMaxLogChunk / 2));
            pending_.erase(0, kMaxLogChunk / 2);
        }
    }

    void AddLine(std::string_view line) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines_ += storage::LogLine(std::chrono::system_clock::now(), line);
        lines_ += '\n';
        if (lines_.size() > kMaxPendingLog) {
            spdlog::warn("job {}: {} bytes of output dropped (the service does not take them)", log_job_,
                         lines_.size());
            lines_.clear();
        }
    }

    // Sends the stamped lines in chunks of whole lines. A 409 keeps them for later unless `final`;
    // then the service gets a little time to record the job as running.
    void SendLines(bool final) {
        last_sent_ = SteadyClock::now();
        for (int wait = 0; !lines_.empty();) {
            std::size_t cut = lines_.size();
            if (cut > kMaxLogChunk) {
                const auto newline = lines_.rfind('\n', kMaxLogChunk - 1);
                cut = newline == std::string::npos ? kMaxLogChunk : newline + 1;
            }
            const std::string what = "log of job " + log_job_;
            auto post = [&] {
                return client_.PostText(JobPath(log_job_) + "/log", "text/plain; charset=utf-8", lines_.substr(0, cut));
            };
            HttpResponse response;
            if (final) {
                response = Request(what, post);
            } else {
                // While the evaluator runs: one quick try; the lines wait for the next batch.
                try {
                    Quick quick(client_);
                    response = post();
                } catch (const client::TransportError& e) {
                    throw std::runtime_error(what + ": " + e.what());
                }
                if (response.status >= 500) return;
            }
            if (response.status == 409 && !final) return;
            if (response.status == 409 && wait++ < kQueuedWaits && StillQueued(log_job_)) continue;
            if (response.status != 200) lines_.clear();  // refused for good: the job is over or unknown
            Expect200(response, what);
            lines_.erase(0, cut);
        }
    }

    void SendQuietly() {
        try {
            SendLines(false);
        } catch (const std::exception& e) {
            spdlog::warn("{}", e.what());
        }
    }

    // Sends what a previous job left (a caller that did not Flush); failures are only logged.
    void FlushQuietly() {
        try {
            if (!pending_.empty()) AddLine(pending_);
            pending_.clear();
            SendLines(true);
        } catch (const std::exception& e) {
            spdlog::warn("{}", e.what());
        }
        lines_.clear();
    }

    std::atomic<bool> stop_{false};  // SetInterrupted
    client::HttpClient client_;
    std::shared_ptr<ScratchSpace> scratch_;
    fs::path area_;  // this link's folder in the scratch space
    storage::UnzipLimits limits_;
    PosixFileSystem fs_;   // the worker's own scratch folders
    std::string log_job_;  // whose output pending_ and lines_ hold
    std::string pending_;  // output after the last newline
    std::string lines_;    // stamped whole lines not yet sent
    SteadyClock::time_point last_sent_ = SteadyClock::now();
};

}  // namespace

std::unique_ptr<WorkerLink> MakeHttpLink(const settings::Settings& settings) {
    return std::make_unique<HttpLink>(settings);
}

}  // namespace zr::worker
