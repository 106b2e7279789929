#pragma once
// IP addresses as text: parsing, normalising, matching against a list of networks. Used to tell a
// request's client (the peer, or what a trusted proxy forwards) and to key per-address limits.
//
// Thread-safety: AddressSet is immutable once built and may be shared by threads.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zr {

// An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses ("::ffff:10.0.0.1") are their IPv4 address.
struct IpAddress {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes

    // Parses "10.0.0.1", "2001:db8::1" or "[2001:db8::1]"; nullopt otherwise.
    static std::optional<IpAddress> Parse(std::string_view text);
    std::string ToString() const;
    // The key a per-address limit counts under: the address itself for IPv4, its /64 network
    // ("2001:db8:1:2::/64") for IPv6, since one IPv6 subscriber usually holds a whole /64.
    std::string LimitKey() const;
};

// A set of addresses and networks ("127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8").
class AddressSet {
public:
    AddressSet() = default;
    // Throws std::invalid_argument naming the first entry that is not an address or a network.
    static AddressSet Parse(const std::vector<std::string>& entries);
    bool Contains(const IpAddress& address) const;
    bool Contains(std::string_view address) const;
    bool empty() const { return networks_.empty(); }

private:
    struct Network {
        IpAddress base;
        unsigned prefix = 0;
    };
    std::vector<Network> networks_;
};

// The address of the client a request comes from: the peer itself, unless the peer is in
// `trusted_proxies`; then X-Forwarded-For (`forwarded_for`, "client, proxy1, proxy2") is read from
// the right, skipping trusted proxies, and the first untrusted entry is the client. A malformed
// entry stops the walk at the last address known good (a client may write anything on the left).
// Answers the normalised text of the address ("::ffff:1.2.3.4" -> "1.2.3.4"); the peer's text
// as given when it does not parse.
std::string ClientAddress(const AddressSet& trusted_proxies, std::string_view peer,
                          std::optional<std::string_view> forwarded_for);

}  // namespace zr
