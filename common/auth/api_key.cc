#include "common/auth/api_key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/request_context.h"
#include "common/status.h"
#include "common/strings.h"

namespace lagom::auth {
namespace {

// Fetched once: OpenSSL 3 would otherwise look the algorithm up on every call.
const EVP_MD* Sha256() {
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return kSha256;
}

constexpr int kSecretBytes = 32;
constexpr size_t kSecretChars = 43;  // base64url of 32 bytes, no padding
constexpr size_t kMaxKeyIdChars = 40;

absl::Status Malformed() {
  // Never echo the key: it may be a real secret pasted into the wrong place.
  return Error(absl::StatusCode::kUnauthenticated, "API_KEY_MALFORMED",
               "API key is malformed: expected 'lgm_<tenant>.<key id>.<secret>' exactly as it "
               "was shown when the key was created");
}

bool IsValidKeyId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxKeyIdChars) return false;
  for (char c : id) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c)) return false;
  }
  return true;
}

bool IsBase64UrlChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_'; }

bool IsValidSecret(absl::string_view secret) {
  if (secret.size() != kSecretChars) return false;
  for (char c : secret) {
    if (!IsBase64UrlChar(c)) return false;
  }
  return true;
}

}  // namespace

ApiKeyParts GenerateApiKey(absl::string_view tenant_id, absl::string_view key_id) {
  unsigned char bytes[kSecretBytes];
  // RAND_bytes only fails when the OS entropy source is broken; issuing a guessable key
  // would be far worse than stopping.
  if (RAND_bytes(bytes, sizeof bytes) != 1) abort();
  std::string secret = absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  OPENSSL_cleanse(bytes, sizeof bytes);
  return ApiKeyParts{std::string(tenant_id), std::string(key_id), std::move(secret)};
}

std::string FormatApiKey(const ApiKeyParts& parts) {
  return absl::StrCat(kApiKeyPrefix, parts.tenant_id, ".", parts.key_id, ".", parts.secret);
}

absl::StatusOr<ApiKeyParts> ParseApiKey(absl::string_view key) {
  if (!absl::ConsumePrefix(&key, kApiKeyPrefix)) return Malformed();
  std::vector<absl::string_view> parts = absl::StrSplit(key, '.');
  if (parts.size() != 3) return Malformed();
  if (!IsValidTenantId(ToStd(parts[0])) || !IsValidKeyId(parts[1]) || !IsValidSecret(parts[2])) {
    return Malformed();
  }
  return ApiKeyParts{std::string(parts[0]), std::string(parts[1]), std::string(parts[2])};
}

std::string HashApiKeySecret(absl::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(secret.data(), secret.size(), digest, &length, Sha256(), nullptr) != 1) {
    abort();  // SHA-256 is always available; failing here means OpenSSL itself is broken.
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

bool SecretsEqual(absl::string_view a, absl::string_view b) {
  // The lengths of hashes are public; only the contents must not leak through timing.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace lagom::auth
