#pragma once
// The JSON text of the profile routes (GET /users/profile, GET /users/{username}/profile), kept
// per IO thread while what it shows is unchanged: the profile file (the version of its
// storage::ProfileSnapshot) and the account's fields (id, e-mail, verification, creation date, from
// the caller's session, itself cached while the database is unchanged). A hit costs the profile
// cache's look at its folder watch and a string copy; a miss renders as the handlers did before
// (bench/README.md, issue 20).
#include <cstdint>
#include <map>
#include <string>

#include "accounts/account_service.hpp"
#include "common/per_thread.hpp"
#include "domain/user.hpp"

namespace zr::api {

class ProfileBodies {
public:
    enum class Shape {
        kSeed,             // GET /users/profile
        kSeedWithAccount,  // GET /users/profile?account=true
        kSecondGeneration  // GET /users/{username}/profile (v2::ProfileJson)
    };
    static constexpr std::size_t kCacheSize = 4096;  // per thread and shape; emptied when full

    explicit ProfileBodies(const accounts::AccountService& accounts);

    // The route's JSON text for `user`.
    std::string Body(const domain::User& user, Shape shape) const;

private:
    struct Entry {
        std::uint64_t version = 0;
        domain::UserId user_id = 0;
        std::string email;
        bool verified = false;
        std::optional<TimePoint> created_at;
        std::string body;
    };
    struct Cache {
        std::map<std::string, Entry, std::less<>> entries[3];  // by shape, then username
    };

    const accounts::AccountService& accounts_;
    PerThread<Cache> caches_;
};

}  // namespace zr::api
