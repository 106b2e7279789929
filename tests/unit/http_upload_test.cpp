// Streamed multipart uploads (RouteOptions::prepare_upload) through the real server, in-process,
// and the route's declared authentication resolved once, before the body.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <any>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "crypto/crypto.hpp"
#include "http/server.hpp"
#include "http_test_client.hpp"
#include "http_upload_target.hpp"

namespace zr::http {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::size_t kMaxBody = 4 * 1024 * 1024;
constexpr std::string_view kBoundary = "----zrTestBoundary4f2a";

using test_client::Client;
using test_upload::FolderTarget;
using Reply = test_client::RawResponse;

// What the application's handlers do with Request::caller: the authenticator's error, or its value.
const std::string& CallerOf(const Request& request) {
    if (request.auth_error) std::rethrow_exception(request.auth_error);
    return std::any_cast<const std::string&>(request.caller);
}

std::string RandomBytes(std::size_t size, unsigned seed) {
    std::mt19937 random(seed);
    std::string data(size, '\0');
    for (char& c : data) c = static_cast<char>(random() % 256);
    return data;
}

std::string MultipartBody(const std::string& content, const std::string& filename = "a.zip") {
    const std::string b(kBoundary);
    return "--" + b + "\r\nContent-Disposition: form-data; name=\"submission_id\"\r\n\r\nsub42\r\n--" + b +
           "\r\nContent-Disposition: form-data; name=\"file_data\"; filename=\"" + filename +
           "\"\r\nContent-Type: application/zip\r\n\r\n" + content + "\r\n--" + b + "--\r\n";
}

std::string UploadHeader(const std::string& target, std::size_t length, const std::string& extra = "") {
    return "PUT " + target +
           " HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=" + std::string(kBoundary) +
           "\r\nContent-Length: " + std::to_string(length) + "\r\n" + extra + "\r\n";
}

class UploadTest : public ::testing::TestWithParam<unsigned> {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("zr_upload_test_" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(spool_ = root_ / "spool");
        fs::create_directories(kept_ = root_ / "kept");
        target_ = std::make_shared<FolderTarget>(spool_);
        RouteOptions options;
        options.max_body = kMaxBody;
        options.prepare_upload = [this](Request& request) -> std::shared_ptr<UploadTarget> {
            if (request.path_params.at("mode") == "forbidden") {
                throw Error::Detail(ErrorKind::kForbidden, "Not your submission");
            }
            EXPECT_TRUE(request.body.empty());
            EXPECT_FALSE(request.request_id.empty());
            EXPECT_EQ(request.client_address, "127.0.0.1");
            EXPECT_FALSE(request.caller.has_value());  // Auth::kNone: no authentication
            EXPECT_FALSE(request.auth_error);
            ++prepare_calls_;
            if (request.path_params.at("mode") == "full") return std::make_shared<FolderTarget>(spool_, 100000);
            return target_;
        };
        router_.Add(
            Method::kPut, "/upload/{mode}", [this](Request& r) { return Handle(r); }, options);
        options.offload = true;
        router_.Add(
            Method::kPut, "/offloaded/{mode}", [this](Request& r) { return Handle(r); }, options);

        // A route that declares its authentication: the authenticator resolves it once, before the
        // prepare step, which gets the caller (or the error) as the handler does.
        router_.SetAuthenticator([this](Auth auth, const Request& request) -> std::any {
            const int call = ++auth_calls_;
            Record("auth");
            EXPECT_EQ(auth, Auth::kActiveUser);
            EXPECT_TRUE(request.files.empty());
            if (request.Header("authorization") != "Bearer good") {
                throw Error::Detail(ErrorKind::kUnauthenticated, "Could not validate credentials");
            }
            return "caller-" + std::to_string(call);
        });
        RouteOptions authed;
        authed.max_body = kMaxBody;
        authed.auth = Auth::kActiveUser;
        authed.prepare_upload = [this](Request& request) -> std::shared_ptr<UploadTarget> {
            Record("prepare");
            const std::string& caller = CallerOf(request);
            Record("prepare sees " + caller);
            return target_;
        };
        router_.Add(
            Method::kPut, "/authed/{mode}",
            [this](Request& request) {
                Record("handler");
                const std::string& caller = CallerOf(request);
                Record("handler sees " + caller);
                return Handle(request);
            },
            authed);
        // A handler that forgets to look at the caller: the transport refuses a failed
        // authentication anyway. And one that defers the failure to its handler.
        RouteOptions careless;
        careless.auth = Auth::kActiveUser;
        router_.Add(
            Method::kGet, "/careless",
            [this](Request&) {
                Record("careless handler");
                return Response::Json(200, "served");
            },
            careless);
        RouteOptions deferred = careless;
        deferred.defer_auth_failure = true;
        router_.Add(
            Method::kGet, "/deferred",
            [this](Request& request) {
                Record("deferred handler");
                return Response::Json(200, request.auth_error ? "refused later" : "accepted");
            },
            deferred);
        router_.Add(Method::kGet, "/hello", [](Request&) { return Response::Json(200, "hi"); });
        RouteOptions offloaded;
        offloaded.offload = true;
        router_.Add(
            Method::kGet, "/sleepy",
            [](Request&) {
                std::this_thread::sleep_for(1600ms);  // longer than the read timeout and a watchdog tick
                return Response::Json(200, "awake");
            },
            offloaded);
        ServerConfig config;
        config.port = 0;
        config.io_threads = GetParam();
        config.read_timeout = 1s;
        config.idle_timeout = 2s;
        config.shutdown_grace = 2s;
        config.handle_signals = false;
        server_ = std::make_unique<Server>(config, router_);
        port_ = server_->Listen();
        thread_ = std::thread([this] { server_->Run(); });
    }

    void TearDown() override {
        server_->Stop();
        thread_.join();
        fs::remove_all(root_);
    }

    void Record(std::string event) {
        std::lock_guard lock(events_mutex_);
        events_.push_back(std::move(event));
    }
    std::vector<std::string> Events() {
        std::lock_guard lock(events_mutex_);
        return events_;
    }

    Response Handle(Request& r) {
        ++handler_calls_;
        json files = json::array();
        for (const auto& file : r.files) {
            files.push_back({{"field", file.field},
                             {"filename", file.filename},
                             {"size", file.size},
                             {"md5", file.md5},
                             {"exists", fs::exists(file.path)},
                             {"in_spool", file.path.parent_path() == spool_}});
        }
        EXPECT_TRUE(r.upload);  // what the prepare step returned
        json fields = json::object();
        for (const auto& [name, value] : r.form_fields) fields[name] = value;
        const std::string mode = r.path_params.at("mode");
        if (mode == "throw") throw std::runtime_error("handler failed");
        if (mode == "keep") {
            for (const auto& file : r.files) fs::rename(file.path, kept_ / file.filename);
        }
        if (r.files.empty()) {
            throw Error::Validation({{json::array({"body", "file_data"}), "field required", "value_error.missing"}});
        }
        return Response::Json(200, {{"files", files}, {"fields", fields}});
    }

    static std::size_t Count(const fs::path& dir) {
        std::size_t n = 0;
        for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
        return n;
    }

    // Waits up to 5 s for the spool to hold `n` entries.
    bool SpoolReaches(std::size_t n) {
        for (int i = 0; i < 500; ++i) {
            if (Count(spool_) == n) return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }

    Router router_;
    std::unique_ptr<Server> server_;
    std::uint16_t port_ = 0;
    std::thread thread_;
    fs::path root_;
    fs::path spool_;
    fs::path kept_;
    std::shared_ptr<FolderTarget> target_;
    std::atomic<int> prepare_calls_{0};
    std::atomic<int> handler_calls_{0};
    std::atomic<int> auth_calls_{0};
    std::mutex events_mutex_;
    std::vector<std::string> events_;  // guarded by events_mutex_
};

TEST_P(UploadTest, HandlerSeesFilesAndFieldsAndTheTempFileIsRemovedAfterwards) {
    const std::string content =
        RandomBytes(1024 * 1024 + 17, 1) + "\r\n--" + std::string(kBoundary).substr(0, 10) + "x";
    for (const std::string route : {"/upload/look", "/offloaded/look"}) {
        const std::string body = MultipartBody(content);
        Client client(port_);
        client.Send(UploadHeader(route, body.size()) + body);
        const Reply r = client.Read();
        ASSERT_EQ(r.status, 200) << r.body;
        const json answer = json::parse(r.body);
        ASSERT_EQ(answer["files"].size(), 1u);
        const json& file = answer["files"][0];
        EXPECT_EQ(file["field"], "file_data");
        EXPECT_EQ(file["filename"], "a.zip");
        EXPECT_EQ(file["size"], content.size());
        EXPECT_EQ(file["md5"], crypto::Md5Hex(content));
        EXPECT_TRUE(file["exists"]);
        EXPECT_TRUE(file["in_spool"]);
        EXPECT_EQ(answer["fields"], json({{"submission_id", "sub42"}}));
        EXPECT_EQ(Count(spool_), 0u);
        EXPECT_EQ(target_->discarded(), static_cast<int>(target_->created().size()));
        // The connection stays usable.
        client.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
        EXPECT_EQ(client.Read().status, 200);
    }
    EXPECT_EQ(auth_calls_, 0);  // routes without authentication never call the authenticator
}

TEST_P(UploadTest, FilesMovedByTheHandlerStay) {
    const std::string content = RandomBytes(200000, 2);
    const std::string body = MultipartBody(content, "kept.zip");
    Client client(port_);
    client.Send(UploadHeader("/upload/keep", body.size()) + body);
    ASSERT_EQ(client.Read().status, 200);
    EXPECT_EQ(Count(spool_), 0u);
    EXPECT_EQ(crypto::Md5OfFile((kept_ / "kept.zip").string()), crypto::Md5Hex(content));
}

TEST_P(UploadTest, HandlerFailureStillRemovesTheFiles) {
    const std::string body = MultipartBody("some bytes");
    Client client(port_);
    client.Send(UploadHeader("/upload/throw", body.size()) + body);
    EXPECT_EQ(client.Read().status, 500);
    EXPECT_EQ(Count(spool_), 0u);
}

TEST_P(UploadTest, RefusedUploadIsAnsweredWithoutReadingOrWriting) {
    const std::string body = MultipartBody(RandomBytes(100000, 3));
    Client client(port_);
    client.Send(UploadHeader("/upload/forbidden", body.size()) + body.substr(0, 1000));
    const Reply r = client.Read();
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(json::parse(r.body), json({{"detail", "Not your submission"}}));
    EXPECT_EQ(handler_calls_, 0);
    EXPECT_EQ(Count(spool_), 0u);
}

TEST_P(UploadTest, ExpectContinueOnARefusedUploadGetsTheErrorDirectly) {
    Client client(port_);
    client.Send(UploadHeader("/upload/forbidden", 5000, "Expect: 100-continue\r\n"));
    const Reply r = client.Read();
    EXPECT_EQ(r.status, 403);  // no 100 first
    EXPECT_EQ(handler_calls_, 0);
}

TEST_P(UploadTest, ExpectContinueOnAnAcceptedUploadGets100First) {
    const std::string body = MultipartBody("abc");
    Client client(port_);
    client.Send(UploadHeader("/upload/look", body.size(), "Expect: 100-continue\r\n"));
    EXPECT_EQ(client.Read().status, 100);
    EXPECT_EQ(prepare_calls_, 1);
    client.Send(body);
    const Reply r = client.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(json::parse(r.body)["files"][0]["md5"], crypto::Md5Hex("abc"));
}

TEST_P(UploadTest, BodiesBeyondTheLimitGet413WithNothingWritten) {
    Client client(port_);
    client.Send(UploadHeader("/upload/look", kMaxBody + 1) + "--" + std::string(kBoundary));
    EXPECT_EQ(client.Read().status, 413);
    EXPECT_EQ(prepare_calls_, 0);
    EXPECT_TRUE(client.Closed());
    // Chunked: the limit is found while reading; the partial file is removed.
    Client chunked(port_);
    std::string request =
        "PUT /upload/look HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: multipart/form-data; boundary=" +
        std::string(kBoundary) + "\r\n\r\n";
    const std::string body = MultipartBody(RandomBytes(kMaxBody + 100, 4));
    for (std::size_t at = 0; at < body.size(); at += 65536) {
        const std::string piece = body.substr(at, 65536);
        std::ostringstream size;
        size << std::hex << piece.size();
        request += size.str() + "\r\n" + piece + "\r\n";
    }
    request += "0\r\n\r\n";
    std::thread sender([&] {
        try {
            chunked.Send(request);
        } catch (const std::runtime_error&) {
            // The server closes once it answered.
        }
    });
    EXPECT_EQ(chunked.Read().status, 413);
    sender.join();
    EXPECT_EQ(handler_calls_, 0);
    EXPECT_TRUE(SpoolReaches(0));
}

TEST_P(UploadTest, MalformedMultipartGets400AndLeavesNothing) {
    const std::string body = "--" + std::string(kBoundary) +
                             "\r\nContent-Disposition: form-data; name=\"file_data\"; filename=\"a\"\r\n\r\n" +
                             RandomBytes(70000, 5) + "\r\n--" + std::string(kBoundary) + "junk";
    Client client(port_);
    client.Send(UploadHeader("/upload/look", body.size()) + body);
    const Reply r = client.Read();
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(json::parse(r.body), json({{"detail", "There was an error parsing the body"}}));
    EXPECT_EQ(handler_calls_, 0);
    EXPECT_EQ(Count(spool_), 0u);
}

TEST_P(UploadTest, NonMultipartBodyReachesTheHandlerWithoutFiles) {
    Client client(port_);
    client.Send(
        "PUT /upload/look HTTP/1.1\r\nHost: t\r\nContent-Type: application/octet-stream\r\n"
        "Content-Length: 5\r\n\r\nhello");
    const Reply r = client.Read();
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(json::parse(r.body)["detail"][0]["loc"], json({"body", "file_data"}));
    Client empty(port_);
    empty.Send(UploadHeader("/upload/look", 0));
    EXPECT_EQ(empty.Read().status, 422);
    EXPECT_EQ(prepare_calls_, 2);
}

TEST_P(UploadTest, ClientDisconnectMidBodyRemovesTheTempFile) {
    const std::string body = MultipartBody(RandomBytes(1000000, 6));
    {
        Client client(port_);
        client.Send(UploadHeader("/upload/look", body.size()) + body.substr(0, 300000));
        ASSERT_TRUE(SpoolReaches(1));
    }
    EXPECT_TRUE(SpoolReaches(0));
    EXPECT_EQ(handler_calls_, 0);
    Client client(port_);
    client.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(client.Read().status, 200);
}

TEST_P(UploadTest, ReadTimeoutIsPerReadNotPerBody) {
    const std::string content = RandomBytes(50000, 7);
    const std::string body = MultipartBody(content);
    Client client(port_);
    client.Send(UploadHeader("/upload/look", body.size()));
    // 2.5 s in all, longer than the 1 s read timeout, but never 1 s without data.
    const std::size_t pieces = 10;
    for (std::size_t i = 0; i < pieces; ++i) {
        const std::size_t from = body.size() * i / pieces;
        client.Send(std::string_view(body).substr(from, body.size() * (i + 1) / pieces - from));
        if (i + 1 < pieces) std::this_thread::sleep_for(250ms);
    }
    const Reply r = client.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(json::parse(r.body)["files"][0]["md5"], crypto::Md5Hex(content));
    // A stall longer than the timeout ends the upload and removes its file.
    const std::string big = MultipartBody(RandomBytes(1000000, 10));
    Client stalled(port_);
    stalled.Send(UploadHeader("/upload/look", big.size()) + big.substr(0, 300000));
    ASSERT_TRUE(SpoolReaches(1));
    EXPECT_TRUE(stalled.Closed());
    EXPECT_TRUE(SpoolReaches(0));
}

// The watchdog (server.cpp) closes a connection whose request header stalls past the read
// timeout, and only that one.
TEST_P(UploadTest, AStalledHeaderIsDroppedAfterTheReadTimeout) {
    Client stalled(port_);
    stalled.Send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: ");
    Client other(port_);
    EXPECT_EQ(other.Request("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
    EXPECT_TRUE(stalled.Closed());
    EXPECT_EQ(other.Request("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
}

// A handler may take longer than the read timeout: the connection has no deadline meanwhile, and
// the answer's write gets a fresh one.
TEST_P(UploadTest, AHandlerLongerThanTheReadTimeoutStillAnswers) {
    Client client(port_);
    const Reply r = client.Request("GET /sleepy HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(json::parse(r.body), "awake");
    EXPECT_EQ(client.Request("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
}

TEST_P(UploadTest, ConcurrentUploadsDoNotBlockOtherRequests) {
    const std::string first = RandomBytes(600000, 8);
    const std::string second = RandomBytes(700000, 9);
    const std::string body1 = MultipartBody(first);
    const std::string body2 = MultipartBody(second);
    Client up1(port_);
    Client up2(port_);
    up1.Send(UploadHeader("/upload/look", body1.size()) + body1.substr(0, 300000));
    up2.Send(UploadHeader("/upload/look", body2.size()) + body2.substr(0, 300000));
    ASSERT_TRUE(SpoolReaches(2));
    Client other(port_);
    other.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(other.Read().status, 200);
    up2.Send(body2.substr(300000));
    up1.Send(body1.substr(300000));
    const Reply r1 = up1.Read();
    const Reply r2 = up2.Read();
    ASSERT_EQ(r1.status, 200);
    ASSERT_EQ(r2.status, 200);
    EXPECT_EQ(json::parse(r1.body)["files"][0]["md5"], crypto::Md5Hex(first));
    EXPECT_EQ(json::parse(r2.body)["files"][0]["md5"], crypto::Md5Hex(second));
    EXPECT_EQ(Count(spool_), 0u);
}

TEST_P(UploadTest, RunningOutOfSpaceGets507AndLeavesNothing) {
    const std::string body = MultipartBody(RandomBytes(300000, 11));
    Client client(port_);
    client.Send(UploadHeader("/upload/full", body.size()) + body);
    const Reply r = client.Read();
    EXPECT_EQ(r.status, 507);
    EXPECT_EQ(json::parse(r.body), json({{"detail", std::string(Error::kOutOfSpaceMessage)}}));
    EXPECT_EQ(handler_calls_, 0);
    EXPECT_TRUE(SpoolReaches(0));
}

// The authenticator runs once per request, before the prepare step (no body byte read yet); the
// prepare step and the handler see the same caller.
TEST_P(UploadTest, AuthenticatorRunsOnceBeforeThePrepareStep) {
    const std::string content = RandomBytes(400000, 12);
    const std::string body = MultipartBody(content);
    Client client(port_);
    client.Send(UploadHeader("/authed/look", body.size(), "Authorization: Bearer good\r\n") + body);
    const Reply r = client.Read();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["files"][0]["md5"], crypto::Md5Hex(content));
    EXPECT_EQ(auth_calls_, 1);
    EXPECT_EQ(Events(), (std::vector<std::string>{"auth", "prepare", "prepare sees caller-1", "handler",
                                                  "handler sees caller-1"}));
    // The next request on the connection is authenticated again, once.
    client.Send(UploadHeader("/authed/look", body.size(), "Authorization: Bearer good\r\n") + body);
    ASSERT_EQ(client.Read().status, 200);
    EXPECT_EQ(auth_calls_, 2);
    EXPECT_EQ(Events().back(), "handler sees caller-2");
    EXPECT_EQ(Count(spool_), 0u);
}

TEST_P(UploadTest, AuthenticationErrorRefusesTheUploadBeforeAnyByteIsSpooled) {
    const std::string body = MultipartBody(RandomBytes(100000, 13));
    Client client(port_);
    client.Send(UploadHeader("/authed/look", body.size(), "Authorization: Bearer bad\r\n") + body.substr(0, 1000));
    const Reply r = client.Read();
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(json::parse(r.body), json({{"detail", "Could not validate credentials"}}));
    EXPECT_EQ(r.headers.at("www-authenticate"), "Bearer");
    EXPECT_EQ(auth_calls_, 1);
    EXPECT_EQ(Events(), std::vector<std::string>{"auth"});  // refused by the transport: no prepare step
    EXPECT_EQ(handler_calls_, 0);
    EXPECT_TRUE(target_->created().empty());
    EXPECT_EQ(Count(spool_), 0u);
    // With "Expect: 100-continue" the client gets the 401 instead of a 100 and sends nothing.
    Client expecting(port_);
    expecting.Send(UploadHeader("/authed/look", 5000, "Expect: 100-continue\r\n"));
    EXPECT_EQ(expecting.Read().status, 401);
    EXPECT_EQ(auth_calls_, 2);
    EXPECT_TRUE(target_->created().empty());
}

// Secure by default: a route that declares an authentication is refused by the transport when it
// fails, even if its handler never looks at the caller; a route may defer that answer to its handler.
TEST_P(UploadTest, AFailedAuthenticationNeverReachesAHandlerUnlessItDefersIt) {
    Client client(port_);
    client.Send("GET /careless HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer bad\r\n\r\n");
    const Reply refused = client.Read();
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(json::parse(refused.body), json({{"detail", "Could not validate credentials"}}));
    client.Send("GET /careless HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer good\r\n\r\n");
    EXPECT_EQ(client.Read().status, 200);
    client.Send("GET /deferred HTTP/1.1\r\nHost: t\r\n\r\n");
    const Reply deferred = client.Read();
    EXPECT_EQ(deferred.status, 200);
    EXPECT_EQ(json::parse(deferred.body), "refused later");
    EXPECT_EQ(Events(), (std::vector<std::string>{"auth", "auth", "careless handler", "auth", "deferred handler"}));
}

INSTANTIATE_TEST_SUITE_P(IoThreads, UploadTest, ::testing::Values(1u, 2u));

}  // namespace
}  // namespace zr::http
