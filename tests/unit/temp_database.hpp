#pragma once
// Test helpers: a temporary folder, and a fixture with a fresh database file in one.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "db/database.hpp"

namespace zr::test_support {

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
