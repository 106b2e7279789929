#pragma once
// Settings of the service, parsed and validated once at start-up (see shared spec settings.md).
//
// Sources, later overriding earlier: built-in defaults; KEY=value lines of ZR_ENV_FILE (or ./.env
// when ZR_ENV_FILE is unset); the process environment. Keys carry the prefix ZR_ and match
// case-insensitively. Lists/maps are JSON; durations are seconds or "7d"/"45m"/"30s"/"12h".
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace zr::settings {

// An invalid value; what() names the key, e.g. "ZR_PORT: not a port number: 'abc'".
class SettingsError : public std::runtime_error {
public:
    SettingsError(std::string key, const std::string& what) : std::runtime_error(what), key_(std::move(key)) {}
    const std::string& key() const { return key_; }

private:
    std::string key_;
};

struct MailSettings {
    std::string username;
    std::string password;
    std::string from = "noreply@zerospeech.com";
    std::string from_name = "Zerospeech Challenge";
    std::uint16_t port = 25;
    std::string server;  // empty = e-mail disabled (logged instead of sent)
    bool tls = false;    // STARTTLS
    bool ssl = false;    // implicit TLS
};

struct Settings {
    // Shown by GET /
    std::string app_name = "Zerospeech Challenge API";
    std::string version = "v0.1";
    std::string maintainers = "CoML Team, INRIA, ENS, EHESS, CNRS";
    std::string admin_email = "contact@zerospeech.com";
    std::string hostname;  // default: this machine's host name

    std::filesystem::path data_folder = "data";
    std::string api_base_url = "https://api.zerospeech.com";
    std::string db_file = "zerospeech.db";
    bool debug = false;

    std::string rpc_username = "admin";
    std::string rpc_password = "123";
    std::string rpc_host = "localhost";
    std::uint16_t rpc_port = 5672;
    std::vector<std::string> hosts;
    std::map<std::string, std::string> remote_storage;
    std::map<std::string, std::string> remote_bin;

    std::vector<std::string> origins;  // CORS; default: localhost:1313, (api.)zerospeech.com, http+https
    std::chrono::seconds session_expiry_delay{7 * 24 * 3600};
    std::chrono::seconds password_reset_expiry_delay{45 * 60};

    std::filesystem::path static_dir;                     // default data_folder/_static
    std::filesystem::path user_data_dir;                  // default data_folder/user_data
    std::filesystem::path submission_dir;                 // default data_folder/submissions
    std::filesystem::path leaderboard_dir;                // default data_folder/leaderboards
    std::filesystem::path archive_dir;                    // default data_folder/archive
    std::optional<std::filesystem::path> templates_dir;   // none = templates shipped in the binary
    std::optional<std::filesystem::path> swagger_ui_dir;  // Swagger UI assets; default: Debian's copy if present

    std::string mattermost_url;
    std::string mattermost_username = "zerospeech-api";
    std::string mattermost_channel;
    std::string mattermost_api_key;
    MailSettings mail;

    // Ours: the HTTP server
    std::string host = "127.0.0.1";
    std::uint16_t port = 8000;
    unsigned threads = 0;       // IO threads; 0 = number of cores
    unsigned hash_threads = 1;  // password hashing pool
    // Requests that may wait for a hashing thread; past it, logins and sign-ups answer 503.
    unsigned hash_queue = 16;
    // Peers whose X-Forwarded-For names the client (addresses or networks): the nginx in front.
    std::vector<std::string> trusted_proxies = {"127.0.0.1", "::1"};
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_json_body = 64 * 1024;
    std::size_t max_upload_part_bytes = 600ull * 1024 * 1024;
    std::chrono::seconds read_timeout{30};
    std::chrono::seconds idle_timeout{60};
    std::chrono::seconds shutdown_grace{10};
    // Password-reset requests allowed per e-mail and per client IP in one window.
    unsigned reset_rate_limit = 5;
    std::chrono::seconds reset_rate_window{3600};
    // Login throttling (accounts/login_throttle.hpp): failures allowed per account and per client
    // address in a window (0 = no limit of that kind), and the block that follows, doubling with
    // each block up to the maximum.
    unsigned login_account_limit = 5;
    std::chrono::seconds login_account_window{15 * 60};
    unsigned login_address_limit = 30;
    std::chrono::seconds login_address_window{60};
    std::chrono::seconds login_block{60};
    std::chrono::seconds login_block_max{15 * 60};
    // New passwords (sign-up, password update, users:create): at least this many characters, and
    // not refused by libpwquality (accounts::PasswordPolicy). 6 at least (cracklib's own floor).
    unsigned password_min_length = 8;

    // Ours: submissions. Limits count a user's submissions to one challenge, except invalid,
    // failed and canceled ones; 0 = unlimited.
    unsigned max_submissions_per_day = 0;  // in the last 24 h
    unsigned max_submissions_total = 0;
    // Safe unzip of submitted archives: bytes actually written, entries, and the ratio of written
    // bytes to the archive's size.
    std::size_t unzip_max_bytes = 50ull * 1024 * 1024 * 1024;
    unsigned unzip_max_entries = 100000;
    unsigned unzip_max_ratio = 200;

    // Ours: evaluation (pipeline.md section 4).
    std::string queue_backend = "embedded";  // "embedded" (SQLite) or "rabbitmq"
    std::string rpc_vhost = "/";
    std::chrono::seconds rpc_heartbeat{15};  // AMQP heartbeat: a silent worker is dropped after 2-3x
    // Re-opening a lost RabbitMQ connection: at once, then after the first back-off, doubling to the max.
    std::chrono::milliseconds rpc_reconnect_first{200};
    std::chrono::milliseconds rpc_reconnect_max{2000};
    unsigned local_workers = 1;                       // evaluation workers run inside `zr serve`
    std::chrono::seconds eval_time_limit{12 * 3600};  // per evaluation run
    unsigned eval_max_attempts = 3;                   // deliveries of one job before it is failed
    std::chrono::seconds eval_lease{45};  // embedded queue: a job whose worker is silent this long is handed out again
    // Remote workers: "shared" = the worker sees the data folder (same host or shared file
    // system); "http" = it fetches input and returns scores/log over HTTP from worker_api_url with
    // worker_token.
    std::string worker_transfer = "shared";
    std::string worker_api_url;
    std::string worker_token;          // shared secret of the service and its workers; "" = worker routes off
    std::filesystem::path worker_dir;  // default data_folder/worker: a worker's local copies (http transfer)
    // The evaluation pool this host's workers serve (jobs of evaluators registered for it); "" =
    // the host name. Its bin folder is REMOTE_BIN[pool].
    std::string eval_pool;
    // Service side: pool -> the machines that serve it (discovery reads index.yml on each).
    std::map<std::string, std::vector<std::string>> pools;

    // Ours: operations (GET /health, GET /metrics).
    std::string metrics_token;                        // "" = /metrics needs no token
    std::uint64_t health_min_free_disk = 1ull << 30;  // /health: disk "fail" below this many free bytes

    std::filesystem::path db_path() const { return data_folder / db_file; }
};

// One known key: its canonical name (without ZR_), default as text, and meaning.
struct KeyInfo {
    std::string name;
    std::string default_value;
    std::string description;
};

struct LoadResult {
    Settings settings;
    std::vector<std::string> warnings;  // e.g. unknown ZR_ keys
};

// Loads from the process environment (and the env file: ZR_ENV_FILE, or ./.env if it exists when
// ZR_ENV_FILE is unset; ZR_ENV_FILE="" means none). Throws SettingsError on an invalid value, on
// an unreadable/malformed env file (key ZR_ENV_FILE), and when TEMPLATES_DIR or SWAGGER_UI_DIR
// is set to something that is not a directory. Unknown ZR_ keys become warnings. Touches the file
// system only to read the env file and to look at those folders (and Debian's Swagger UI copy);
// DATA_FOLDER is checked by PrepareDataFolder. Relative paths stay relative (to the working folder).
LoadResult LoadFromEnvironment();
// Same from an explicit map KEY -> value (keys with or without ZR_, any case); for tests. Reads
// neither the process environment nor any env file.
LoadResult LoadFrom(const std::map<std::string, std::string>& vars);
// Same, with the ZR_ lines of `env_file` applied first and `vars` overriding them (other lines of
// the file are ignored). Throws SettingsError (key ZR_ENV_FILE) if the file cannot be read or a
// line is not KEY=value.
LoadResult LoadFrom(const std::map<std::string, std::string>& vars, const std::filesystem::path& env_file);

// Checks DATA_FOLDER exists and is writable (SettingsError naming ZR_DATA_FOLDER otherwise) and
// creates the sub-folders (static, user_data, submissions, leaderboards, archive) if missing
// (SettingsError naming that folder's key if one cannot be created or is not writable).
void PrepareDataFolder(const Settings& settings);

// Every key, in a stable order, for `zr check:settings --keys`.
const std::vector<KeyInfo>& Keys();
// The effective value of every key (canonical name, no ZR_) as text, in the forms the parsers
// accept (durations "7d", sizes "64K", lists/maps as JSON, optional paths "" when unset). With
// mask_secrets, RPC_PASSWORD, MAIL_PASSWORD and MATTERMOST_API_KEY show as "********" when set.
std::map<std::string, std::string> Describe(const Settings& settings, bool mask_secrets = true);

}  // namespace zr::settings
