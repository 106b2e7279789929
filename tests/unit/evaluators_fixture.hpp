#pragma once
// Test helper (header only) for evaluators_* tests: a temporary folder holding a database, a bin
// folder with scripts and an index.yml, a folder of fake programs to put first on PATH, and the
// settings of a host named "testhost" whose bin folder it is.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "db/database.hpp"
#include "evaluators/evaluators.hpp"

namespace zr::evaluators::testing {

namespace fs = std::filesystem;

inline void WriteFile(const fs::path& path, const std::string& text, bool executable = false) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    if (executable) fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
}

inline std::string ReadFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// The message of the zr::Error `action` throws (fails the test if it throws none).
template <typename Action>
zr::Error CatchError(Action&& action) {
    try {
        action();
    } catch (const zr::Error& e) {
        return e;
    }
    ADD_FAILURE() << "no zr::Error thrown";
    return zr::Error::Message(zr::ErrorKind::kInternal, "");
}

class EvaluatorsTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ =
            fs::temp_directory_path() / ("zr_evaluators_" + std::to_string(::getpid()) + "_" +
                                         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        bin_ = root_ / "bin";
        fake_path_ = root_ / "fakebin";
        fs::create_directories(bin_);
        fs::create_directories(fake_path_);
        settings_.hostname = "testhost";
        settings_.remote_bin = {{"testhost", bin_.string()}};
        db_ = std::make_unique<db::Database>(root_ / "zr.db");
        if (const char* path = std::getenv("PATH")) saved_path_ = path;
    }
    void TearDown() override {
        ::setenv("PATH", saved_path_.c_str(), 1);
        db_.reset();
        fs::remove_all(root_);
    }

    // Only the fake programs are on PATH (plus the real folders when `keep_system`).
    void UseFakePath(bool keep_system = false) {
        const std::string path = fake_path_.string() + (keep_system ? ":" + saved_path_ : "");
        ::setenv("PATH", path.c_str(), 1);
    }
    void FakeProgram(const std::string& name, const std::string& body) {
        WriteFile(fake_path_ / name, "#!/bin/sh\n" + body + "\n", true);
    }
    void WriteIndex(const std::string& yaml) { WriteFile(bin_ / "index.yml", yaml); }
    EvaluatorService Service() { return EvaluatorService(*db_, settings_); }

    fs::path root_;
    fs::path bin_;
    fs::path fake_path_;
    std::string saved_path_;
    settings::Settings settings_;
    std::unique_ptr<db::Database> db_;
};

}  // namespace zr::evaluators::testing
