#include "services/questionnaire/webhooks/address_policy.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>

namespace lagom::questionnaire::webhooks {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

// The range a resolved address falls in, through the sockaddr path libcurl's callback takes.
std::string RangeOfResolved(const char* text) {
  sockaddr_storage storage{};
  if (std::strchr(text, ':') != nullptr) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, text, &v6->sin6_addr) != 1) return "test: bad address";
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    if (inet_pton(AF_INET, text, &v4->sin_addr) != 1) return "test: bad address";
  }
  return RefusedRange(*reinterpret_cast<const sockaddr*>(&storage));
}

TEST(RefusedRangeTest, RefusesEveryPrivateLoopbackLinkLocalAndMetadataRange) {
  EXPECT_THAT(RangeOfResolved("10.1.2.3"), HasSubstr("10.0.0.0/8"));
  EXPECT_THAT(RangeOfResolved("172.16.0.1"), HasSubstr("172.16.0.0/12"));
  EXPECT_THAT(RangeOfResolved("172.31.255.255"), HasSubstr("172.16.0.0/12"));
  EXPECT_THAT(RangeOfResolved("192.168.1.1"), HasSubstr("192.168.0.0/16"));
  EXPECT_THAT(RangeOfResolved("127.0.0.1"), HasSubstr("loopback"));
  EXPECT_THAT(RangeOfResolved("127.255.0.9"), HasSubstr("loopback"));
  EXPECT_THAT(RangeOfResolved("169.254.169.254"), HasSubstr("metadata"));
  EXPECT_THAT(RangeOfResolved("100.64.0.1"), HasSubstr("100.64.0.0/10"));
  EXPECT_THAT(RangeOfResolved("100.127.255.254"), HasSubstr("100.64.0.0/10"));
  EXPECT_THAT(RangeOfResolved("0.0.0.0"), HasSubstr("0.0.0.0/8"));
  EXPECT_THAT(RangeOfResolved("::1"), HasSubstr("loopback"));
  EXPECT_THAT(RangeOfResolved("::"), HasSubstr("unspecified"));
  EXPECT_THAT(RangeOfResolved("fc00::1"), HasSubstr("fc00::/7"));
  EXPECT_THAT(RangeOfResolved("fd00:ec2::254"), HasSubstr("fc00::/7"));
  EXPECT_THAT(RangeOfResolved("fe80::1"), HasSubstr("fe80::/10"));
  EXPECT_THAT(RangeOfResolved("febf::1"), HasSubstr("fe80::/10"));
  // An IPv4-mapped IPv6 address is the IPv4 address it carries.
  EXPECT_THAT(RangeOfResolved("::ffff:10.0.0.1"), HasSubstr("10.0.0.0/8"));
  EXPECT_THAT(RangeOfResolved("::ffff:169.254.169.254"), HasSubstr("metadata"));
  // Special-purpose IPv4 ranges.
  EXPECT_THAT(RangeOfResolved("192.0.0.170"), HasSubstr("192.0.0.0/24"));
  EXPECT_THAT(RangeOfResolved("198.19.255.1"), HasSubstr("198.18.0.0/15"));
  EXPECT_THAT(RangeOfResolved("224.0.0.1"), HasSubstr("multicast"));
  EXPECT_THAT(RangeOfResolved("255.255.255.255"), HasSubstr("broadcast"));
  // IPv6 forms that reach a refused IPv4 address through a translator or a tunnel.
  EXPECT_THAT(RangeOfResolved("64:ff9b::a00:5"), HasSubstr("NAT64 64:ff9b::/96 to private"));
  EXPECT_THAT(RangeOfResolved("64:ff9b::169.254.169.254"), HasSubstr("metadata"));
  EXPECT_THAT(RangeOfResolved("64:ff9b:1::a00:5"), HasSubstr("local-use NAT64"));
  EXPECT_THAT(RangeOfResolved("2002:a00:5::1"), HasSubstr("6to4 2002::/16 to private"));
  EXPECT_THAT(RangeOfResolved("2002:7f00:1::"), HasSubstr("loopback"));
  EXPECT_THAT(RangeOfResolved("2001:0:4136:e378::1"), HasSubstr("Teredo"));
  EXPECT_THAT(RangeOfResolved("::10.0.0.5"), HasSubstr("IPv4-compatible"));
  EXPECT_THAT(RangeOfResolved("ff02::1"), HasSubstr("multicast"));
}

TEST(RefusedRangeTest, AllowsPublicAddressesJustOutsideTheRanges) {
  for (const char* address :
       {"8.8.8.8",         "11.0.0.1",       "172.15.255.255",  "172.32.0.1",
        "192.169.0.1",     "100.63.255.255", "100.128.0.1",     "169.253.0.1",
        "128.0.0.1",       "1.0.0.0",        "2001:db8::1",     "2606:4700::1111",
        "fec0::1",         "fbff::1",        "::ffff:8.8.8.8",  "192.0.1.1",
        "198.17.255.255",  "198.20.0.1",     "223.255.255.255", "64:ff9b::808:808",
        "2002:808:808::1", "2001:1::1"}) {
    EXPECT_EQ(RangeOfResolved(address), "") << address;
  }
}

TEST(RefusedRangeOfLiteralTest, NamesAreResolvedLaterLiteralsAreJudgedNow) {
  EXPECT_EQ(RefusedRangeOfLiteral("itsm.example.com"), std::nullopt);
  EXPECT_EQ(RefusedRangeOfLiteral("10.example.com"), std::nullopt);
  EXPECT_THAT(RefusedRangeOfLiteral("10.0.0.1"), Optional(HasSubstr("10.0.0.0/8")));
  EXPECT_THAT(RefusedRangeOfLiteral("8.8.8.8"), Optional(std::string()));
  EXPECT_THAT(RefusedRangeOfLiteral("[::1]"), Optional(HasSubstr("loopback")));
  EXPECT_THAT(RefusedRangeOfLiteral("[2001:db8::1]"), Optional(std::string()));
  EXPECT_THAT(RefusedRangeOfLiteral("[fe80::1%25eth0]"), Optional(HasSubstr("link-local")));
  EXPECT_THAT(RefusedRangeOfLiteral("localhost"), Optional(HasSubstr("loopback")));
  EXPECT_THAT(RefusedRangeOfLiteral("LOCALHOST"), Optional(HasSubstr("loopback")));
  // Forms a resolver reads as 127.0.0.1 and 169.254.169.254.
  EXPECT_THAT(RefusedRangeOfLiteral("2130706433"), Optional(HasSubstr("loopback")));
  EXPECT_THAT(RefusedRangeOfLiteral("0x7f.1"), Optional(HasSubstr("loopback")));
  EXPECT_THAT(RefusedRangeOfLiteral("0251.0376.0251.0376"), Optional(HasSubstr("metadata")));
}

TEST(IsLoopbackLiteralTest, OnlyLiteralLoopbackAddressesAndLocalhost) {
  for (const char* host : {"127.0.0.1", "127.255.0.9", "127.1", "2130706433", "localhost",
                           "LocalHost", "[::1]", "[::ffff:127.0.0.1]"}) {
    EXPECT_TRUE(IsLoopbackLiteral(host)) << host;
  }
  // Names are resolved at delivery and may lead anywhere, however they start.
  for (const char* host :
       {"127.attacker.example", "127.0.0.1.attacker.example", "127.0.0.1.",
        "localhost.evil.example", "hooks.localhost", "[::2]", "10.0.0.1", "8.8.8.8", ""}) {
    EXPECT_FALSE(IsLoopbackLiteral(host)) << host;
  }
}

TEST(RefusalMessageTest, SaysWhatWasRefusedAndHowLocalReceiversAreAllowed) {
  const std::string message = RefusalMessage("10.0.0.7 is in the refused range private 10.0.0.0/8");
  EXPECT_THAT(message, HasSubstr("10.0.0.7"));
  EXPECT_THAT(message, HasSubstr("10.0.0.0/8"));
  EXPECT_THAT(message, HasSubstr("--webhook_allow_private_networks"));
}

}  // namespace
}  // namespace lagom::questionnaire::webhooks
