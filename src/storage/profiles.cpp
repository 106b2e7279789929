#include "storage/profiles.hpp"

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

namespace zr::storage {
namespace fs = std::filesystem;

namespace {

bool IsPlainFileName(std::string_view name) {
    if (name.empty() || name == "." || name == "..") return false;
    for (char c : name) {
        if (c == '/' || c == '\\' || c == '\0') return false;
    }
    return true;
}

}  // namespace

fs::path Profiles::Path(std::string_view username) const {
    if (!IsPlainFileName(username)) {
        throw std::invalid_argument("refusing profile path for an unsafe username");
    }
    return dir_ / (std::string(username) + ".json");
}

std::optional<nlohmann::json> Profiles::Read(std::string_view username) const {
    std::ifstream in(Path(username), std::ios::binary);
    if (!in) return std::nullopt;
    auto profile = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!profile.is_object()) return std::nullopt;
    return profile;
}

void Profiles::Write(std::string_view username, const nlohmann::json& profile) const {
    const fs::path target = Path(username);
    // Unique temporary name in the same folder, then rename: readers never see a torn file.
    fs::path tmp = target;
    tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(std::random_device{}());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error("cannot write profile of " + std::string(username));
        out << profile.dump();
        out.flush();
        if (!out) throw std::runtime_error("cannot write profile of " + std::string(username));
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw std::runtime_error("cannot replace profile of " + std::string(username));
    }
}

std::optional<fs::path> ResolveUnder(const fs::path& root, std::string_view relative) {
    if (relative.empty() || relative.front() == '/' || relative.find('\0') != std::string_view::npos ||
        relative.find('\\') != std::string_view::npos) {
        return std::nullopt;
    }
    fs::path rel(relative);
    for (const auto& part : rel) {
        if (part == "..") return std::nullopt;
    }
    std::error_code ec;
    const fs::path canonical_root = fs::weakly_canonical(root, ec);
    if (ec) return std::nullopt;
    const fs::path candidate = fs::weakly_canonical(canonical_root / rel, ec);
    if (ec) return std::nullopt;
    // After resolving symlinks the file must still be inside the root.
    auto [root_end, unused] = std::mismatch(canonical_root.begin(), canonical_root.end(), candidate.begin(),
                                            candidate.end());
    if (root_end != canonical_root.end()) return std::nullopt;
    if (!fs::is_regular_file(candidate, ec)) return std::nullopt;
    return candidate;
}

}  // namespace zr::storage
