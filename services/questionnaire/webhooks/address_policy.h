// Which network addresses webhooks may reach. A webhook URL is chosen by a tenant, and the
// questionnaire service POSTs to it from inside the hosting network: aimed at a private,
// loopback, link-local or cloud-metadata address, a webhook would let a tenant probe or call
// what only Lagom's own network should reach (server-side request forgery). So such addresses
// are refused twice: at creation when the URL's host is a literal address, and at delivery for
// the address the host name actually resolves to, checked on the socket libcurl is about to
// connect (a DNS name may resolve anywhere, and differently later).
//
// Local receivers (the local stack, tests, the demo) are allowed only when the service runs
// with --webhook_allow_private_networks.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_ADDRESS_POLICY_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_ADDRESS_POLICY_H_

#include <sys/socket.h>

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lagom::questionnaire::webhooks {

inline constexpr char kAllowPrivateNetworksFlag[] = "--webhook_allow_private_networks";

// The refused range `address` (IPv4 or IPv6) falls in, e.g. "loopback 127.0.0.0/8"; "" when
// webhooks may reach it. IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
// Refused: 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16 (link-local and
// cloud metadata), 172.16.0.0/12, 192.0.0.0/24, 192.168.0.0/16, 198.18.0.0/15, 224.0.0.0/3
// (multicast, reserved, broadcast), ::, ::1, ::/96, 64:ff9b:1::/48, 2001::/32 (Teredo),
// fc00::/7, fe80::/10, ff00::/8; and NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses of a
// refused IPv4 address.
std::string RefusedRange(const sockaddr& address);

// For a URL's host as written ("10.0.0.1", "[::1]", "localhost", "itsm.example.com"): nullopt
// when it is a name to be resolved at delivery, else RefusedRange of the literal address
// ("localhost" counts as loopback). IPv4 literals are read as resolvers read them, so
// "2130706433" and "0x7f.1" are 127.0.0.1.
std::optional<std::string> RefusedRangeOfLiteral(absl::string_view host);

// Whether `host` as written is a literal loopback address: an IPv4 literal in 127.0.0.0/8 (read
// as RefusedRangeOfLiteral reads it), "[::1]" or an IPv4-mapped form of 127.0.0.0/8, or
// "localhost". A name that only looks like one ("127.attacker.example") is not: it is resolved
// at delivery like any other name, and may lead anywhere.
bool IsLoopbackLiteral(absl::string_view host);

// What a refusal says, for a violation or the delivery log: `refused` (e.g. "10.0.0.7 is in
// the refused range private 10.0.0.0/8"), then why and how local receivers are allowed.
std::string RefusalMessage(absl::string_view refused);

}  // namespace lagom::questionnaire::webhooks

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_ADDRESS_POLICY_H_
