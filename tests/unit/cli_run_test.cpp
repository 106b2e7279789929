// The command line's parsing and error reporting, without a database.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "cli/cli.hpp"
#include "common/error.hpp"

namespace zr::cli {
namespace {

struct Result {
    int status;
    std::string out;
    std::string err;
};

Result RunZr(const std::vector<std::string>& args, const ServeFunction& serve = {}) {
    std::istringstream in;
    std::ostringstream out, err;
    int status = Run(args, serve, Streams{in, out, err, false});
    return {status, out.str(), err.str()};
}

// Sets ZR_* variables for one test and removes them afterwards.
class ScopedEnv {
public:
    ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
        for (const auto& [name, value] : vars) {
            setenv(name, value, 1);
            names_.push_back(name);
        }
    }
    ~ScopedEnv() {
        for (const auto* name : names_) unsetenv(name);
    }

private:
    std::vector<const char*> names_;
};

TEST(CliRunTest, HelpListsGroupsAndCommands) {
    auto result = RunZr({"--help"});
    EXPECT_EQ(result.status, kExitOk);
    for (const char* text : {"users:\n", "challenges:\n", "check:\n", "users:list", "users:password", "challenges:set",
                             "check:settings", "serve"}) {
        EXPECT_NE(result.out.find(text), std::string::npos) << text;
    }
    EXPECT_EQ(result.err, "");
}

TEST(CliRunTest, Version) {
    auto result = RunZr({"--version"});
    EXPECT_EQ(result.status, kExitOk);
    EXPECT_EQ(result.out.rfind("zr ", 0), 0u);
}

TEST(CliRunTest, UsageErrorsAreOneLine) {
    for (const auto& args : std::vector<std::vector<std::string>>{{},
                                                                  {"frobnicate"},
                                                                  {"users:list", "--nope"},
                                                                  {"users:status"},
                                                                  {"challenges:set", "1"},
                                                                  {"serve", "--port", "70000"}}) {
        auto result = RunZr(args);
        EXPECT_EQ(result.status, kExitUsage);
        EXPECT_EQ(result.err.rfind("zr: ", 0), 0u) << result.err;
        EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << result.err;
    }
    EXPECT_NE(RunZr({"frobnicate"}).err.find("unknown command 'frobnicate'"), std::string::npos);
}

TEST(CliRunTest, ServeOverridesHostAndPort) {
    ScopedEnv env({{"ZR_PORT", "9000"}});
    std::string host;
    int port = 0;
    auto result = RunZr({"serve", "--host", "0.0.0.0", "--port", "8123"}, [&](const settings::Settings& settings) {
        host = settings.host;
        port = settings.port;
        return 7;
    });
    EXPECT_EQ(result.status, 7);
    EXPECT_EQ(host, "0.0.0.0");
    EXPECT_EQ(port, 8123);
    RunZr({"serve"}, [&](const settings::Settings& settings) {
        port = settings.port;
        return 0;
    });
    EXPECT_EQ(port, 9000);
}

TEST(CliRunTest, BadSettingIsOneLineNamingTheKey) {
    ScopedEnv env({{"ZR_PORT", "not-a-port"}});
    auto result = RunZr({"check:settings"});
    EXPECT_EQ(result.status, kExitFailure);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err.rfind("zr: ZR_PORT", 0), 0u) << result.err;
    EXPECT_EQ(result.err.find('\n'), result.err.size() - 1);
    // --help still works with broken settings
    EXPECT_EQ(RunZr({"check:settings", "--help"}).status, kExitOk);
}

TEST(CliRunTest, CheckSettingsGet) {
    ScopedEnv env({{"ZR_DATA_FOLDER", "/nonexistent/zr-data"}});
    auto result = RunZr({"check:settings", "--get", "data_folder"});
    EXPECT_EQ(result.status, kExitOk) << result.err;
    EXPECT_EQ(result.out, "/nonexistent/zr-data\n");
    auto unknown = RunZr({"check:settings", "--get", "NOPE"});
    EXPECT_EQ(unknown.status, kExitFailure);
    EXPECT_NE(unknown.err.find("NOPE"), std::string::npos);
}

// `--local HOST` (the first implementation's syntax) names this host or is refused before any
// database or bin folder is opened.
TEST(CliRunTest, DiscoverLocalWithAnotherHostIsRefused) {
    ScopedEnv env({{"ZR_HOSTNAME", "this-host"}, {"ZR_DATA_FOLDER", "/nonexistent/zr-data"}});
    auto result = RunZr({"evaluator:discover", "--local", "other-host"});
    EXPECT_EQ(result.status, kExitFailure);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err,
              "zr: --local reads this host (this-host), not 'other-host': drop --local to read other-host "
              "over ssh\n");
    auto neither = RunZr({"evaluator:discover"});
    EXPECT_EQ(neither.status, kExitFailure);
    EXPECT_EQ(neither.err, "zr: give HOST or --local\n");
}

TEST(CliRunTest, DiscoverHelpSaysLocalMayNameThisHost) {
    auto result = RunZr({"evaluator:discover", "--help"});
    EXPECT_EQ(result.status, kExitOk);
    EXPECT_NE(result.out.find("'--local HOST' is accepted when HOST is this host"), std::string::npos) << result.out;
}

TEST(CliRunTest, DescribeErrorFoldsLinesAndListsValidationIssues) {
    EXPECT_EQ(DescribeError(std::runtime_error("a\nb")), "a b");
    auto error = Error::Validation(
        {{{"body", "email"}, "not an e-mail", "value_error"}, {{"body", "username"}, "too long", "value_error"}});
    EXPECT_EQ(DescribeError(error), "email: not an e-mail; username: too long");
    EXPECT_EQ(DescribeError(Error::Message(ErrorKind::kNotFound, "no such thing")), "no such thing");
}

}  // namespace
}  // namespace zr::cli
