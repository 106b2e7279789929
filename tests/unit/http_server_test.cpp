// The server in-process on an ephemeral port, spoken to with raw HTTP over POSIX sockets.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/error.hpp"
#include "http/server.hpp"
#include "http_test_client.hpp"

namespace zr::http {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

using test_client::Client;
using test_client::RawResponse;

RouteOptions Limited(std::size_t max_body) {
    RouteOptions options;
    options.max_body = max_body;
    return options;
}

RouteOptions Offloaded() {
    RouteOptions options;
    options.offload = true;
    return options;
}

std::string Get(const std::string& target, const std::string& extra = "") {
    return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

// Records what the server tells its RequestObserver.
class RecordingObserver final : public RequestObserver {
public:
    struct Call {
        std::string route;  // pattern, "" when unmatched
        Method method;
        int status;
    };
    void Started() noexcept override { ++started; }
    void Finished(const Route* route, Method method, int status, std::chrono::nanoseconds elapsed) noexcept override {
        std::lock_guard lock(mutex);
        calls.push_back({route != nullptr ? route->pattern : "", method, status});
        if (elapsed.count() < 0) negative_elapsed = true;
    }
    // The calls once `n` requests have finished (they finish after their answer is written).
    std::vector<Call> WaitFor(std::size_t n) {
        for (int i = 0; i < 5000; ++i) {
            {
                std::lock_guard lock(mutex);
                if (calls.size() >= n) return calls;
            }
            std::this_thread::sleep_for(1ms);
        }
        std::lock_guard lock(mutex);
        return calls;
    }
    std::atomic<int> started{0};
    std::mutex mutex;
    std::vector<Call> calls;
    bool negative_elapsed = false;
};

// Run with one IO thread (plain executor) and with two (a strand per connection).
class ServerTest : public ::testing::TestWithParam<unsigned> {
protected:
    void SetUp() override {
        file_ = std::filesystem::temp_directory_path() / ("zr_http_test_" + std::to_string(::getpid()));
        std::ofstream(file_) << "file contents here";
        AddRoutes();
        ServerConfig config;
        config.port = 0;
        config.io_threads = GetParam();
        config.blocking_threads = 1;
        config.max_header_bytes = 8 * 1024;
        config.read_timeout = 5s;
        config.idle_timeout = 1s;
        config.shutdown_grace = 5s;
        config.cors_origins = {"https://zerospeech.com"};
        config.html_headers = {{"X-Frame-Options", "DENY"}, {"Referrer-Policy", "no-referrer"}};
        config.handle_signals = false;
        config.observer = &observer_;
        server_ = std::make_unique<Server>(config, router_);
        port_ = server_->Listen();
        thread_ = std::thread([this] { server_->Run(); });
    }

    void TearDown() override {
        server_->Stop();
        thread_.join();
        server_.reset();
        std::filesystem::remove(file_);
    }

    void AddRoutes() {
        router_.Add(Method::kGet, "/hello", [](Request&) { return Response::Json(200, {{"hello", "world"}}); });
        router_.Add(Method::kGet, "/challenges/", [](Request& r) { return Response::Json(200, {{"query", r.query}}); });
        router_.Add(Method::kGet, "/challenges/{id}", [](Request& r) {
            return Response::Json(200, {{"id", r.path_params.at("id")}, {"request_id", r.request_id}});
        });
        router_.Add(
            Method::kPost, "/small",
            [this](Request& r) {
                ++small_calls_;
                return Response::Json(200, {{"body", r.body}});
            },
            Limited(16));
        router_.Add(Method::kPost, "/echo", [](Request& r) { return Response::Json(200, {{"body", r.body}}); });
        RouteOptions guarded;
        guarded.admit = [this](const Request&) {
            if (locked_) throw Error::MessageData(ErrorKind::kLocked, "locked");
        };
        router_.Add(
            Method::kPost, "/guarded",
            [this](Request& r) {
                ++guarded_calls_;
                return Response::Json(200, {{"body", r.body}});
            },
            guarded);
        router_.Add(Method::kGet, "/missing", [](Request&) -> Response {
            throw Error::Message(ErrorKind::kNotFound, "There is no challenge with the following id: 9999");
        });
        router_.Add(Method::kGet, "/private", [](Request&) -> Response {
            throw Error::Detail(ErrorKind::kUnauthenticated, "Not authenticated");
        });
        router_.Add(Method::kGet, "/boom",
                    [](Request&) -> Response { throw std::runtime_error("secret at /srv/zr/data"); });
        router_.Add(Method::kGet, "/thread", [this](Request&) {
            std::lock_guard lock(mutex_);
            io_thread_ = std::this_thread::get_id();
            return Response::Empty();
        });
        router_.Add(
            Method::kGet, "/offload",
            [this](Request&) {
                std::lock_guard lock(mutex_);
                pool_thread_ = std::this_thread::get_id();
                pool_priority_ = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
                return Response::Empty();
            },
            Offloaded());
        router_.Add(Method::kGet, "/slow", [this](Request&) {
            slow_started_ = true;
            std::this_thread::sleep_for(600ms);
            return Response::Json(200, "slow done");
        });
        router_.Add(Method::kGet, "/file", [this](Request&) {
            Response r;
            r.content_type = "text/plain";
            r.file = file_;
            return r;
        });
        router_.Add(Method::kGet, "/page", [](Request&) { return Response::Html(200, "<p>page</p>"); });
        router_.Add(Method::kGet, "/page/own", [](Request&) {
            Response page = Response::Html(200, "<p>page</p>");
            page.headers.emplace_back("x-frame-options", "SAMEORIGIN");
            return page;
        });
        router_.Add(Method::kGet, "/page/file", [this](Request&) {
            Response r;
            r.content_type = "text/html; charset=utf-8";
            r.file = file_;
            return r;
        });
        router_.Add(Method::kGet, "/file/{name}", [this](Request& r) {
            Response response;
            response.file = r.path_params.at("name") == "dir" ? file_.parent_path()
                                                              : std::filesystem::path(file_.string() + ".absent");
            return response;
        });
    }

    Router router_;
    RecordingObserver observer_;
    std::unique_ptr<Server> server_;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::filesystem::path file_;
    std::atomic<int> small_calls_{0};
    std::atomic<int> guarded_calls_{0};
    std::atomic<bool> locked_{false};
    std::atomic<bool> slow_started_{false};
    std::mutex mutex_;
    std::thread::id io_thread_;
    std::thread::id pool_thread_;
    int pool_priority_ = 0;
};

TEST_P(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
    Client client(port_);
    const RawResponse first = client.Request(Get("/hello"));
    EXPECT_EQ(first.status, 200);
    EXPECT_EQ(json::parse(first.body), json({{"hello", "world"}}));
    EXPECT_EQ(first.headers.at("content-type"), "application/json");
    EXPECT_EQ(first.headers.at("server"), "zerospeech-api");
    EXPECT_TRUE(first.Has("date"));
    const RawResponse second = client.Request(Get("/challenges/12"));
    EXPECT_EQ(second.status, 200);
    EXPECT_EQ(json::parse(second.body)["id"], "12");
}

TEST_P(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
    Client client(port_);
    client.Send(Get("/challenges/1") + Get("/challenges/2"));
    EXPECT_EQ(json::parse(client.Read().body)["id"], "1");
    EXPECT_EQ(json::parse(client.Read().body)["id"], "2");
}

TEST_P(ServerTest, NotFoundMethodNotAllowedAndRedirect) {
    Client client(port_);
    RawResponse r = client.Request(Get("/nope"));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(json::parse(r.body), json({{"detail", "Not Found"}}));
    r = client.Request("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(json::parse(r.body), json({{"detail", "Method Not Allowed"}}));
    r = client.Request(Get("/challenges?include_inactive=true"));
    EXPECT_EQ(r.status, 307);
    EXPECT_EQ(r.headers.at("location"), "/challenges/?include_inactive=true");
    r = client.Request(Get(r.headers.at("location")));
    EXPECT_EQ(json::parse(r.body)["query"], "include_inactive=true");
}

TEST_P(ServerTest, PathIsPercentDecodedAndNulRejected) {
    Client client(port_);
    RawResponse r = client.Request(Get("/challenges/a%20b+c"));
    EXPECT_EQ(json::parse(r.body)["id"], "a b+c");
    r = client.Request(Get("/challenges/a%00b"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(json::parse(r.body), json({{"detail", "Bad Request"}}));
}

TEST_P(ServerTest, HeadAnswersLikeGetWithoutBody) {
    Client client(port_);
    const RawResponse get = client.Request(Get("/hello"));
    const RawResponse head = client.Request("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n", true);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.headers.at("content-length"), std::to_string(get.body.size()));
    // The connection is still in sync: no body bytes were sent after the HEAD header.
    EXPECT_EQ(client.Request(Get("/hello")).body, get.body);
}

TEST_P(ServerTest, OversizedContentLengthGets413WithoutCallingHandler) {
    Client client(port_);
    const RawResponse r = client.Request(
        "POST /small HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n");
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(json::parse(r.body), json({{"detail", "Request body too large"}}));
    EXPECT_EQ(small_calls_, 0);
    EXPECT_TRUE(client.Closed());
}

TEST_P(ServerTest, BodyWithinLimitReachesHandler) {
    Client client(port_);
    const RawResponse r = client.Request("POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(json::parse(r.body)["body"], "hello");
    EXPECT_EQ(small_calls_, 1);
}

TEST_P(ServerTest, ChunkedBodyBeyondLimitGets413) {
    Client client(port_);
    const RawResponse r = client.Request(
        "POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(small_calls_, 0);
    Client ok(port_);
    const RawResponse small =
        ok.Request("POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n");
    EXPECT_EQ(json::parse(small.body)["body"], "abcd");
}

TEST_P(ServerTest, ExpectContinueGets100ThenTheResponse) {
    Client client(port_);
    client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    const RawResponse interim = client.Read();
    EXPECT_EQ(interim.status, 100);
    client.Send("ping");
    const RawResponse r = client.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(json::parse(r.body)["body"], "ping");
}

TEST_P(ServerTest, ExpectContinueOnOversizedBodyGets413Directly) {
    Client client(port_);
    const RawResponse r =
        client.Request("POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_EQ(r.status, 413);
}

TEST_P(ServerTest, AdmissionRefusesBeforeTheBody) {
    locked_ = true;
    Client client(port_);
    // No "100 Continue": the refusal is the first answer, and the body is never read.
    const RawResponse r =
        client.Request("POST /guarded HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_EQ(r.status, 423);
    EXPECT_EQ(json::parse(r.body), json({{"message", "locked"}, {"data", "None"}}));
    EXPECT_EQ(guarded_calls_, 0);
    EXPECT_TRUE(client.Closed());

    locked_ = false;
    Client again(port_);
    const RawResponse ok = again.Request("POST /guarded HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(json::parse(ok.body)["body"], "hi");
    EXPECT_EQ(guarded_calls_, 1);
}

TEST_P(ServerTest, MalformedRequestsGet400AndClose) {
    for (const std::string& garbage :
         {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
          std::string("GET /hello HTTP/1.1\r\nBad Header\r\n\r\n"), std::string("\x01\x02\x00\xff\r\n\r\n", 8)}) {
        Client client(port_);
        const RawResponse r = client.Request(garbage);
        EXPECT_EQ(r.status, 400) << garbage;
        EXPECT_EQ(json::parse(r.body), json({{"detail", "Bad Request"}}));
        EXPECT_TRUE(client.Closed());
    }
    // The server is still fine.
    Client client(port_);
    EXPECT_EQ(client.Request(Get("/hello")).status, 200);
}

TEST_P(ServerTest, TooLargeHeaderGets431) {
    Client client(port_);
    const RawResponse r = client.Request(Get("/hello", "X-Big: " + std::string(20000, 'a') + "\r\n"));
    EXPECT_EQ(r.status, 431);
    EXPECT_TRUE(json::parse(r.body).contains("detail"));
}

TEST_P(ServerTest, ZrErrorsAreMappedToTheirBodies) {
    Client client(port_);
    RawResponse r = client.Request(Get("/missing"));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(json::parse(r.body), json({{"message", "There is no challenge with the following id: 9999"}}));
    r = client.Request(Get("/private"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.headers.at("www-authenticate"), "Bearer");
}

TEST_P(ServerTest, OtherExceptionsGive500WithoutTheirText) {
    Client client(port_);
    const RawResponse r = client.Request(Get("/boom"));
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(json::parse(r.body), json({{"detail", "Internal Server Error"}}));
    EXPECT_EQ(r.body.find("secret"), std::string::npos);
    EXPECT_EQ(client.Request(Get("/hello")).status, 200);  // connection survives
}

TEST_P(ServerTest, RequestIdGeneratedOrTakenFromASaneHeader) {
    Client client(port_);
    RawResponse r = client.Request(Get("/challenges/1"));
    ASSERT_TRUE(r.Has("x-request-id"));
    EXPECT_EQ(r.headers.at("x-request-id").size(), 16u);
    EXPECT_EQ(json::parse(r.body)["request_id"], r.headers.at("x-request-id"));
    const std::string first = r.headers.at("x-request-id");
    r = client.Request(Get("/challenges/1"));
    EXPECT_NE(r.headers.at("x-request-id"), first);
    r = client.Request(Get("/challenges/1", "X-Request-ID: trace-42.a_b\r\n"));
    EXPECT_EQ(r.headers.at("x-request-id"), "trace-42.a_b");
    r = client.Request(Get("/challenges/1", "X-Request-ID: bad id;\r\n"));
    EXPECT_EQ(r.headers.at("x-request-id").size(), 16u);
    r = client.Request(Get("/nope"));
    EXPECT_TRUE(r.Has("x-request-id"));
}

TEST_P(ServerTest, CorsHeadersForAllowedOriginOnly) {
    Client client(port_);
    RawResponse r = client.Request(Get("/hello", "Origin: https://zerospeech.com\r\n"));
    EXPECT_EQ(r.headers.at("access-control-allow-origin"), "https://zerospeech.com");
    EXPECT_EQ(r.headers.at("access-control-allow-credentials"), "true");
    EXPECT_EQ(r.headers.at("vary"), "Origin");
    r = client.Request(Get("/hello", "Origin: https://evil.example\r\n"));
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.Has("access-control-allow-origin"));
}

TEST_P(ServerTest, CorsPreflight) {
    Client client(port_);
    const std::string preflight =
        "OPTIONS /echo HTTP/1.1\r\nHost: t\r\nAccess-Control-Request-Method: POST\r\n"
        "Access-Control-Request-Headers: authorization\r\nOrigin: ";
    RawResponse r = client.Request(preflight + "https://zerospeech.com\r\n\r\n");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.at("access-control-allow-origin"), "https://zerospeech.com");
    EXPECT_EQ(r.headers.at("access-control-allow-headers"), "authorization");
    EXPECT_EQ(r.headers.at("access-control-max-age"), "600");
    r = client.Request(preflight + "https://evil.example\r\n\r\n");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "Disallowed CORS origin");
    EXPECT_EQ(r.headers.at("content-type"), "text/plain; charset=utf-8");
}

TEST_P(ServerTest, OffloadedRoutesRunOnTheLowPriorityPool) {
    Client client(port_);
    const auto on_io = client.Request(Get("/thread"));
    EXPECT_EQ(on_io.status, 200);
    // An empty answer: no body, no Content-Type, and a length of 0 so the client is not left waiting.
    EXPECT_EQ(on_io.body, "");
    EXPECT_EQ(on_io.headers.count("content-type"), 0u);
    EXPECT_EQ(on_io.headers.at("content-length"), "0");
    EXPECT_EQ(client.Request(Get("/offload")).status, 200);
    std::lock_guard lock(mutex_);
    EXPECT_NE(io_thread_, std::thread::id());
    EXPECT_NE(pool_thread_, std::thread::id());
    EXPECT_NE(pool_thread_, io_thread_);
    EXPECT_EQ(pool_priority_, 10);
    EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), 0);
}

TEST_P(ServerTest, FileResponsesAreStreamed) {
    Client client(port_);
    RawResponse r = client.Request(Get("/file"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "file contents here");
    EXPECT_EQ(r.headers.at("content-type"), "text/plain");
    r = client.Request("HEAD /file HTTP/1.1\r\nHost: t\r\n\r\n", true);
    EXPECT_EQ(r.headers.at("content-length"), "18");
    // Missing files and directories become 404 before anything is sent.
    for (const char* name : {"/file/dir", "/file/absent"}) {
        r = client.Request(Get(name));
        EXPECT_EQ(r.status, 404) << name;
        EXPECT_EQ(json::parse(r.body), json({{"detail", "Not Found"}}));
    }
    EXPECT_EQ(client.Request(Get("/hello")).status, 200);
}

TEST_P(ServerTest, EveryAnswerIsNosniffAndHtmlAnswersCarryTheHtmlHeaders) {
    const auto header = [](const RawResponse& r, const std::string& name) {
        return r.Has(name) ? r.headers.at(name) : std::string();
    };
    Client client(port_);
    for (const char* path : {"/hello", "/file", "/missing", "/no-such-route", "/challenges", "/page", "/page/file"}) {
        const RawResponse r = client.Request(Get(path));
        EXPECT_EQ(header(r, "x-content-type-options"), "nosniff") << path << "\n" << r.head;
        const bool html = std::string_view(path).starts_with("/page");
        EXPECT_EQ(r.Has("x-frame-options"), html) << path << "\n" << r.head;
        EXPECT_EQ(r.Has("referrer-policy"), html) << path << "\n" << r.head;
    }
    EXPECT_EQ(client.Request(Get("/page")).headers.at("x-frame-options"), "DENY");
    EXPECT_EQ(client.Request(Get("/page/file")).body, "file contents here");
    // The answer's own header wins, and is not sent twice.
    const RawResponse own = client.Request(Get("/page/own"));
    EXPECT_EQ(own.headers.at("x-frame-options"), "SAMEORIGIN");
    EXPECT_EQ(own.head.find("X-Frame-Options"), std::string::npos) << own.head;
    EXPECT_EQ(own.headers.at("referrer-policy"), "no-referrer");
}

TEST_P(ServerTest, IdleConnectionsAreClosedAfterTheIdleTimeout) {
    Client client(port_);
    EXPECT_EQ(client.Request(Get("/hello")).status, 200);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.Closed());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST_P(ServerTest, ConnectionCloseIsHonoured) {
    Client client(port_);
    const RawResponse r = client.Request(Get("/hello", "Connection: close\r\n"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.at("connection"), "close");
    EXPECT_TRUE(client.Closed());
}

TEST_P(ServerTest, StopLetsInFlightRequestsFinishAndClosesIdleOnes) {
    Client idle(port_);
    EXPECT_EQ(idle.Request(Get("/hello")).status, 200);
    Client busy(port_);
    busy.Send(Get("/slow"));
    while (!slow_started_) std::this_thread::sleep_for(5ms);
    const auto start = std::chrono::steady_clock::now();
    server_->Stop();
    EXPECT_TRUE(idle.Closed());
    const RawResponse r = busy.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(json::parse(r.body), "slow done");
    EXPECT_EQ(r.headers.at("connection"), "close");
    thread_.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    thread_ = std::thread([] {});  // TearDown joins again
}

// Random mutations of valid requests: whatever the server answers, it keeps serving.
TEST_P(ServerTest, GarbageNeverBreaksTheServer) {
    const std::string seeds[] = {
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello",
        "POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
        "GET /challenges/%41?x=1 HTTP/1.1\r\nHost: t\r\nOrigin: https://zerospeech.com\r\n\r\n",
        "OPTIONS /echo HTTP/1.1\r\nOrigin: x\r\nAccess-Control-Request-Method: GET\r\n\r\n"};
    std::mt19937 random(12345);
    for (int i = 0; i < 300; ++i) {
        std::string request = seeds[static_cast<std::size_t>(i) % std::size(seeds)];
        const int edits = 1 + static_cast<int>(random() % 6);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = random() % request.size();
            switch (random() % 3) {
                case 0:
                    request[at] = static_cast<char>(random() % 256);
                    break;
                case 1:
                    request.erase(at, 1 + random() % 4);
                    break;
                default:
                    request.insert(at, std::string(1 + random() % 3, static_cast<char>(random() % 256)));
            }
            if (request.empty()) request = "x";
        }
        Client client(port_);
        client.Send(request);
        ::shutdown(client.fd(), SHUT_WR);  // EOF: the server must not wait for more
        try {
            const RawResponse r = client.Read();
            EXPECT_TRUE(r.status >= 100 && r.status < 600) << r.status;
            EXPECT_NE(r.status, 500);
        } catch (const std::runtime_error&) {
            // Closing without an answer is fine for a truncated request.
        }
    }
    Client client(port_);
    EXPECT_EQ(client.Request(Get("/hello")).status, 200);
}

TEST_P(ServerTest, ObserverHearsOfEveryRequestWithItsRouteAndStatus) {
    {
        Client client(port_);
        EXPECT_EQ(client.Request(Get("/challenges/7")).status, 200);
        EXPECT_EQ(client.Request(Get("/nope")).status, 404);
        EXPECT_EQ(client.Request(Get("/boom")).status, 500);
        EXPECT_EQ(client.Request("BREW /hello HTTP/1.1\r\nHost: t\r\n\r\n").status, 405);
    }
    {
        Client client(port_);
        client.Send("GET /hel");  // then closes: no answer
    }
    // Calls of different connections may interleave: look them up by status.
    auto calls = observer_.WaitFor(5);
    ASSERT_EQ(calls.size(), 5u);
    std::map<int, RecordingObserver::Call> by_status;
    for (const auto& call : calls) by_status.emplace(call.status, call);
    ASSERT_EQ(by_status.size(), 5u);
    EXPECT_EQ(by_status.at(200).route, "/challenges/{id}");
    EXPECT_EQ(by_status.at(200).method, Method::kGet);
    EXPECT_EQ(by_status.at(404).route, "");
    EXPECT_EQ(by_status.at(500).route, "/boom");
    EXPECT_EQ(by_status.at(405).method, Method::kOther);
    EXPECT_EQ(by_status.at(0).route, "");  // the connection failed before an answer
    EXPECT_EQ(observer_.started.load(), 5);
    EXPECT_FALSE(observer_.negative_elapsed);
}

INSTANTIATE_TEST_SUITE_P(IoThreads, ServerTest, ::testing::Values(1u, 2u));

TEST(ServerListen, BusyPortThrowsSystemError) {
    Router router;
    ServerConfig config;
    config.port = 0;
    config.handle_signals = false;
    Server first(config, router);
    config.port = first.Listen();
    // Both set SO_REUSEADDR, but two listeners on one port are still refused.
    Server second(config, router);
    EXPECT_THROW(second.Listen(), std::system_error);
}

TEST(ServerSignals, SigtermStopsRunGracefully) {
    Router router;
    router.Add(Method::kGet, "/", [](Request&) { return Response::Empty(); });
    ServerConfig config;
    config.port = 0;
    config.io_threads = 1;
    config.handle_signals = true;
    Server server(config, router);
    const std::uint16_t port = server.Listen();
    std::thread runner([&] { server.Run(); });
    {
        // A served request proves Run() installed the handlers (it does so before serving).
        Client client(port);
        EXPECT_EQ(client.Request("GET / HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
        ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
        EXPECT_TRUE(client.Closed());
    }
    runner.join();  // returns only because of the signal
}

// 0 when a TCP connection to 127.0.0.1:port is accepted, the connect() errno otherwise.
int ConnectError(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return errno;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int error = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 ? 0 : errno;
    ::close(fd);
    return error;
}

TEST(ServerListen, StopBeforeRunReturnsImmediately) {
    // Shared with the thread running Run(): if Run() hangs, that thread is detached and keeps it.
    struct Fixture {
        Router router;
        std::unique_ptr<Server> server;
        std::promise<void> returned;
    };
    auto fixture = std::make_shared<Fixture>();
    ServerConfig config;
    config.port = 0;
    config.io_threads = 1;
    config.handle_signals = false;
    fixture->server = std::make_unique<Server>(config, fixture->router);
    const std::uint16_t port = fixture->server->Listen();
    ASSERT_EQ(ConnectError(port), 0);  // listening: the kernel completes the handshake before Run()
    fixture->server->Stop();

    std::future<void> done = fixture->returned.get_future();
    std::thread runner([fixture] {
        fixture->server->Run();
        fixture->returned.set_value();
    });
    if (done.wait_for(10s) != std::future_status::ready) {
        runner.detach();  // fail instead of hanging; the thread keeps its own reference to the fixture
        FAIL() << "Run() after Stop() did not return within 10 s";
    }
    runner.join();
    EXPECT_EQ(ConnectError(port), ECONNREFUSED) << "the port still accepts connections after Run() returned";
}

}  // namespace
}  // namespace zr::http
