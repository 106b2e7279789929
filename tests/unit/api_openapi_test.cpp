// Keeps resources/openapi.json honest: the document served at /openapi.json must describe exactly
// the routes of zr::api::BuildRouter (same (method, path) pairs, both ways), be well-formed
// OpenAPI 3.0.3, and its path parameters and $refs must be consistent.
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "api/routes.hpp"
#include "common/resources.hpp"
#include "settings/settings.hpp"
#include "temp_database.hpp"
#include "wiring/services.hpp"

namespace {

using nlohmann::json;
using Operation = std::pair<std::string, std::string>;  // (METHOD, path)

const std::set<std::string> kHttpMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

using zr::test_support::TempDir;

json LoadDocument() {
    auto text = zr::resources::Find("openapi.json");
    if (!text) throw std::runtime_error("openapi.json is not embedded");
    return json::parse(*text);
}

std::string Upper(std::string text) {
    for (char& c : text) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return text;
}

// "/static/{path:path}" -> "/static/{path}": OpenAPI has no converters.
std::string DocumentedPath(const std::string& pattern) {
    static const std::regex kConverter(R"(\{([A-Za-z_][A-Za-z0-9_]*):[A-Za-z_]+\})");
    return std::regex_replace(pattern, kConverter, "{$1}");
}

std::set<Operation> DocumentOperations(const json& doc) {
    std::set<Operation> out;
    for (const auto& [path, item] : doc.at("paths").items()) {
        for (const auto& [key, operation] : item.items()) {
            if (kHttpMethods.contains(key)) out.emplace(Upper(key), path);
        }
    }
    return out;
}

std::string Describe(const std::set<Operation>& operations) {
    std::string out;
    for (const auto& [method, path] : operations) out += "  " + method + " " + path + "\n";
    return out.empty() ? "  (none)\n" : out;
}

// The names of the "{name}" segments of a documented path.
std::set<std::string> PathParameterNames(const std::string& path) {
    static const std::regex kParam(R"(\{([^}/]+)\})");
    std::set<std::string> names;
    for (auto it = std::sregex_iterator(path.begin(), path.end(), kParam); it != std::sregex_iterator(); ++it) {
        names.insert((*it)[1].str());
    }
    return names;
}

// Follows a local "$ref" ("#/components/...") in `doc`; nullptr if it does not resolve.
const json* Resolve(const json& doc, const std::string& ref) {
    if (!ref.starts_with("#/")) return nullptr;
    const json::json_pointer pointer(ref.substr(1));
    return doc.contains(pointer) ? &doc.at(pointer) : nullptr;
}

const json& Deref(const json& doc, const json& value) {
    if (value.is_object() && value.contains("$ref")) {
        if (const json* target = Resolve(doc, value.at("$ref").get<std::string>())) return *target;
    }
    return value;
}

void CollectRefs(const json& value, std::set<std::string>& refs) {
    if (value.is_object()) {
        for (const auto& [key, child] : value.items()) {
            if (key == "$ref" && child.is_string())
                refs.insert(child.get<std::string>());
            else
                CollectRefs(child, refs);
        }
    } else if (value.is_array()) {
        for (const auto& child : value) CollectRefs(child, refs);
    }
}

class ApiOpenApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto loaded = zr::settings::LoadFrom({{"DATA_FOLDER", data_.path().string()}});
        services_ = std::make_unique<zr::wiring::Services>(loaded.settings);
        health_ =
            std::make_unique<zr::monitoring::Health>(services_->database(), services_->file_system(),
                                                     services_->settings(), services_->clock(), [] { return true; });
        profile_bodies_ = std::make_unique<zr::api::ProfileBodies>(services_->accounts());
        context_ = std::make_unique<zr::api::ApiContext>(zr::api::ApiContext{
            services_->accounts(), services_->challenges(), services_->templates(), services_->settings(),
            services_->uploads(), services_->submission_reads(), services_->transfer(), services_->leaderboards(),
            services_->models(), *health_, metrics_, services_->site(), *profile_bodies_});
    }

    std::set<Operation> RouterOperations() {
        const zr::http::Router router = zr::api::BuildRouter(*context_);
        std::set<Operation> out;
        for (const auto& route : router.routes()) {
            out.emplace(std::string(zr::http::ToString(route.method)), DocumentedPath(route.pattern));
        }
        return out;
    }

    TempDir data_;
    std::unique_ptr<zr::wiring::Services> services_;
    zr::metrics::Metrics metrics_;
    std::unique_ptr<zr::monitoring::Health> health_;
    std::unique_ptr<zr::api::ProfileBodies> profile_bodies_;
    std::unique_ptr<zr::api::ApiContext> context_;
};

TEST(ApiOpenApiPathTest, ConverterSegmentsAreDocumentedWithoutConverter) {
    EXPECT_EQ(DocumentedPath("/static/{path:path}"), "/static/{path}");
    EXPECT_EQ(DocumentedPath("/challenges/{challenge_id}"), "/challenges/{challenge_id}");
    EXPECT_EQ(DocumentedPath("/a/{x:str}/b/{y:path}"), "/a/{x}/b/{y}");
}

TEST_F(ApiOpenApiTest, DocumentDescribesExactlyTheRoutedOperations) {
    const std::set<Operation> routed = RouterOperations();
    const std::set<Operation> documented = DocumentOperations(LoadDocument());
    ASSERT_FALSE(routed.empty());

    std::set<Operation> undocumented, unrouted;
    for (const auto& op : routed) {
        if (!documented.contains(op)) undocumented.insert(op);
    }
    for (const auto& op : documented) {
        if (!routed.contains(op)) unrouted.insert(op);
    }
    EXPECT_TRUE(undocumented.empty()) << "routes missing from openapi.json:\n" << Describe(undocumented);
    EXPECT_TRUE(unrouted.empty()) << "operations in openapi.json without a route:\n" << Describe(unrouted);
    EXPECT_EQ(routed.size(), documented.size());
}

TEST(ApiOpenApiDocumentTest, HeaderAndSecurityScheme) {
    const json doc = LoadDocument();
    EXPECT_EQ(doc.at("openapi"), "3.0.3");
    EXPECT_EQ(doc.at("info").at("title"), "Zerospeech Challenge API");
    EXPECT_EQ(doc.at("info").at("version"), "v0.1");
    const json& scheme = doc.at("components").at("securitySchemes").at("OAuth2PasswordBearer");
    EXPECT_EQ(scheme.at("type"), "oauth2");
    EXPECT_EQ(scheme.at("flows").at("password").at("tokenUrl"), "/auth/login");
}

TEST(ApiOpenApiDocumentTest, EveryOperationIsTaggedSummarisedAndAnswers) {
    const json doc = LoadDocument();
    const std::set<std::string> tags = {"auth",
                                        "pages",
                                        "users",
                                        "challenges",
                                        "leaderboards",
                                        "site",
                                        "workers",
                                        "operations",
                                        "zrc: accounts",
                                        "zrc: models and benchmarks",
                                        "zrc: submissions",
                                        "zrc: leaderboards"};
    std::set<std::string> operation_ids;
    for (const auto& [path, item] : doc.at("paths").items()) {
        for (const auto& [method, operation] : item.items()) {
            if (!kHttpMethods.contains(method)) continue;
            const std::string where = method + " " + path;
            ASSERT_TRUE(operation.contains("tags")) << where;
            ASSERT_EQ(operation.at("tags").size(), 1u) << where;
            EXPECT_TRUE(tags.contains(operation.at("tags")[0].get<std::string>())) << where;
            EXPECT_FALSE(operation.value("summary", "").empty()) << where;
            ASSERT_TRUE(operation.contains("responses")) << where;
            EXPECT_TRUE(operation.at("responses").contains("200")) << where;
            if (operation.contains("operationId")) {
                EXPECT_TRUE(operation_ids.insert(operation.at("operationId").get<std::string>()).second)
                    << "duplicate operationId at " << where;
            }
            // An operation that needs a token documents the 401 of a missing/invalid one.
            if (operation.contains("security")) {
                EXPECT_TRUE(operation.at("responses").contains("401")) << where;
            }
        }
    }
}

TEST(ApiOpenApiDocumentTest, PathParametersMatchPathTemplates) {
    const json doc = LoadDocument();
    for (const auto& [path, item] : doc.at("paths").items()) {
        const std::set<std::string> expected = PathParameterNames(path);
        for (const auto& [method, operation] : item.items()) {
            if (!kHttpMethods.contains(method)) continue;
            std::set<std::string> declared;
            for (const auto& raw : operation.value("parameters", json::array())) {
                const json& parameter = Deref(doc, raw);
                if (parameter.at("in") == "path") {
                    EXPECT_EQ(parameter.value("required", false), true) << method << " " << path;
                    declared.insert(parameter.at("name").get<std::string>());
                }
            }
            EXPECT_EQ(declared, expected) << method << " " << path;
        }
    }
}

TEST(ApiOpenApiDocumentTest, EveryReferenceResolves) {
    const json doc = LoadDocument();
    std::set<std::string> refs;
    CollectRefs(doc, refs);
    EXPECT_FALSE(refs.empty());
    for (const auto& ref : refs) EXPECT_NE(Resolve(doc, ref), nullptr) << ref;
}

}  // namespace
