#include "common/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "common/strings.hpp"

namespace zr {
namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool PrefixMatches(const IpAddress& address, const IpAddress& base, unsigned prefix) {
    const unsigned whole = prefix / 8;
    if (!std::equal(base.bytes.begin(), base.bytes.begin() + whole, address.bytes.begin())) return false;
    const unsigned rest = prefix % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (address.bytes[whole] & mask) == (base.bytes[whole] & mask);
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
    text = Trim(text);
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    const std::string copy(text);  // inet_pton needs a terminated string
    IpAddress address;
    if (copy.find(':') == std::string::npos) {
        if (inet_pton(AF_INET, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
        return address;
    }
    if (inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
    if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), address.bytes.begin())) {
        std::copy(address.bytes.begin() + 12, address.bytes.end(), address.bytes.begin());
        std::fill(address.bytes.begin() + 4, address.bytes.end(), 0);
        return address;
    }
    address.v6 = true;
    return address;
}

std::string IpAddress::ToString() const {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof(text));
    return text;
}

std::string IpAddress::LimitKey() const {
    if (!v6) return ToString();
    IpAddress network = *this;
    std::fill(network.bytes.begin() + 8, network.bytes.end(), 0);
    return network.ToString() + "/64";
}

AddressSet AddressSet::Parse(const std::vector<std::string>& entries) {
    AddressSet set;
    for (const std::string& entry : entries) {
        const std::string_view text = Trim(entry);
        const std::size_t slash = text.find('/');
        const auto base = IpAddress::Parse(text.substr(0, slash));
        if (!base) throw std::invalid_argument("not an IP address or network: '" + entry + "'");
        const unsigned width = base->v6 ? 128 : 32;
        unsigned prefix = width;
        if (slash != std::string_view::npos) {
            const std::string_view digits = text.substr(slash + 1);
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
            if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || prefix > width) {
                throw std::invalid_argument("not an IP network prefix: '" + entry + "'");
            }
        }
        set.networks_.push_back({*base, prefix});
    }
    return set;
}

bool AddressSet::Contains(const IpAddress& address) const {
    return std::any_of(networks_.begin(), networks_.end(), [&](const Network& network) {
        return network.base.v6 == address.v6 && PrefixMatches(address, network.base, network.prefix);
    });
}

bool AddressSet::Contains(std::string_view address) const {
    if (networks_.empty()) return false;
    const auto parsed = IpAddress::Parse(address);
    return parsed && Contains(*parsed);
}

std::string ClientAddress(const AddressSet& trusted_proxies, std::string_view peer,
                          std::optional<std::string_view> forwarded_for) {
    const auto parsed_peer = IpAddress::Parse(peer);
    if (!parsed_peer) return std::string(peer);
    IpAddress client = *parsed_peer;
    if (!forwarded_for || !trusted_proxies.Contains(client)) return client.ToString();
    std::string_view rest = *forwarded_for;
    while (!rest.empty()) {
        const std::size_t comma = rest.rfind(',');
        const std::string_view entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
        const auto hop = IpAddress::Parse(entry);
        if (!hop) break;
        client = *hop;
        if (!trusted_proxies.Contains(client)) break;
    }
    return client.ToString();
}

}  // namespace zr
