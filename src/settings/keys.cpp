#include <utility>

#include "common/strings.hpp"
#include "settings/key_table.hpp"
#include "settings/values.hpp"

// One entry per setting. Parsing rules live in values.cpp; defaults that depend on the machine
// or on DATA_FOLDER are filled in by settings.cpp after every source has been applied.
namespace zr::settings::detail {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Path = std::filesystem::path;

std::string PathText(const Path& path) { return path.string(); }
std::string OptionalPathText(const std::optional<Path>& path) { return path ? path->string() : std::string(); }
std::string BoolText(bool value) { return value ? "true" : "false"; }

// An empty value leaves the path empty, which means "derive it from DATA_FOLDER".
Path DirValue(const std::string& value) { return Path(std::string(Trim(value))); }
std::optional<Path> OptionalDirValue(const std::string& value) {
    const std::string_view trimmed = Trim(value);
    if (trimmed.empty()) return std::nullopt;
    return Path(std::string(trimmed));
}

std::vector<KeySpec> BuildTable() {
    return {
        {"app_name", "Zerospeech Challenge API", "service name shown by GET /", false,
         [](Settings& s, const std::string&, const std::string& v) { s.app_name = v; },
         [](const Settings& s) { return s.app_name; }},
        {"version", "v0.1", "version shown by GET /", false,
         [](Settings& s, const std::string&, const std::string& v) { s.version = v; },
         [](const Settings& s) { return s.version; }},
        {"maintainers", "CoML Team, INRIA, ENS, EHESS, CNRS", "maintainers shown by GET /", false,
         [](Settings& s, const std::string&, const std::string& v) { s.maintainers = v; },
         [](const Settings& s) { return s.maintainers; }},
        {"admin_email", "contact@zerospeech.com", "contact address shown by GET /, mails, pages", false,
         [](Settings& s, const std::string&, const std::string& v) { s.admin_email = v; },
         [](const Settings& s) { return s.admin_email; }},
        {"hostname", "this machine's host name", "tells local from remote evaluation hosts", false,
         [](Settings& s, const std::string&, const std::string& v) {
             if (!Trim(v).empty()) s.hostname = std::string(Trim(v));
         },
         [](const Settings& s) { return s.hostname; }},
        {"DATA_FOLDER", "data", "folder of everything the service keeps (database, files)", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             if (Trim(v).empty()) throw SettingsError(var, var + ": must not be empty");
             s.data_folder = DirValue(v);
         },
         [](const Settings& s) { return PathText(s.data_folder); }},
        {"API_BASE_URL", "https://api.zerospeech.com", "public URL of the API, used in e-mail links", false,
         [](Settings& s, const std::string&, const std::string& v) { s.api_base_url = v; },
         [](const Settings& s) { return s.api_base_url; }},
        {"db_file", "zerospeech.db", "database file name inside DATA_FOLDER", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             if (Trim(v).empty()) throw SettingsError(var, var + ": must not be empty");
             s.db_file = std::string(Trim(v));
         },
         [](const Settings& s) { return s.db_file; }},
        {"DEBUG", "false", "extra detail in error bodies and logs", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.debug = ParseBool(var, v); },
         [](const Settings& s) { return BoolText(s.debug); }},
        {"RPC_USERNAME", "admin", "RabbitMQ user", false,
         [](Settings& s, const std::string&, const std::string& v) { s.rpc_username = v; },
         [](const Settings& s) { return s.rpc_username; }},
        {"RPC_PASSWORD", "123", "RabbitMQ password", true,
         [](Settings& s, const std::string&, const std::string& v) { s.rpc_password = v; },
         [](const Settings& s) { return s.rpc_password; }},
        {"RPC_HOST", "localhost", "RabbitMQ host", false,
         [](Settings& s, const std::string&, const std::string& v) { s.rpc_host = v; },
         [](const Settings& s) { return s.rpc_host; }},
        {"RPC_PORT", "5672", "RabbitMQ port", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.rpc_port = ParsePort(var, v, false); },
         [](const Settings& s) { return std::to_string(s.rpc_port); }},
        {"HOSTS", "[]", "evaluation hosts (JSON list)", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.hosts = ParseList(var, v); },
         [](const Settings& s) { return FormatList(s.hosts); }},
        {"REMOTE_STORAGE", "{}", "host -> folder where submissions are copied (JSON object)", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.remote_storage = ParseMap(var, v); },
         [](const Settings& s) { return FormatMap(s.remote_storage); }},
        {"REMOTE_BIN", "{}", "host -> evaluator bin folder with index.yml (JSON object)", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.remote_bin = ParseMap(var, v); },
         [](const Settings& s) { return FormatMap(s.remote_bin); }},
        {"origins",
         R"(["http://localhost:1313","https://localhost:1313","http://zerospeech.com",)"
         R"("https://zerospeech.com","http://api.zerospeech.com","https://api.zerospeech.com"])",
         "CORS allowed origins (JSON list)", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.origins = ParseList(var, v); },
         [](const Settings& s) { return FormatList(s.origins); }},
        {"session_expiry_delay", "7d", "login session lifetime", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.session_expiry_delay = ParseDuration(var, v, seconds(1));
         },
         [](const Settings& s) { return FormatDuration(s.session_expiry_delay); }},
        {"password_reset_expiry_delay", "45m", "password reset link lifetime", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.password_reset_expiry_delay = ParseDuration(var, v, seconds(1));
         },
         [](const Settings& s) { return FormatDuration(s.password_reset_expiry_delay); }},
        {"STATIC_DIR", "DATA_FOLDER/_static", "files served under /static/", false,
         [](Settings& s, const std::string&, const std::string& v) { s.static_dir = DirValue(v); },
         [](const Settings& s) { return PathText(s.static_dir); }},
        {"USER_DATA_DIR", "DATA_FOLDER/user_data", "user profiles", false,
         [](Settings& s, const std::string&, const std::string& v) { s.user_data_dir = DirValue(v); },
         [](const Settings& s) { return PathText(s.user_data_dir); }},
        {"SUBMISSION_DIR", "DATA_FOLDER/submissions", "uploaded submissions", false,
         [](Settings& s, const std::string&, const std::string& v) { s.submission_dir = DirValue(v); },
         [](const Settings& s) { return PathText(s.submission_dir); }},
        {"LEADERBOARD_DIR", "DATA_FOLDER/leaderboards", "leaderboard files", false,
         [](Settings& s, const std::string&, const std::string& v) { s.leaderboard_dir = DirValue(v); },
         [](const Settings& s) { return PathText(s.leaderboard_dir); }},
        {"ARCHIVE_DIR", "DATA_FOLDER/archive", "archived submissions", false,
         [](Settings& s, const std::string&, const std::string& v) { s.archive_dir = DirValue(v); },
         [](const Settings& s) { return PathText(s.archive_dir); }},
        {"TEMPLATES_DIR", "", "folder of templates overriding the shipped ones (empty = shipped)", false,
         [](Settings& s, const std::string&, const std::string& v) { s.templates_dir = OptionalDirValue(v); },
         [](const Settings& s) { return OptionalPathText(s.templates_dir); }},
        {"SWAGGER_UI_DIR", "Debian's python3-flasgger copy if installed", "Swagger UI assets for /docs (empty = none)",
         false, [](Settings& s, const std::string&, const std::string& v) { s.swagger_ui_dir = OptionalDirValue(v); },
         [](const Settings& s) { return OptionalPathText(s.swagger_ui_dir); }},
        {"mattermost_url", "", "Mattermost webhook URL (empty = no notifications)", false,
         [](Settings& s, const std::string&, const std::string& v) { s.mattermost_url = v; },
         [](const Settings& s) { return s.mattermost_url; }},
        {"mattermost_username", "zerospeech-api", "Mattermost user name", false,
         [](Settings& s, const std::string&, const std::string& v) { s.mattermost_username = v; },
         [](const Settings& s) { return s.mattermost_username; }},
        {"mattermost_channel", "", "Mattermost channel", false,
         [](Settings& s, const std::string&, const std::string& v) { s.mattermost_channel = v; },
         [](const Settings& s) { return s.mattermost_channel; }},
        {"MATTERMOST_API_KEY", "", "Mattermost API key", true,
         [](Settings& s, const std::string&, const std::string& v) { s.mattermost_api_key = v; },
         [](const Settings& s) { return s.mattermost_api_key; }},
        {"MAIL_USERNAME", "", "SMTP user (empty = no login)", false,
         [](Settings& s, const std::string&, const std::string& v) { s.mail.username = v; },
         [](const Settings& s) { return s.mail.username; }},
        {"MAIL_PASSWORD", "", "SMTP password", true,
         [](Settings& s, const std::string&, const std::string& v) { s.mail.password = v; },
         [](const Settings& s) { return s.mail.password; }},
        {"MAIL_FROM", "noreply@zerospeech.com", "sender address of e-mails", false,
         [](Settings& s, const std::string&, const std::string& v) { s.mail.from = v; },
         [](const Settings& s) { return s.mail.from; }},
        {"MAIL_FROM_NAME", "Zerospeech Challenge", "sender name of e-mails", false,
         [](Settings& s, const std::string&, const std::string& v) { s.mail.from_name = v; },
         [](const Settings& s) { return s.mail.from_name; }},
        {"MAIL_PORT", "25", "SMTP port", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.mail.port = ParsePort(var, v, false); },
         [](const Settings& s) { return std::to_string(s.mail.port); }},
        {"MAIL_SERVER", "", "SMTP server (empty = e-mails are logged, not sent)", false,
         [](Settings& s, const std::string&, const std::string& v) { s.mail.server = std::string(Trim(v)); },
         [](const Settings& s) { return s.mail.server; }},
        {"MAIL_TLS", "false", "use STARTTLS", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.mail.tls = ParseBool(var, v); },
         [](const Settings& s) { return BoolText(s.mail.tls); }},
        {"MAIL_SSL", "false", "use implicit TLS", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.mail.ssl = ParseBool(var, v); },
         [](const Settings& s) { return BoolText(s.mail.ssl); }},
        {"HOST", "127.0.0.1", "HTTP listen address", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             if (Trim(v).empty()) throw SettingsError(var, var + ": must not be empty");
             s.host = std::string(Trim(v));
         },
         [](const Settings& s) { return s.host; }},
        {"PORT", "8000", "HTTP listen port (0 = any free port)", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.port = ParsePort(var, v, true); },
         [](const Settings& s) { return std::to_string(s.port); }},
        {"THREADS", "0", "HTTP IO threads (0 = number of cores)", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.threads = ParseUnsigned(var, v, 0); },
         [](const Settings& s) { return std::to_string(s.threads); }},
        {"HASH_THREADS", "1", "threads hashing passwords, off the HTTP threads", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.hash_threads = ParseUnsigned(var, v, 1); },
         [](const Settings& s) { return std::to_string(s.hash_threads); }},
        {"HASH_QUEUE", "16", "requests that may wait for a hashing thread (503 beyond: login, sign-up)", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.hash_queue = ParseUnsigned(var, v, 1); },
         [](const Settings& s) { return std::to_string(s.hash_queue); }},
        {"TRUSTED_PROXIES", R"(["127.0.0.1","::1"])",
         "proxies whose X-Forwarded-For names the client (addresses or networks; empty = none)", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.trusted_proxies = ParseList(var, v);
             CheckAddresses(var, s.trusted_proxies);
         },
         [](const Settings& s) { return FormatList(s.trusted_proxies); }},
        {"MAX_HEADER_BYTES", "16K", "largest request header (431/413 beyond)", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.max_header_bytes = ParseSize(var, v); },
         [](const Settings& s) { return FormatSize(s.max_header_bytes); }},
        {"MAX_JSON_BODY", "64K", "largest JSON or form body (413 beyond)", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.max_json_body = ParseSize(var, v); },
         [](const Settings& s) { return FormatSize(s.max_json_body); }},
        {"MAX_UPLOAD_PART_BYTES", "600M", "largest uploaded submission part (413 beyond)", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.max_upload_part_bytes = ParseSize(var, v); },
         [](const Settings& s) { return FormatSize(s.max_upload_part_bytes); }},
        {"READ_TIMEOUT", "30s", "time allowed to read one request", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.read_timeout = ParseDuration(var, v, seconds(1));
         },
         [](const Settings& s) { return FormatDuration(s.read_timeout); }},
        {"IDLE_TIMEOUT", "1m", "keep-alive connection idle time before closing", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.idle_timeout = ParseDuration(var, v, seconds(1));
         },
         [](const Settings& s) { return FormatDuration(s.idle_timeout); }},
        {"SHUTDOWN_GRACE", "10s", "time given to in-flight requests at shutdown", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.shutdown_grace = ParseDuration(var, v, seconds(0));
         },
         [](const Settings& s) { return FormatDuration(s.shutdown_grace); }},
        {"RESET_RATE_LIMIT", "5", "password reset requests allowed per e-mail and per IP per window", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.reset_rate_limit = ParseUnsigned(var, v, 1);
         },
         [](const Settings& s) { return std::to_string(s.reset_rate_limit); }},
        {"RESET_RATE_WINDOW", "1h", "window of RESET_RATE_LIMIT", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.reset_rate_window = ParseDuration(var, v, seconds(1));
         },
         [](const Settings& s) { return FormatDuration(s.reset_rate_window); }},
        {"LOGIN_ACCOUNT_LIMIT", "5", "failed logins per account in LOGIN_ACCOUNT_WINDOW before a block (0 = none)",
         false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.login_account_limit = ParseUnsigned(var, v, 0);
         },
         [](const Settings& s) { return std::to_string(s.login_account_limit); }},
        {"LOGIN_ACCOUNT_WINDOW", "15m", "window of LOGIN_ACCOUNT_LIMIT", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.login_account_window = ParseDuration(var, v, seconds(1));
         },
         [](const Settings& s) { return FormatDuration(s.login_account_window); }},
        {"LOGIN_ADDRESS_LIMIT", "30",
         "failed logins per client address in LOGIN_ADDRESS_WINDOW before a block (0 = none)", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.login_address_limit = ParseUnsigned(var, v, 0);
         },
         [](const Settings& s) { return std::to_string(s.login_address_limit); }},
        {"LOGIN_ADDRESS_WINDOW", "1m", "window of LOGIN_ADDRESS_LIMIT", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.login_address_window = ParseDuration(var, v, seconds(1));
         },
         [](const Settings& s) { return FormatDuration(s.login_address_window); }},
        {"LOGIN_BLOCK", "1m", "first block of a throttled account or address (429 with Retry-After)", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.login_block = ParseDuration(var, v, seconds(1));
         },
         [](const Settings& s) { return FormatDuration(s.login_block); }},
        {"LOGIN_BLOCK_MAX", "15m", "longest block: each block doubles the previous one up to it", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.login_block_max = ParseDuration(var, v, seconds(1));
         },
         [](const Settings& s) { return FormatDuration(s.login_block_max); }},
        {"MAX_SUBMISSIONS_PER_DAY", "0", "submissions a user may create per challenge in 24 h (0 = unlimited)", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.max_submissions_per_day = ParseUnsigned(var, v, 0);
         },
         [](const Settings& s) { return std::to_string(s.max_submissions_per_day); }},
        {"MAX_SUBMISSIONS_TOTAL", "0", "submissions a user may create per challenge in all (0 = unlimited)", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.max_submissions_total = ParseUnsigned(var, v, 0);
         },
         [](const Settings& s) { return std::to_string(s.max_submissions_total); }},
        {"UNZIP_MAX_BYTES", "50G", "largest total size unzipped from one submitted archive", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.unzip_max_bytes = ParseSize(var, v); },
         [](const Settings& s) { return FormatSize(s.unzip_max_bytes); }},
        {"UNZIP_MAX_ENTRIES", "100000", "most entries unzipped from one submitted archive", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.unzip_max_entries = ParseUnsigned(var, v, 1);
         },
         [](const Settings& s) { return std::to_string(s.unzip_max_entries); }},
        {"UNZIP_MAX_RATIO", "200", "largest ratio of unzipped bytes to archive size (zip bombs)", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.unzip_max_ratio = ParseUnsigned(var, v, 1);
         },
         [](const Settings& s) { return std::to_string(s.unzip_max_ratio); }},
        {"QUEUE_BACKEND", "embedded", "evaluation job queue: embedded (SQLite) or rabbitmq", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.queue_backend = ParseChoice(var, v, {"embedded", "rabbitmq"});
         },
         [](const Settings& s) { return s.queue_backend; }},
        {"RPC_VHOST", "/", "RabbitMQ virtual host", false,
         [](Settings& s, const std::string&, const std::string& v) { s.rpc_vhost = v; },
         [](const Settings& s) { return s.rpc_vhost; }},
        {"RPC_HEARTBEAT", "15s", "RabbitMQ heartbeat (a silent worker loses its job after 2-3 times this)", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.rpc_heartbeat = ParseDuration(var, v, seconds(1));
         },
         [](const Settings& s) { return FormatDuration(s.rpc_heartbeat); }},
        {"RPC_RECONNECT_FIRST", "200ms", "pause before the second attempt to re-open a lost RabbitMQ connection", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.rpc_reconnect_first = ParseMillis(var, v, milliseconds(10), milliseconds(60000));
         },
         [](const Settings& s) { return FormatMillis(s.rpc_reconnect_first); }},
        {"RPC_RECONNECT_MAX", "2s", "longest pause between attempts to re-open a RabbitMQ connection", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.rpc_reconnect_max = ParseMillis(var, v, milliseconds(10), milliseconds(300000));
         },
         [](const Settings& s) { return FormatMillis(s.rpc_reconnect_max); }},
        {"LOCAL_WORKERS", "1", "evaluation workers run inside zr serve (0 = none)", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.local_workers = ParseUnsigned(var, v, 0); },
         [](const Settings& s) { return std::to_string(s.local_workers); }},
        {"EVAL_TIME_LIMIT", "12h", "time limit of one evaluation run", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.eval_time_limit = ParseDuration(var, v, seconds(1));
         },
         [](const Settings& s) { return FormatDuration(s.eval_time_limit); }},
        {"EVAL_MAX_ATTEMPTS", "3", "deliveries of one evaluation job before it is failed", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.eval_max_attempts = ParseUnsigned(var, v, 1);
         },
         [](const Settings& s) { return std::to_string(s.eval_max_attempts); }},
        {"EVAL_LEASE", "45s", "embedded queue: a job whose worker is silent this long is handed out again", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.eval_lease = ParseDuration(var, v, seconds(1));
         },
         [](const Settings& s) { return FormatDuration(s.eval_lease); }},
        {"WORKER_TRANSFER", "shared", "how workers reach submissions: shared (folder) or http", false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.worker_transfer = ParseChoice(var, v, {"shared", "http"});
         },
         [](const Settings& s) { return s.worker_transfer; }},
        {"WORKER_API_URL", "", "the service's URL as remote workers reach it (http transfer)", false,
         [](Settings& s, const std::string&, const std::string& v) { s.worker_api_url = std::string(Trim(v)); },
         [](const Settings& s) { return s.worker_api_url; }},
        {"WORKER_TOKEN", "", "shared secret of the service and its workers (empty = worker routes off)", true,
         [](Settings& s, const std::string&, const std::string& v) { s.worker_token = std::string(Trim(v)); },
         [](const Settings& s) { return s.worker_token; }},
        {"METRICS_TOKEN", "", "bearer token GET /metrics requires (empty = /metrics open to all)", true,
         [](Settings& s, const std::string&, const std::string& v) { s.metrics_token = std::string(Trim(v)); },
         [](const Settings& s) { return s.metrics_token; }},
        {"HEALTH_MIN_FREE_DISK", "1G", "GET /health answers 503 when the data folder has less free space", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.health_min_free_disk = ParseSize(var, v); },
         [](const Settings& s) { return FormatSize(s.health_min_free_disk); }},
        {"EVAL_POOL", "", "the evaluation pool this host's workers serve (default: the host name)", false,
         [](Settings& s, const std::string&, const std::string& v) { s.eval_pool = std::string(Trim(v)); },
         [](const Settings& s) { return s.eval_pool; }},
        {"POOLS", "{}", "evaluation pool -> its machines, for discovery (JSON object of lists)", false,
         [](Settings& s, const std::string& var, const std::string& v) { s.pools = ParsePools(var, v); },
         [](const Settings& s) { return FormatPools(s.pools); }},
        {"WORKER_DIR", "", "a worker's local copies of submissions (http transfer); default DATA_FOLDER/worker", false,
         [](Settings& s, const std::string&, const std::string& v) { s.worker_dir = DirValue(v); },
         [](const Settings& s) { return PathText(s.worker_dir); }},
        {"PASSWORD_MIN_LENGTH", "8",
         "fewest characters of a new password (sign-up, password update, users:create; 6 to 1024); common and "
         "dictionary passwords are refused too",
         false,
         [](Settings& s, const std::string& var, const std::string& v) {
             s.password_min_length = ParseUnsigned(var, v, 6);
             if (s.password_min_length > 1024) throw SettingsError(var, var + ": must be at most 1024: '" + v + "'");
         },
         [](const Settings& s) { return std::to_string(s.password_min_length); }},
    };
}

}  // namespace

const std::vector<KeySpec>& KeyTable() {
    static const std::vector<KeySpec> table = BuildTable();
    return table;
}

}  // namespace zr::settings::detail
