#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <set>
#include <string>

#include "settings/settings.hpp"

namespace zr::settings {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;
using Vars = std::map<std::string, std::string>;

// A fresh folder under the system temp folder, removed at scope exit.
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "zr-settings-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }
    fs::path Write(const std::string& name, const std::string& content) const {
        std::ofstream(path_ / name) << content;
        return path_ / name;
    }

private:
    fs::path path_;
};

// The SettingsError thrown by LoadFrom(vars); fails the test if none is thrown.
SettingsError LoadError(const Vars& vars) {
    try {
        LoadFrom(vars);
    } catch (const SettingsError& e) {
        return e;
    }
    ADD_FAILURE() << "no SettingsError for " << vars.begin()->first << "=" << vars.begin()->second;
    return SettingsError("", "");
}

std::string ThisHostName() {
    char buffer[HOST_NAME_MAX + 1] = {};
    gethostname(buffer, sizeof buffer - 1);
    return buffer;
}

TEST(SettingsLoad, DefaultsMatchSpec) {
    const LoadResult result = LoadFrom({});
    const Settings& s = result.settings;
    EXPECT_TRUE(result.warnings.empty());
    EXPECT_EQ(s.app_name, "Zerospeech Challenge API");
    EXPECT_EQ(s.hostname, ThisHostName());
    EXPECT_EQ(s.data_folder, fs::path("data"));
    EXPECT_EQ(s.db_path(), fs::path("data/zerospeech.db"));
    EXPECT_FALSE(s.debug);
    EXPECT_EQ(s.rpc_port, 5672);
    EXPECT_TRUE(s.hosts.empty());
    EXPECT_TRUE(s.remote_bin.empty());
    EXPECT_EQ(s.origins, (std::vector<std::string>{"http://localhost:1313", "https://localhost:1313",
                                                   "http://zerospeech.com", "https://zerospeech.com",
                                                   "http://api.zerospeech.com", "https://api.zerospeech.com"}));
    EXPECT_EQ(s.session_expiry_delay, seconds(7 * 86400));
    EXPECT_EQ(s.password_reset_expiry_delay, seconds(45 * 60));
    EXPECT_EQ(s.static_dir, fs::path("data/_static"));
    EXPECT_EQ(s.user_data_dir, fs::path("data/user_data"));
    EXPECT_EQ(s.submission_dir, fs::path("data/submissions"));
    EXPECT_EQ(s.leaderboard_dir, fs::path("data/leaderboards"));
    EXPECT_EQ(s.archive_dir, fs::path("data/archive"));
    EXPECT_FALSE(s.templates_dir);
    EXPECT_EQ(s.host, "127.0.0.1");
    EXPECT_EQ(s.port, 8000);
}

TEST(SettingsLoad, SwaggerUiDefaultsToDebianCopyWhenInstalled) {
    const fs::path debian = "/usr/lib/python3/dist-packages/flasgger/ui3/static";
    const bool installed = fs::exists(debian / "swagger-ui-bundle.js");
    const Settings s = LoadFrom({}).settings;
    if (installed) {
        EXPECT_EQ(s.swagger_ui_dir, debian);
    } else {
        EXPECT_FALSE(s.swagger_ui_dir);
    }
    EXPECT_FALSE(LoadFrom({{"ZR_SWAGGER_UI_DIR", ""}}).settings.swagger_ui_dir);
    TempDir dir;
    EXPECT_EQ(LoadFrom({{"ZR_SWAGGER_UI_DIR", dir.path().string()}}).settings.swagger_ui_dir, dir.path());
}

TEST(SettingsLoad, KeysListEverySettingWithDefaultsThatMatch) {
    const std::set<std::string> expected = {"app_name",
                                            "version",
                                            "maintainers",
                                            "admin_email",
                                            "hostname",
                                            "DATA_FOLDER",
                                            "API_BASE_URL",
                                            "db_file",
                                            "DEBUG",
                                            "RPC_USERNAME",
                                            "RPC_PASSWORD",
                                            "RPC_HOST",
                                            "RPC_PORT",
                                            "HOSTS",
                                            "REMOTE_STORAGE",
                                            "REMOTE_BIN",
                                            "origins",
                                            "session_expiry_delay",
                                            "password_reset_expiry_delay",
                                            "STATIC_DIR",
                                            "USER_DATA_DIR",
                                            "SUBMISSION_DIR",
                                            "TEMPLATES_DIR",
                                            "mattermost_url",
                                            "mattermost_username",
                                            "mattermost_channel",
                                            "MATTERMOST_API_KEY",
                                            "MAIL_USERNAME",
                                            "MAIL_PASSWORD",
                                            "MAIL_FROM",
                                            "MAIL_FROM_NAME",
                                            "MAIL_PORT",
                                            "MAIL_SERVER",
                                            "MAIL_TLS",
                                            "MAIL_SSL",
                                            "HOST",
                                            "PORT",
                                            "THREADS",
                                            "HASH_THREADS",
                                            "MAX_HEADER_BYTES",
                                            "MAX_JSON_BODY",
                                            "MAX_UPLOAD_PART_BYTES",
                                            "READ_TIMEOUT",
                                            "IDLE_TIMEOUT",
                                            "SHUTDOWN_GRACE",
                                            "RESET_RATE_LIMIT",
                                            "RESET_RATE_WINDOW",
                                            "MAX_SUBMISSIONS_PER_DAY",
                                            "MAX_SUBMISSIONS_TOTAL",
                                            "UNZIP_MAX_BYTES",
                                            "UNZIP_MAX_ENTRIES",
                                            "UNZIP_MAX_RATIO",
                                            "LEADERBOARD_DIR",
                                            "ARCHIVE_DIR",
                                            "SWAGGER_UI_DIR",
                                            "QUEUE_BACKEND",
                                            "RPC_VHOST",
                                            "RPC_HEARTBEAT",
                                            "RPC_RECONNECT_FIRST",
                                            "RPC_RECONNECT_MAX",
                                            "LOCAL_WORKERS",
                                            "EVAL_TIME_LIMIT",
                                            "EVAL_MAX_ATTEMPTS",
                                            "EVAL_LEASE",
                                            "EVAL_POOL",
                                            "POOLS",
                                            "WORKER_TRANSFER",
                                            "WORKER_API_URL",
                                            "WORKER_TOKEN",
                                            "WORKER_DIR",
                                            "METRICS_TOKEN",
                                            "HEALTH_MIN_FREE_DISK",
                                            "PASSWORD_MIN_LENGTH",
                                            "HASH_QUEUE",
                                            "TRUSTED_PROXIES",
                                            "LOGIN_ACCOUNT_LIMIT",
                                            "LOGIN_ACCOUNT_WINDOW",
                                            "LOGIN_ADDRESS_LIMIT",
                                            "LOGIN_ADDRESS_WINDOW",
                                            "LOGIN_BLOCK",
                                            "LOGIN_BLOCK_MAX"};
    std::set<std::string> names;
    for (const KeyInfo& key : Keys()) {
        EXPECT_TRUE(names.insert(key.name).second) << "duplicate " << key.name;
        EXPECT_FALSE(key.description.empty()) << key.name;
    }
    EXPECT_EQ(names, expected);

    // The advertised default is what loading nothing gives (except machine/folder dependent ones).
    const std::set<std::string> dynamic = {"hostname",    "STATIC_DIR",      "USER_DATA_DIR",  "SUBMISSION_DIR",
                                           "ARCHIVE_DIR", "LEADERBOARD_DIR", "SWAGGER_UI_DIR", "WORKER_DIR"};
    const auto described = Describe(LoadFrom({}).settings, /*mask_secrets=*/false);
    EXPECT_EQ(described.size(), expected.size());
    for (const KeyInfo& key : Keys()) {
        if (!dynamic.count(key.name)) {
            EXPECT_EQ(described.at(key.name), key.default_value) << key.name;
        }
    }
}

TEST(SettingsLoad, KeysMatchCaseInsensitivelyWithOrWithoutPrefix) {
    for (const char* name : {"ZR_DATA_FOLDER", "ZR_data_folder", "zr_Data_Folder", "DATA_FOLDER"}) {
        EXPECT_EQ(LoadFrom({{name, "/srv/zr"}}).settings.data_folder, fs::path("/srv/zr")) << name;
    }
    const Settings s =
        LoadFrom({{"zr_session_expiry_delay", "1d"}, {"ZR_MAIL_port", "2525"}, {"zr_mattermost_URL", "http://mm"}})
            .settings;
    EXPECT_EQ(s.session_expiry_delay, seconds(86400));
    EXPECT_EQ(s.mail.port, 2525);
    EXPECT_EQ(s.mattermost_url, "http://mm");
}

TEST(SettingsLoad, EveryKindOfBadValueNamesTheKey) {
    const std::pair<const char*, const char*> cases[] = {
        {"PORT", "abc"},
        {"RPC_PORT", "0"},
        {"MAIL_PORT", "70000"},
        {"DEBUG", "maybe"},
        {"MAIL_TLS", "2"},
        {"THREADS", "-1"},
        {"HASH_THREADS", "0"},
        {"QUEUE_BACKEND", "kafka"},
        {"WORKER_TRANSFER", "scp"},
        {"EVAL_MAX_ATTEMPTS", "0"},
        {"RESET_RATE_LIMIT", "five"},
        {"MAX_JSON_BODY", "1X"},
        {"MAX_UPLOAD_PART_BYTES", "0"},
        {"READ_TIMEOUT", "soon"},
        {"session_expiry_delay", "7w"},
        {"RESET_RATE_WINDOW", "0"},
        {"HOSTS", "[1]"},
        {"origins", "[\"http://a\""},
        {"REMOTE_BIN", "[]"},
        {"REMOTE_STORAGE", "gpu1=/srv"},
        {"DATA_FOLDER", ""},
        {"db_file", " "},
        {"HOST", ""},
        {"TEMPLATES_DIR", "/nonexistent/zr-templates"},
        {"SWAGGER_UI_DIR", "/nonexistent/zr-swagger"},
        {"PASSWORD_MIN_LENGTH", "5"},
        {"PASSWORD_MIN_LENGTH", "1025"},
    };
    for (const auto& [key, value] : cases) {
        const std::string var = std::string("ZR_") + key;
        // Spelled in lower case: the error still uses the canonical name.
        std::string lower = var;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (const std::string& spelled : {var, lower}) {
            const SettingsError e = LoadError({{spelled, value}});
            EXPECT_EQ(e.key(), var);
            EXPECT_EQ(std::string(e.what()).rfind(var + ": ", 0), 0u) << e.what();
        }
    }
    EXPECT_STREQ(LoadError({{"ZR_PORT", "abc"}}).what(), "ZR_PORT: not a port number: 'abc'");
}

TEST(SettingsLoad, PasswordMinLengthIsSixTo1024) {
    EXPECT_EQ(LoadFrom({}).settings.password_min_length, 8u);
    EXPECT_EQ(LoadFrom({{"ZR_PASSWORD_MIN_LENGTH", "12"}}).settings.password_min_length, 12u);
    EXPECT_EQ(LoadFrom({{"ZR_PASSWORD_MIN_LENGTH", "6"}}).settings.password_min_length, 6u);
    EXPECT_STREQ(LoadError({{"ZR_PASSWORD_MIN_LENGTH", "5"}}).what(),
                 "ZR_PASSWORD_MIN_LENGTH: must be at least 6: '5'");
}

TEST(SettingsLoad, UnknownKeysAreWarnings) {
    const LoadResult result = LoadFrom({{"ZR_FOO", "1"}, {"zr_bar", "2"}, {"ZR_ENV_FILE", "/x"}, {"ZR_PORT", "9"}});
    EXPECT_EQ(result.warnings,
              (std::vector<std::string>{"unknown setting ZR_FOO ignored", "unknown setting ZR_bar ignored"}));
    EXPECT_EQ(result.settings.port, 9);
}

TEST(SettingsLoad, ParsesListsMapsDurationsSizesAndBooleans) {
    const Settings s = LoadFrom({{"ZR_HOSTS", R"(["gpu1", "gpu2"])"},
                                 {"ZR_origins", "http://a.org, https://a.org"},
                                 {"ZR_REMOTE_BIN", R"({"gpu1": "/srv/evaluators"})"},
                                 {"ZR_REMOTE_STORAGE", R"({"gpu1": "/srv/sub", "gpu2": "/x"})"},
                                 {"ZR_password_reset_expiry_delay", "30m"},
                                 {"ZR_IDLE_TIMEOUT", "90"},
                                 {"ZR_SHUTDOWN_GRACE", "0"},
                                 {"ZR_MAX_UPLOAD_PART_BYTES", "1G"},
                                 {"ZR_MAX_HEADER_BYTES", "8192"},
                                 {"ZR_DEBUG", "on"},
                                 {"ZR_MAIL_SSL", "YES"},
                                 {"ZR_PORT", "0"},
                                 {"ZR_THREADS", "4"}})
                           .settings;
    EXPECT_EQ(s.hosts, (std::vector<std::string>{"gpu1", "gpu2"}));
    EXPECT_EQ(s.origins, (std::vector<std::string>{"http://a.org", "https://a.org"}));
    EXPECT_EQ(s.remote_bin, (std::map<std::string, std::string>{{"gpu1", "/srv/evaluators"}}));
    EXPECT_EQ(s.remote_storage.at("gpu2"), "/x");
    EXPECT_EQ(s.password_reset_expiry_delay, seconds(1800));
    EXPECT_EQ(s.idle_timeout, seconds(90));
    EXPECT_EQ(s.shutdown_grace, seconds(0));
    EXPECT_EQ(s.max_upload_part_bytes, std::size_t{1} << 30);
    EXPECT_EQ(s.max_header_bytes, 8192u);
    EXPECT_TRUE(s.debug);
    EXPECT_TRUE(s.mail.ssl);
    EXPECT_FALSE(s.mail.tls);
    EXPECT_EQ(s.port, 0);
    EXPECT_EQ(s.threads, 4u);
}

TEST(SettingsLoad, DerivedFoldersFollowDataFolderUnlessSet) {
    const Settings s = LoadFrom({{"ZR_DATA_FOLDER", "/srv/zr"},
                                 {"ZR_SUBMISSION_DIR", "/srv/zr/user_data/submissions"},
                                 {"ZR_STATIC_DIR", ""}})
                           .settings;
    EXPECT_EQ(s.static_dir, fs::path("/srv/zr/_static"));
    EXPECT_EQ(s.user_data_dir, fs::path("/srv/zr/user_data"));
    EXPECT_EQ(s.submission_dir, fs::path("/srv/zr/user_data/submissions"));
    EXPECT_EQ(s.leaderboard_dir, fs::path("/srv/zr/leaderboards"));
    EXPECT_EQ(s.archive_dir, fs::path("/srv/zr/archive"));
    EXPECT_EQ(s.db_path(), fs::path("/srv/zr/zerospeech.db"));
}

TEST(SettingsLoad, EnvFileIsOverriddenByVariables) {
    TempDir dir;
    const fs::path env = dir.Write("test.env",
                                   "# settings\n"
                                   "ZR_PORT=1111\n"
                                   "export ZR_HOST='0.0.0.0'\n"
                                   "zr_debug=true\n"
                                   "ZR_mail_server=\"smtp.example.org\"\n"
                                   "ZR_HOSTS='[\"gpu1\"]'\n"
                                   "ZR_NOPE=1\n"
                                   "PATH=/not/a/setting\n");
    const LoadResult result = LoadFrom({{"ZR_port", "2222"}, {"ZR_MAIL_SERVER", "smtp.override.org"}}, env);
    const Settings& s = result.settings;
    EXPECT_EQ(s.port, 2222);
    EXPECT_EQ(s.host, "0.0.0.0");
    EXPECT_TRUE(s.debug);
    EXPECT_EQ(s.mail.server, "smtp.override.org");
    EXPECT_EQ(s.hosts, std::vector<std::string>{"gpu1"});
    EXPECT_EQ(result.warnings, std::vector<std::string>{"unknown setting ZR_NOPE ignored"});

    const fs::path bad = dir.Write("bad.env", "ZR_PORT=abc\n");
    try {
        LoadFrom({}, bad);
        ADD_FAILURE() << "no error";
    } catch (const SettingsError& e) {
        EXPECT_STREQ(e.what(), "ZR_PORT: not a port number: 'abc'");
    }
    EXPECT_THROW(LoadFrom({}, dir.path() / "missing.env"), SettingsError);
}

// Sets environment variables for one test and restores them after.
class ScopedEnv {
public:
    void Set(const std::string& name, const std::string& value) {
        if (const char* old = getenv(name.c_str())) {
            saved_.emplace_back(name, std::string(old));
        } else {
            saved_.emplace_back(name, std::nullopt);
        }
        setenv(name.c_str(), value.c_str(), 1);
    }
    ~ScopedEnv() {
        for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
            if (it->second) {
                setenv(it->first.c_str(), it->second->c_str(), 1);
            } else {
                unsetenv(it->first.c_str());
            }
        }
    }

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(SettingsLoad, EnvironmentOverridesEnvFile) {
    TempDir dir;
    const fs::path env = dir.Write("zr.env", "ZR_PORT=1111\nZR_HOST=10.0.0.1\nZR_DEBUG=1\n");
    ScopedEnv vars;
    vars.Set("ZR_ENV_FILE", env.string());
    vars.Set("zr_port", "3333");
    vars.Set("ZR_UNKNOWN_THING", "x");
    const LoadResult result = LoadFromEnvironment();
    EXPECT_EQ(result.settings.port, 3333);
    EXPECT_EQ(result.settings.host, "10.0.0.1");
    EXPECT_TRUE(result.settings.debug);
    EXPECT_EQ(result.warnings, std::vector<std::string>{"unknown setting ZR_UNKNOWN_THING ignored"});
}

TEST(SettingsLoad, DotEnvInWorkingFolderIsReadWhenNoEnvFileIsNamed) {
    TempDir dir;
    dir.Write(".env", "ZR_PORT=4444\n");
    const fs::path old_cwd = fs::current_path();
    fs::current_path(dir.path());
    const Settings s = LoadFromEnvironment().settings;
    {
        ScopedEnv vars;
        vars.Set("ZR_ENV_FILE", "");  // "" disables the env file
        EXPECT_EQ(LoadFromEnvironment().settings.port, 8000);
    }
    fs::current_path(old_cwd);
    EXPECT_EQ(s.port, 4444);
}

TEST(SettingsDescribe, MasksSecretsWhenSet) {
    const Settings s = LoadFrom({{"ZR_MATTERMOST_API_KEY", "k3y"}}).settings;
    const auto masked = Describe(s);
    EXPECT_EQ(masked.at("RPC_PASSWORD"), "********");
    EXPECT_EQ(masked.at("MATTERMOST_API_KEY"), "********");
    EXPECT_EQ(masked.at("MAIL_PASSWORD"), "");
    EXPECT_EQ(masked.at("RPC_USERNAME"), "admin");
    const auto plain = Describe(s, /*mask_secrets=*/false);
    EXPECT_EQ(plain.at("RPC_PASSWORD"), "123");
    EXPECT_EQ(plain.at("MATTERMOST_API_KEY"), "k3y");
}

TEST(SettingsDescribe, DescribedValuesLoadBackToTheSameSettings) {
    TempDir dir;
    const Vars custom = {{"ZR_DATA_FOLDER", "/srv/zr"},
                         {"ZR_HOSTS", R"(["a","b"])"},
                         {"ZR_REMOTE_BIN", R"({"a":"/b"})"},
                         {"ZR_session_expiry_delay", "90"},
                         {"ZR_MAX_JSON_BODY", "1000"},
                         {"ZR_TEMPLATES_DIR", dir.path().string()},
                         {"ZR_MAIL_TLS", "1"},
                         {"ZR_MAIL_PASSWORD", "p w"}};
    const auto first = Describe(LoadFrom(custom).settings, false);
    const auto second = Describe(LoadFrom(first).settings, false);
    EXPECT_EQ(first, second);
    EXPECT_EQ(first.at("HOSTS"), R"(["a","b"])");
    EXPECT_EQ(first.at("session_expiry_delay"), "90s");
    EXPECT_EQ(first.at("MAX_JSON_BODY"), "1000");
    EXPECT_EQ(first.at("STATIC_DIR"), "/srv/zr/_static");
}

}  // namespace
}  // namespace zr::settings
