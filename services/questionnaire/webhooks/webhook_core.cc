#include "services/questionnaire/webhooks/webhook_core.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/questionnaire/webhooks/address_policy.h"

namespace lagom::questionnaire::webhooks {
namespace {

constexpr int kSecretBytes = 32;
constexpr size_t kMaxUrlChars = 2048;
constexpr int kMaxPort = 65535;

absl::Status BadSignature(absl::string_view why) {
  return Error(absl::StatusCode::kUnauthenticated, "WEBHOOK_SIGNATURE_INVALID",
               absl::StrCat("Lagom-Signature is not valid: ", why));
}

// The authority of an absolute URL after `scheme://`: the host without port ("" when there is
// none; IPv6 literals keep their brackets) and what follows it ("" or ":<port>").
struct Authority {
  absl::string_view host;
  absl::string_view after_host;
};

Authority AuthorityOf(absl::string_view rest) {
  absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  size_t host_end = authority.find(':');
  if (absl::StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    host_end = close == absl::string_view::npos ? 0 : close + 1;
  }
  host_end = std::min(host_end, authority.size());
  return {authority.substr(0, host_end), authority.substr(host_end)};
}

// What is wrong with the port after the host, or "" when there is none or it is 1-65535.
std::string PortProblem(absl::string_view after_host) {
  absl::string_view port = after_host;
  if (port.empty()) return "";
  if (!absl::ConsumePrefix(&port, ":")) return "must have only a :port between host and path";
  int number = 0;
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(port, &number) || number < 1 || number > kMaxPort) {
    return absl::StrCat("port '", port, "' must be a number from 1 to ", kMaxPort);
  }
  return "";
}

}  // namespace

bool IsKnownEventType(absl::string_view type) {
  return std::any_of(std::begin(kEventTypes), std::end(kEventTypes),
                     [&](const char* known) { return type == known; });
}

absl::Duration RetryDelay(int failed_attempts) {
  absl::Duration delay = kFirstRetryDelay;
  for (int i = 1; i < failed_attempts && delay < kMaxRetryDelay; ++i) delay *= 2;
  return std::min(delay, kMaxRetryDelay);
}

int MaxAttempts() {
  static const int max_attempts = [] {
    int attempts = 1;
    absl::Duration elapsed;  // since the first attempt
    while (elapsed + RetryDelay(attempts) <= kGiveUpAfter) elapsed += RetryDelay(attempts++);
    return attempts;
  }();
  return max_attempts;
}

std::optional<absl::Time> NextAttemptTime(int failed_attempts, absl::Time event_create_time,
                                          absl::Time now) {
  if (failed_attempts >= MaxAttempts()) return std::nullopt;
  absl::Time next = now + RetryDelay(failed_attempts);
  if (next - event_create_time > kGiveUpAfter) return std::nullopt;
  return next;
}

bool IsDelivered(int http_status) { return http_status >= 200 && http_status < 300; }

std::string HmacSha256Hex(absl::string_view key, absl::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
           &length) == nullptr) {
    abort();  // HMAC-SHA256 is always available; failing here means OpenSSL itself is broken.
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(mac), length));
}

std::string SignatureHeaderValue(absl::string_view secret, absl::Time t, absl::string_view body) {
  std::string seconds = absl::StrCat(absl::ToUnixSeconds(t));
  return absl::StrCat("t=", seconds,
                      ",v1=", HmacSha256Hex(secret, absl::StrCat(seconds, ".", body)));
}

absl::Status VerifySignature(absl::string_view secret, absl::string_view header,
                             absl::string_view body, absl::Time now, absl::Duration tolerance) {
  absl::string_view timestamp;
  std::vector<absl::string_view> signatures;
  for (absl::string_view part : absl::StrSplit(header, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, "t=")) {
      timestamp = part;
    } else if (absl::ConsumePrefix(&part, "v1=")) {
      signatures.push_back(part);
    }
  }
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(timestamp, &seconds)) return BadSignature("no t=<unix seconds>");
  if (signatures.empty()) return BadSignature("no v1=<signature>");
  if (absl::AbsDuration(now - absl::FromUnixSeconds(seconds)) > tolerance) {
    return BadSignature("timestamp outside the tolerance (replayed or clock skew)");
  }
  const std::string expected = HmacSha256Hex(secret, absl::StrCat(timestamp, ".", body));
  for (absl::string_view candidate : signatures) {
    if (candidate.size() == expected.size() &&
        CRYPTO_memcmp(candidate.data(), expected.data(), expected.size()) == 0) {
      return absl::OkStatus();
    }
  }
  return BadSignature("no v1 signature matches the body");
}

std::string GenerateSecret() {
  unsigned char bytes[kSecretBytes];
  // RAND_bytes only fails when the OS entropy source is broken; a guessable secret would be
  // far worse than stopping.
  if (RAND_bytes(bytes, sizeof bytes) != 1) abort();
  std::string secret =
      absl::StrCat("whsec_", absl::WebSafeBase64Escape(absl::string_view(
                                 reinterpret_cast<const char*>(bytes), sizeof bytes)));
  OPENSSL_cleanse(bytes, sizeof bytes);
  return secret;
}

std::vector<FieldViolation> ValidateEndpoint(absl::string_view prefix, absl::string_view url,
                                             const std::vector<std::string>& event_types,
                                             bool allow_private_networks) {
  std::vector<FieldViolation> violations;
  const std::string url_path = absl::StrCat(prefix, ".url");
  absl::string_view rest = url;
  const bool https = absl::ConsumePrefix(&rest, "https://");
  const bool http = !https && absl::ConsumePrefix(&rest, "http://");
  const Authority authority = (https || http) ? AuthorityOf(rest) : Authority{};
  const absl::string_view host = authority.host;
  if (url.empty()) {
    violations.push_back({url_path, "required"});
  } else if (url.size() > kMaxUrlChars) {
    violations.push_back({url_path, absl::StrCat("at most ", kMaxUrlChars, " characters")});
  } else if (!https && !http) {
    violations.push_back({url_path, "must be an https:// URL"});
  } else if (host.empty()) {
    violations.push_back({url_path, "has no host"});
  } else if (std::optional<std::string> range = RefusedRangeOfLiteral(host);
             !allow_private_networks && range && !range->empty()) {
    violations.push_back(
        {url_path, RefusalMessage(absl::StrCat(host, " is in the refused range ", *range))});
  } else if (http && !IsLoopbackLiteral(host)) {
    violations.push_back({url_path,
                          "must use https:// (http:// only to a literal loopback address: "
                          "localhost, 127.0.0.0/8 or [::1])"});
  } else if (absl::StrContains(rest.substr(0, rest.find_first_of("/?#")), '@')) {
    violations.push_back({url_path, "must not carry user info (credentials) before the host"});
  } else if (std::string port = PortProblem(authority.after_host); !port.empty()) {
    violations.push_back({url_path, std::move(port)});
  } else if (absl::StrContains(url, '#')) {
    violations.push_back({url_path, "must not have a #fragment"});
  } else if (std::any_of(url.begin(), url.end(),
                         [](char c) { return absl::ascii_isspace(c) || absl::ascii_iscntrl(c); })) {
    violations.push_back({url_path, "must not contain spaces or control characters"});
  }
  const std::string types_path = absl::StrCat(prefix, ".event_types");
  if (event_types.empty()) {
    violations.push_back({types_path, "at least one event type is required"});
  }
  for (size_t i = 0; i < event_types.size(); ++i) {
    const std::string path = absl::StrCat(types_path, "[", i, "]");
    if (!IsKnownEventType(event_types[i])) {
      violations.push_back({path, absl::StrCat("unknown event type '", event_types[i],
                                               "'; known: ", absl::StrJoin(kEventTypes, ", "))});
    } else if (std::find(event_types.begin(), event_types.begin() + static_cast<long>(i),
                         event_types[i]) != event_types.begin() + static_cast<long>(i)) {
      violations.push_back({path, absl::StrCat("'", event_types[i], "' is listed twice")});
    }
  }
  return violations;
}

}  // namespace lagom::questionnaire::webhooks
