#include "common/auth/api_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"
#include "common/status.h"

namespace lagom::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

TEST(ApiKeyTest, GeneratedKeyFormatsAndParsesBack) {
  ApiKeyParts key = GenerateApiKey("acme", "k1");
  EXPECT_EQ(key.tenant_id, "acme");
  EXPECT_EQ(key.key_id, "k1");
  EXPECT_THAT(key.secret, MatchesRegex("[A-Za-z0-9_-]{43}"));  // 32 bytes, base64url, no '='

  const std::string formatted = FormatApiKey(key);
  EXPECT_EQ(formatted, "lgm_acme.k1." + key.secret);
  absl::StatusOr<ApiKeyParts> parsed = ParseApiKey(formatted);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->tenant_id, "acme");
  EXPECT_EQ(parsed->key_id, "k1");
  EXPECT_EQ(parsed->secret, key.secret);
}

TEST(ApiKeyTest, TenantIdsWithDashesParse) {
  ApiKeyParts key = GenerateApiKey("acme-it-2", "0abc9");
  absl::StatusOr<ApiKeyParts> parsed = ParseApiKey(FormatApiKey(key));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->tenant_id, "acme-it-2");
}

TEST(ApiKeyTest, TwoKeysHaveDifferentSecrets) {
  EXPECT_NE(GenerateApiKey("acme", "k1").secret, GenerateApiKey("acme", "k1").secret);
}

TEST(ApiKeyTest, MalformedKeysAreRefusedWithoutEchoingTheSecret) {
  const std::string secret = GenerateApiKey("acme", "k1").secret;
  const std::string cases[] = {
      "",
      "lgm_",
      "acme.k1." + secret,                                // no prefix
      "LGM_acme.k1." + secret,                            // prefix is case-sensitive
      "lgm_acme.k1",                                      // no secret
      "lgm_acme." + secret,                               // no key id
      "lgm_acme.k1." + secret + ".extra",                 // four parts
      "lgm_Acme.k1." + secret,                            // tenant not lower-case
      "lgm_a.k1." + secret,                               // tenant too short
      "lgm_acme.K1." + secret,                            // key id not lower-case
      "lgm_acme." + std::string(41, 'a') + "." + secret,  // key id too long
      "lgm_acme.k1." + secret.substr(1),                  // secret too short
      "lgm_acme.k1." + secret + "A",                      // secret too long
      "lgm_acme.k1." + secret.substr(1) + "=",            // padding / not base64url
      "lgm_acme.k1." + secret.substr(1) + "+",            // standard base64, not base64url
  };
  for (const std::string& key : cases) {
    absl::StatusOr<ApiKeyParts> parsed = ParseApiKey(key);
    ASSERT_FALSE(parsed.ok()) << key;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kUnauthenticated) << key;
    EXPECT_EQ(ReasonOf(parsed.status()), "API_KEY_MALFORMED") << key;
    EXPECT_THAT(parsed.status().message(), HasSubstr("lgm_<tenant>.<key id>.<secret>"));
    EXPECT_THAT(std::string(parsed.status().message()), Not(HasSubstr(secret.substr(2, 30))));
  }
}

TEST(ApiKeyTest, HashIsLowerHexSha256) {
  EXPECT_EQ(HashApiKeySecret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashApiKeySecret(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ApiKeyTest, SecretsEqualComparesWholeStrings) {
  EXPECT_TRUE(SecretsEqual("", ""));
  EXPECT_TRUE(SecretsEqual(HashApiKeySecret("s"), HashApiKeySecret("s")));
  EXPECT_FALSE(SecretsEqual(HashApiKeySecret("s"), HashApiKeySecret("t")));
  EXPECT_FALSE(SecretsEqual("abc", "abd"));
  EXPECT_FALSE(SecretsEqual("abc", "ab"));  // prefix
  EXPECT_FALSE(SecretsEqual("abc", "abcd"));
  EXPECT_FALSE(SecretsEqual("", "a"));
}

}  // namespace
}  // namespace lagom::auth
