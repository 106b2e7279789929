#include <cctype>

#include "accounts/account_service.hpp"

namespace zr::accounts {

bool IsValidUsername(std::string_view username) {
    if (username.empty() || username.size() > 64) return false;
    if (username.front() == '.' || username.front() == '-') return false;
    for (char c : username) {
        const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
        if (!ok) return false;
    }
    return true;
}

bool IsReservedUsername(std::string_view username) {
    // Exact names: the router compares path segments byte for byte.
    for (const std::string_view reserved : kReservedUsernames) {
        if (username == reserved) return true;
    }
    return false;
}

bool IsValidEmail(std::string_view email) {
    if (email.size() < 3 || email.size() > 254) return false;
    const auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) {
        return false;
    }
    for (char c : email) {
        if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    const std::string_view domain = email.substr(at + 1);
    const auto dot = domain.rfind('.');
    return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() && domain.front() != '.';
}

}  // namespace zr::accounts
