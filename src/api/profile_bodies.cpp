#include "api/profile_bodies.hpp"

#include <utility>

#include "api/v2_json.hpp"
#include "http/message.hpp"

namespace zr::api {
namespace {

std::string Render(const domain::User& user, const nlohmann::json* file, ProfileBodies::Shape shape) {
    using Shape = ProfileBodies::Shape;
    auto profile = accounts::AccountService::ProfileJson(user, file, shape == Shape::kSeedWithAccount);
    if (shape == Shape::kSecondGeneration) profile = v2::ProfileJson(user, profile);
    return http::Response::Json(200, profile).body;
}

}  // namespace

ProfileBodies::ProfileBodies(const accounts::AccountService& accounts)
    : accounts_(accounts), caches_([] { return std::make_unique<Cache>(); }) {}

std::string ProfileBodies::Body(const domain::User& user, Shape shape) const {
    const auto snapshot = accounts_.ProfileOf(user);
    if (snapshot.version == 0) return Render(user, snapshot.json.get(), shape);
    auto& entries = caches_.Get().entries[static_cast<int>(shape)];
    const auto it = entries.find(user.username);
    if (it != entries.end()) {
        const Entry& hit = it->second;
        if (hit.version == snapshot.version && hit.user_id == user.id && hit.email == user.email &&
            hit.verified == user.IsVerified() && hit.created_at == user.created_at) {
            return hit.body;
        }
    }
    std::string body = Render(user, snapshot.json.get(), shape);
    if (entries.size() >= kCacheSize) entries.clear();
    entries.insert_or_assign(user.username,
                             Entry{snapshot.version, user.id, user.email, user.IsVerified(), user.created_at, body});
    return body;
}

}  // namespace zr::api
