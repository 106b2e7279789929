#pragma once
// Test helpers: a temporary folder, a fixture with a fresh database file in one, the legacy
// database fixture, and datetimes written as text.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "common/time.hpp"
#include "db/database.hpp"

namespace zr::test_support {

// The stored datetime text as a TimePoint ("2021-03-01 10:00:00"); throws if malformed.
inline TimePoint At(std::string_view text) {
    const auto t = ParseDateTime(text);
    if (!t) throw std::runtime_error("bad test datetime: " + std::string(text));
    return *t;
}

// The first implementation's database of ../shared/fixtures/legacy-v0 (or $ZR_LEGACY_FIXTURE_DIR).
inline std::filesystem::path LegacyDb() {
    const char* dir = std::getenv("ZR_LEGACY_FIXTURE_DIR");
    const std::filesystem::path root = dir != nullptr
                                           ? std::filesystem::path(dir)
                                           : std::filesystem::path(ZR_SOURCE_DIR) / "../shared/fixtures/legacy-v0";
    return root / "data" / "zerospeech.db";
}

// A fresh folder under the system temp folder, removed with everything in it at destruction.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "zr_test_XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A database file at the latest schema version in its own temporary folder, and one connection
// leased for the test's own statements (Conn()).
class TempDatabaseTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = std::make_unique<db::Database>(dir_.path() / "zerospeech.db");
        lease_.emplace(db_->Acquire());
    }
    void TearDown() override {
        lease_.reset();
        db_.reset();
    }
    db::Connection& Conn() { return **lease_; }

    TempDir dir_;
    std::unique_ptr<db::Database> db_;
    std::optional<db::ConnectionLease> lease_;
};

}  // namespace zr::test_support
