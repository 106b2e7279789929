#include "client/submit.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <iostream>

#include "client/api.hpp"
#include "client/checkpoint.hpp"
#include "client/credentials.hpp"
#include "client/http_client.hpp"
#include "client/parts.hpp"
#include "client/progress.hpp"
#include "client/uploader.hpp"
#include "common/strings.hpp"

namespace zr::client {
namespace fs = std::filesystem;
namespace {

// Raised by SIGINT/SIGTERM while StopSignals is installed; polled by transfers and loops.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void ZrClientOnStopSignal(int) { g_stop.store(true); }

// SIGINT and SIGTERM raise g_stop instead of killing the process, for its lifetime.
class StopSignals {
public:
    StopSignals() {
        g_stop.store(false);
        struct sigaction action {};
        action.sa_handler = ZrClientOnStopSignal;
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, &previous_int_);
        sigaction(SIGTERM, &action, &previous_term_);
    }
    ~StopSignals() {
        sigaction(SIGINT, &previous_int_, nullptr);
        sigaction(SIGTERM, &previous_term_, nullptr);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

private:
    struct sigaction previous_int_ {};
    struct sigaction previous_term_ {};
};

std::string ResolveUrl(const SubmitOptions& options) {
    std::string url = options.url;
    if (url.empty()) {
        const char* env = std::getenv("ZR_API_URL");
        url = env != nullptr && *env != '\0' ? env : kDefaultApiUrl;
    }
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
        throw SubmitError("the API URL must start with http:// or https://: '" + url + "'");
    }
    return url;
}

bool AllDigits(const std::string& text) {
    return !text.empty() && text.size() < 19 &&
           std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::int64_t ResolveChallenge(Api& api, const std::string& wanted) {
    if (AllDigits(wanted)) return std::stoll(wanted);
    auto challenges = api.OpenChallenges();
    for (const auto& challenge : challenges) {
        if (challenge.label == wanted) return challenge.id;
    }
    std::string open;
    for (const auto& challenge : challenges) open += (open.empty() ? "" : ", ") + challenge.label;
    throw SubmitError("no open challenge labelled '" + wanted + "' (open: " + (open.empty() ? "none" : open) + ")");
}

void Authenticate(Api& api, HttpClient& http, const SubmitOptions& options) {
    if (auto token = GivenToken(options.token_file)) {
        http.SetToken(*token);
        return;
    }
    auto credentials = AskCredentials(options.username, std::cin, std::cerr, isatty(STDIN_FILENO) == 1);
    try {
        api.Login(credentials.username, credentials.password);
    } catch (const ApiError& e) {
        throw SubmitError("login failed: " + e.message());
    }
}

ProgressStyle ChooseStyle(ProgressChoice choice) {
    switch (choice) {
        case ProgressChoice::kNone:
            return ProgressStyle::kNone;
        case ProgressChoice::kForce:
            return ProgressStyle::kBar;
        case ProgressChoice::kAuto:
            return isatty(STDERR_FILENO) == 1 ? ProgressStyle::kBar : ProgressStyle::kLines;
    }
    return ProgressStyle::kLines;
}

std::uint64_t TotalBytes(const Checkpoint& checkpoint) {
    std::uint64_t bytes = 0;
    for (const auto& part : checkpoint.parts) bytes += part.info.file_size;
    return bytes;
}

std::uint64_t DoneBytes(const Checkpoint& checkpoint) {
    std::uint64_t bytes = 0;
    for (const auto& part : checkpoint.parts) bytes += part.done ? part.info.file_size : 0;
    return bytes;
}

// One run of `zr submit`.
class Submission {
public:
    explicit Submission(const SubmitOptions& options) : options_(options) {}

    int Run() {
        archive_ = StatArchive(options_.archive);
        checkpoint_path_ =
            options_.checkpoint.empty() ? DefaultCheckpointPath(archive_.path) : fs::absolute(options_.checkpoint);
        const std::uint64_t part_size = ParseSize(options_.part_size);
        const std::string url = ResolveUrl(options_);
        HttpClient http(url, g_stop);
        if (!options_.limit_rate.empty()) http.SetSendLimit(ParseSize(options_.limit_rate));
        Api api(http);
        Authenticate(api, http, options_);
        const std::int64_t challenge_id = ResolveChallenge(api, options_.challenge);
        StopSignals stop_signals;
        try {
            LoadOrPrepare(url, challenge_id, part_size);
            const bool resumed = !checkpoint_.submission_id.empty();
            if (!resumed) Create(api);
            return Upload(api, resumed);
        } catch (const Interrupted&) {
            return ReportInterrupted();
        }
    }

private:
    void Note(const std::string& text) const {
        if (style_ != ProgressStyle::kNone) std::cerr << "zr: " << text << '\n' << std::flush;
    }

    void LoadOrPrepare(const std::string& url, std::int64_t challenge_id, std::uint64_t part_size) {
        style_ = ChooseStyle(options_.progress);
        std::optional<Checkpoint> saved;
        try {
            saved = LoadCheckpoint(checkpoint_path_);
        } catch (const SubmitError& e) {
            std::cerr << "zr: warning: " << OneLine(e.what()) << "; starting a new upload\n";
        }
        if (saved && SameUpload(*saved, url, challenge_id, archive_)) {
            checkpoint_ = *std::move(saved);
            if (checkpoint_.multipart && !PartFilesPresent(checkpoint_.Pending(), checkpoint_.parts_folder)) {
                RebuildParts();
            }
            return;
        }
        if (saved) std::cerr << "zr: warning: " << checkpoint_path_.string() << " describes another upload; replaced\n";
        Note("computing the md5" + std::string(archive_.size > part_size ? " and writing the parts" : "") + " of " +
             archive_.path.filename().string() + " (" + FormatBytes(archive_.size) + ")");
        const fs::path folder = PartsFolderFor(checkpoint_path_);
        auto prepared = PrepareArchive(archive_, part_size, folder, g_stop);
        if (!prepared) throw Interrupted();
        checkpoint_ = Checkpoint{url, challenge_id, "", archive_, part_size, prepared->multipart, folder, {}};
        checkpoint_.archive.md5 = prepared->md5;
        for (auto& part : prepared->parts) checkpoint_.parts.push_back(PartState{std::move(part), false});
        SaveCheckpoint(checkpoint_, checkpoint_path_);
    }

    // The part files went missing (deleted by hand): written again, and they must be the same.
    void RebuildParts() {
        Note("writing the parts of " + archive_.path.filename().string() + " again");
        auto prepared = PrepareArchive(archive_, checkpoint_.part_size, checkpoint_.parts_folder, g_stop);
        if (!prepared) throw Interrupted();
        bool same = prepared->md5 == checkpoint_.archive.md5 && prepared->parts.size() == checkpoint_.parts.size();
        for (std::size_t i = 0; same && i < prepared->parts.size(); ++i) {
            same = prepared->parts[i] == checkpoint_.parts[i].info;
        }
        if (!same) {
            throw SubmitError("the archive no longer matches " + checkpoint_path_.string() +
                              "; delete that file to start a new submission");
        }
    }

    void Create(Api& api) {
        SubmissionRequest request{
            archive_.path.filename().string(), checkpoint_.archive.md5, checkpoint_.multipart, {}};
        if (checkpoint_.multipart) {
            for (const auto& part : checkpoint_.parts) request.index.push_back(part.info);
        }
        try {
            checkpoint_.submission_id = api.CreateSubmission(checkpoint_.challenge_id, request);
        } catch (const ApiError& e) {
            throw SubmitError("cannot create the submission: " + std::string(e.what()));
        } catch (const TransportError& e) {
            if (e.interrupted()) throw Interrupted();
            throw SubmitError("cannot create the submission: " + std::string(e.what()));
        }
        SaveCheckpoint(checkpoint_, checkpoint_path_);
    }

    // The parts still to send, asking the server when resuming; empty when it has them all.
    std::vector<std::string> PartsToSend(Api& api, bool resumed, bool& completed) {
        completed = false;
        std::optional<UploadState> state;
        if (resumed) state = api.QueryUploadState(checkpoint_.challenge_id, checkpoint_.submission_id);
        std::vector<std::string> names;
        if (!state) {
            for (const auto& part : checkpoint_.Pending()) names.push_back(part.file_name);
            return names;
        }
        completed = state->completed;
        if (completed) return names;
        for (auto& part : checkpoint_.parts) {
            bool missing = !checkpoint_.multipart || std::find(state->remaining.begin(), state->remaining.end(),
                                                               part.info.file_name) != state->remaining.end();
            part.done = !missing;
            if (missing) names.push_back(part.info.file_name);
        }
        SaveCheckpoint(checkpoint_, checkpoint_path_);
        return names;
    }

    int Upload(Api& api, bool resumed) {
        bool completed = false;
        std::vector<std::string> names;
        try {
            names = PartsToSend(api, resumed, completed);
        } catch (const TransportError& e) {
            if (e.interrupted()) throw Interrupted();
            throw SubmitError("cannot reach " + checkpoint_.url + ": " + e.what());
        } catch (const ApiError& e) {
            throw SubmitError("cannot resume submission " + checkpoint_.submission_id + ": " + e.what() + "; delete " +
                              checkpoint_path_.string() + " to start a new submission");
        }
        ProgressReporter progress(style_, std::cerr, TotalBytes(checkpoint_), DoneBytes(checkpoint_));
        Uploader uploader(
            api, checkpoint_, checkpoint_path_, progress,
            RetryPolicy{options_.retries, std::chrono::milliseconds(static_cast<long>(options_.retry_delay * 1000))},
            g_stop);
        // A server may still miss parts after all were sent (it lost one): a few more rounds.
        for (int round = 0; !completed && !names.empty() && round < 3; ++round) {
            if (style_ != ProgressStyle::kNone) {
                progress.Message("zr: submission " + checkpoint_.submission_id + ": uploading " +
                                 std::to_string(names.size()) + " of " + std::to_string(checkpoint_.parts.size()) +
                                 " part(s) to " + checkpoint_.url);
            }
            UploadState state;
            try {
                state = uploader.UploadParts(names);
            } catch (const Interrupted&) {
                progress.Finish();
                throw;
            } catch (const std::exception& e) {
                progress.Finish();
                throw SubmitError("upload failed: " + OneLine(e.what()) + " (run the same command to resume)");
            }
            completed = state.completed;
            names = state.remaining;
        }
        progress.Finish();
        if (!completed)
            throw SubmitError("the server did not confirm the upload as complete (run the same command to resume)");
        return ReportCompleted();
    }

    int ReportCompleted() {
        std::error_code ec;
        fs::remove(checkpoint_path_, ec);
        if (checkpoint_.multipart) fs::remove_all(checkpoint_.parts_folder, ec);
        Note("submission " + checkpoint_.submission_id + " uploaded");
        if (options_.json) {
            std::cout << nlohmann::json{{"submission_id", checkpoint_.submission_id}, {"completed", true}}.dump()
                      << '\n';
        } else {
            std::cout << checkpoint_.submission_id << '\n';
        }
        return 0;
    }

    int ReportInterrupted() {
        std::cerr << "zr: interrupted";
        if (!checkpoint_.parts.empty()) {
            std::cerr << ": " << checkpoint_.DoneCount() << " of " << checkpoint_.parts.size()
                      << " part(s) uploaded; run the same command again to resume (" << checkpoint_path_.string()
                      << ")";
        }
        std::cerr << '\n';
        return kExitInterrupted;
    }

    const SubmitOptions& options_;
    ArchiveInfo archive_;
    fs::path checkpoint_path_;
    Checkpoint checkpoint_;
    ProgressStyle style_ = ProgressStyle::kLines;
};

}  // namespace

int SubmitMain(const SubmitOptions& options) {
    try {
        return Submission(options).Run();
    } catch (const TransportError& e) {
        std::cerr << "zr: cannot reach the API: " << OneLine(e.what()) << '\n';
    } catch (const std::exception& e) {
        std::cerr << "zr: " << OneLine(e.what()) << '\n';
    } catch (...) {
        std::cerr << "zr: unexpected failure\n";
    }
    return 1;
}

}  // namespace zr::client
