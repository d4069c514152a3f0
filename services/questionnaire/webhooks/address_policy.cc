#include "services/questionnaire/webhooks/address_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace lagom::questionnaire::webhooks {
namespace {

struct Range4 {
  uint32_t network;
  int bits;
  const char* name;
};

// Every loopback range's name starts with this.
constexpr char kLoopbackPrefix[] = "loopback ";

constexpr Range4 kRefused4[] = {
    {0x00000000, 8, "'this network' 0.0.0.0/8"},
    {0x0A000000, 8, "private 10.0.0.0/8"},
    {0x64400000, 10, "carrier-grade NAT 100.64.0.0/10"},
    {0x7F000000, 8, "loopback 127.0.0.0/8"},
    {0xA9FE0000, 16, "link-local and cloud metadata 169.254.0.0/16"},
    {0xAC100000, 12, "private 172.16.0.0/12"},
    {0xC0A80000, 16, "private 192.168.0.0/16"},
    {0xC0000000, 24, "IETF protocol assignments 192.0.0.0/24"},
    {0xC6120000, 15, "benchmarking 198.18.0.0/15"},
    {0xE0000000, 4, "multicast 224.0.0.0/4"},
    {0xF0000000, 4, "reserved 240.0.0.0/4 and broadcast"},
};

// `host_order` is the IPv4 address as a number.
std::string RefusedRange4(uint32_t host_order) {
  for (const Range4& r : kRefused4) {
    const uint32_t mask = r.bits == 0 ? 0 : ~uint32_t{0} << (32 - r.bits);
    if ((host_order & mask) == r.network) return r.name;
  }
  return "";
}

// The IPv4 address in the four bytes at `p`, as a number.
uint32_t V4At(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// The refused range of the IPv4 address an IPv6 form leads to, named with the form.
std::string ThroughV4(const char* form, uint32_t v4) {
  const std::string range = RefusedRange4(v4);
  return range.empty() ? "" : absl::StrCat(form, " to ", range);
}

std::string RefusedRange6(const in6_addr& a) {
  const uint8_t* b = a.s6_addr;
  static constexpr uint8_t kZero[16] = {};
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  static constexpr uint8_t kNat64Prefix[12] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kMappedPrefix, sizeof kMappedPrefix) == 0) return RefusedRange4(V4At(b + 12));
  if (std::memcmp(b, kZero, 15) == 0 && (b[15] == 0 || b[15] == 1)) {
    return b[15] == 0 ? "unspecified ::" : "loopback ::1";
  }
  // Forms that reach an IPv4 address through a translator or tunnel are judged by the IPv4
  // address they reach, or refused whole where it cannot be read off.
  if (std::memcmp(b, kZero, 12) == 0) return "IPv4-compatible ::/96 (deprecated)";
  if (std::memcmp(b, kNat64Prefix, sizeof kNat64Prefix) == 0) {
    return ThroughV4("NAT64 64:ff9b::/96", V4At(b + 12));
  }
  if (std::memcmp(b, kNat64Prefix, 5) == 0 && b[5] == 1) return "local-use NAT64 64:ff9b:1::/48";
  if (b[0] == 0x20 && b[1] == 0x02) return ThroughV4("6to4 2002::/16", V4At(b + 2));
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) return "Teredo 2001::/32";
  if ((b[0] & 0xFE) == 0xFC) return "unique local fc00::/7";
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return "link-local fe80::/10";
  if (b[0] == 0xFF) return "multicast ff00::/8";
  return "";
}

}  // namespace

std::string RefusedRange(const sockaddr& address) {
  if (address.sa_family == AF_INET) {
    sockaddr_in v4;
    std::memcpy(&v4, &address, sizeof v4);
    return RefusedRange4(ntohl(v4.sin_addr.s_addr));
  }
  if (address.sa_family == AF_INET6) {
    sockaddr_in6 v6;
    std::memcpy(&v6, &address, sizeof v6);
    return RefusedRange6(v6.sin6_addr);
  }
  return "non-IP address family";
}

std::optional<std::string> RefusedRangeOfLiteral(absl::string_view host) {
  if (absl::EqualsIgnoreCase(host, "localhost")) return "loopback localhost";
  if (absl::ConsumePrefix(&host, "[") && absl::ConsumeSuffix(&host, "]")) {
    // A zone ("fe80::1%eth0") makes the address unreadable to inet_pton; refuse it as what it
    // names, a link-local scope.
    if (absl::StrContains(host, '%')) return "scoped IPv6 (link-local)";
    in6_addr v6;
    if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) != 1) return "unreadable IPv6";
    return RefusedRange6(v6);
  }
  in_addr v4;
  // inet_aton accepts what resolvers accept: shorthand, decimal, octal and hex forms. A DNS
  // name's last label is never all digits, so nothing else is read as an address.
  if (inet_aton(std::string(host).c_str(), &v4) == 1) return RefusedRange4(ntohl(v4.s_addr));
  return std::nullopt;
}

bool IsLoopbackLiteral(absl::string_view host) {
  const std::optional<std::string> range = RefusedRangeOfLiteral(host);
  return range.has_value() && absl::StartsWith(*range, kLoopbackPrefix);
}

std::string RefusalMessage(absl::string_view refused) {
  return absl::StrCat(refused,
                      ": webhooks may not reach private, loopback, link-local or metadata "
                      "addresses (the service allows them only with ",
                      kAllowPrivateNetworksFlag, ")");
}

}  // namespace lagom::questionnaire::webhooks
