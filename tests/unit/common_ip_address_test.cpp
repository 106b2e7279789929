#include <gtest/gtest.h>

#include <stdexcept>

#include "common/ip_address.hpp"

namespace zr {
namespace {

TEST(CommonIpAddress, ParsesAndNormalises) {
    EXPECT_EQ(IpAddress::Parse("10.1.2.3")->ToString(), "10.1.2.3");
    EXPECT_EQ(IpAddress::Parse(" 2001:DB8::1 ")->ToString(), "2001:db8::1");
    EXPECT_EQ(IpAddress::Parse("[::1]")->ToString(), "::1");
    // An IPv4-mapped IPv6 address is its IPv4 address (a dual-stack socket's peers).
    const auto mapped = IpAddress::Parse("::ffff:192.0.2.7");
    ASSERT_TRUE(mapped);
    EXPECT_FALSE(mapped->v6);
    EXPECT_EQ(mapped->ToString(), "192.0.2.7");
    for (const char* bad : {"", "-", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4:80", "example.com", "::g", "[::1"}) {
        EXPECT_FALSE(IpAddress::Parse(bad)) << bad;
    }
}

TEST(CommonIpAddress, LimitKeyIsTheIpv6Slash64) {
    EXPECT_EQ(IpAddress::Parse("192.0.2.7")->LimitKey(), "192.0.2.7");
    EXPECT_EQ(IpAddress::Parse("2001:db8:1:2:aaaa::1")->LimitKey(), "2001:db8:1:2::/64");
    EXPECT_EQ(IpAddress::Parse("2001:db8:1:2:bbbb::9")->LimitKey(), "2001:db8:1:2::/64");
}

TEST(CommonIpAddress, SetsOfNetworks) {
    const auto set = AddressSet::Parse({"127.0.0.1", "10.0.0.0/8", "fd00::/8", "192.168.1.128/25"});
    EXPECT_TRUE(set.Contains("127.0.0.1"));
    EXPECT_FALSE(set.Contains("127.0.0.2"));
    EXPECT_TRUE(set.Contains("10.255.0.1"));
    EXPECT_FALSE(set.Contains("11.0.0.1"));
    EXPECT_TRUE(set.Contains("fdab::1"));
    EXPECT_FALSE(set.Contains("fe80::1"));
    EXPECT_TRUE(set.Contains("192.168.1.200"));
    EXPECT_FALSE(set.Contains("192.168.1.100"));
    EXPECT_TRUE(set.Contains("::ffff:10.0.0.1"));  // mapped: the IPv4 network holds it
    EXPECT_FALSE(set.Contains("not an address"));
    EXPECT_FALSE(AddressSet().Contains("127.0.0.1"));
    EXPECT_TRUE(AddressSet::Parse({"0.0.0.0/0"}).Contains("203.0.113.9"));
    for (const char* bad : {"localhost", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::/129", "1.2.3.4/8/8"}) {
        EXPECT_THROW(AddressSet::Parse({bad}), std::invalid_argument) << bad;
    }
}

TEST(CommonIpAddress, ClientBehindTrustedProxies) {
    const auto trusted = AddressSet::Parse({"127.0.0.1", "10.0.0.0/8"});
    // Not from a trusted proxy: the header is the client's own claim and is ignored.
    EXPECT_EQ(ClientAddress(trusted, "203.0.113.9", "198.51.100.1"), "203.0.113.9");
    // nginx on loopback: the rightmost entry is the address nginx saw.
    EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", "198.51.100.1"), "198.51.100.1");
    // A client's forged entries on the left are not believed past the first untrusted hop.
    EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", "1.1.1.1, 198.51.100.1"), "198.51.100.1");
    // Trusted hops are skipped from the right.
    EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", "198.51.100.1, 10.0.0.5"), "198.51.100.1");
    // A malformed entry stops the walk at the last address known good.
    EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", "junk, 10.0.0.5"), "10.0.0.5");
    EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", "198.51.100.1, junk"), "127.0.0.1");
    EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", ""), "127.0.0.1");
    EXPECT_EQ(ClientAddress(trusted, "127.0.0.1", std::nullopt), "127.0.0.1");
    EXPECT_EQ(ClientAddress(trusted, "::ffff:127.0.0.1", "2001:db8::7"), "2001:db8::7");
    EXPECT_EQ(ClientAddress(AddressSet(), "127.0.0.1", "198.51.100.1"), "127.0.0.1");
}

}  // namespace
}  // namespace zr
