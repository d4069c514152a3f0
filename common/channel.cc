#include "common/channel.h"

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lagom {
namespace {

// "1.2.3.4:80" → "ipv4", "[::1]:80" → "ipv6", anything else → "".
absl::string_view FamilyOf(absl::string_view host_port) {
  const size_t colon = host_port.rfind(':');
  if (colon == absl::string_view::npos) return "";
  int port = 0;
  if (!absl::SimpleAtoi(host_port.substr(colon + 1), &port) || port < 1 || port > 65535) {
    return "";
  }
  std::string host(host_port.substr(0, colon));
  unsigned char buf[16];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) return "ipv4";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (inet_pton(AF_INET6, host.c_str(), buf) == 1) return "ipv6";
  }
  return "";
}

// gRPC's own target URIs, passed through as they are.
bool HasScheme(absl::string_view address) {
  for (absl::string_view scheme : {"dns:", "ipv4:", "ipv6:", "unix:", "unix-abstract:", "vsock:"}) {
    if (absl::StartsWith(address, scheme)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string> ChannelTarget(absl::string_view address) {
  address = absl::StripAsciiWhitespace(address);
  if (address.empty()) return absl::InvalidArgumentError("the address is empty");
  if (HasScheme(address) || address.find(',') == absl::string_view::npos) {
    return std::string(address);
  }
  std::vector<absl::string_view> replicas = absl::StrSplit(address, ',');
  absl::string_view family;
  for (absl::string_view replica : replicas) {
    const absl::string_view f = FamilyOf(replica);
    if (f.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", replica, "' in the replica list '", address,
          "' is not IP:PORT; a list names replicas by IP address (one host name that resolves "
          "to every replica, e.g. a headless Service, goes alone)"));
    }
    if (!family.empty() && f != family) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the replica list '", address, "' mixes IPv4 and IPv6 addresses; use one family"));
    }
    family = f;
  }
  return absl::StrCat(family, ":", address);
}

const std::string& ServiceConfigJson() {
  static const std::string* const config = new std::string(R"json({
  "loadBalancingConfig": [{"round_robin": {}}],
  "healthCheckConfig": {"serviceName": ""},
  "methodConfig": [{
    "name": [{}],
    "retryPolicy": {
      "maxAttempts": 5,
      "initialBackoff": "0.05s",
      "maxBackoff": "1s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})json");
  return *config;
}

grpc::ChannelArguments ServiceChannelArguments() {
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(ServiceConfigJson());
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  return args;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateServiceChannel(
    absl::string_view address, const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  absl::StatusOr<std::string> target = ChannelTarget(address);
  if (!target.ok()) return target.status();
  return grpc::CreateCustomChannel(*target, credentials, ServiceChannelArguments());
}

}  // namespace lagom
