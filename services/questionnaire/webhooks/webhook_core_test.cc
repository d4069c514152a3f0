#include "services/questionnaire/webhooks/webhook_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace lagom::questionnaire::webhooks {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kBody[] = R"({"type":"session.closed"})";

TEST(HmacSha256HexTest, MatchesKnownVectors) {
  // Computed independently:
  //   printf '%s' 'The quick brown fox jumps over the lazy dog' | openssl dgst -sha256 -hmac key
  EXPECT_EQ(HmacSha256Hex("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

TEST(SignatureHeaderValueTest, SignsTimestampDotBody) {
  // printf '%s' '1700000000.{"type":"session.closed"}' | openssl dgst -sha256 -hmac whsec_test
  EXPECT_EQ(SignatureHeaderValue("whsec_test", absl::FromUnixSeconds(1700000000), kBody),
            "t=1700000000,v1=f3600c03315d5a70791069a19292578a4ddbc672494b912e357e700be6e8aa1c");
}

TEST(VerifySignatureTest, AcceptsOwnSignatureWithinTolerance) {
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  const std::string header = SignatureHeaderValue("whsec_test", t, kBody);
  EXPECT_TRUE(VerifySignature("whsec_test", header, kBody, t + absl::Minutes(4)).ok());
  // A second v1 (e.g. during a secret rotation) is allowed; one match is enough.
  EXPECT_TRUE(VerifySignature("whsec_test", absl::StrCat("v1=00,", header), kBody, t).ok());
}

TEST(VerifySignatureTest, RejectsTamperingReplayAndWrongSecret) {
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  const std::string header = SignatureHeaderValue("whsec_test", t, kBody);
  absl::Status tampered = VerifySignature("whsec_test", header, R"({"type":"session.opened"})", t);
  EXPECT_EQ(tampered.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(tampered.message(), HasSubstr("no v1 signature matches"));
  EXPECT_FALSE(VerifySignature("whsec_other", header, kBody, t).ok());
  absl::Status replayed = VerifySignature("whsec_test", header, kBody, t + absl::Minutes(6));
  EXPECT_THAT(replayed.message(), HasSubstr("tolerance"));
  // The timestamp is signed: moving it breaks the signature.
  std::string moved = header;
  moved.replace(2, 10, "1700000001");
  EXPECT_FALSE(VerifySignature("whsec_test", moved, kBody, t).ok());
  EXPECT_THAT(VerifySignature("whsec_test", "v1=abc", kBody, t).message(), HasSubstr("no t="));
  EXPECT_THAT(VerifySignature("whsec_test", "t=1700000000", kBody, t).message(),
              HasSubstr("no v1="));
}

TEST(RetryDelayTest, StartsAtTenSecondsDoublesAndCapsAtOneHour) {
  EXPECT_EQ(RetryDelay(1), absl::Seconds(10));
  EXPECT_EQ(RetryDelay(2), absl::Seconds(20));
  EXPECT_EQ(RetryDelay(3), absl::Seconds(40));
  EXPECT_EQ(RetryDelay(9), absl::Seconds(2560));
  EXPECT_EQ(RetryDelay(10), absl::Hours(1));  // 5120 s capped
  EXPECT_EQ(RetryDelay(1000), absl::Hours(1));
}

TEST(NextAttemptTimeTest, MakesAtMostTheAttemptsOfTwentyFourHours) {
  EXPECT_EQ(MaxAttempts(), 32);  // 10 s doubling to 2560 s (9 retries), then 22 hourly
  const absl::Time created = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(NextAttemptTime(31, created, created + absl::Minutes(1)), created + absl::Minutes(61));
  EXPECT_EQ(NextAttemptTime(32, created, created + absl::Minutes(1)), std::nullopt);
}

TEST(NextAttemptTimeTest, AnEventTimeFarAheadOfTheClockStillEndsWithinADay) {
  const absl::Time start = absl::FromUnixSeconds(1700000000);
  const absl::Time far_ahead = absl::FromCivil(absl::CivilSecond(3000, 1, 1), absl::UTCTimeZone());
  absl::Time now = start;
  int attempts = 1;
  for (; attempts <= 1000; ++attempts) {
    std::optional<absl::Time> next = NextAttemptTime(attempts, far_ahead, now);
    if (!next) break;
    now = *next;
  }
  EXPECT_EQ(attempts, MaxAttempts());
  EXPECT_LE(now - start, kGiveUpAfter);
}

TEST(NextAttemptTimeTest, GivesUpPastTwentyFourHours) {
  const absl::Time created = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(NextAttemptTime(1, created, created), created + absl::Seconds(10));
  const absl::Time late = created + absl::Hours(23) + absl::Minutes(30);
  EXPECT_EQ(NextAttemptTime(20, created, late), std::nullopt);
  EXPECT_EQ(NextAttemptTime(20, created, created + absl::Hours(23)), created + absl::Hours(24));
}

TEST(IsDeliveredTest, OnlyTwoHundreds) {
  EXPECT_TRUE(IsDelivered(200));
  EXPECT_TRUE(IsDelivered(204));
  EXPECT_FALSE(IsDelivered(301));
  EXPECT_FALSE(IsDelivered(500));
  EXPECT_FALSE(IsDelivered(0));  // no response at all
}

TEST(GenerateSecretTest, PrefixedAndDifferentEachTime) {
  const std::string a = GenerateSecret();
  EXPECT_THAT(a, StartsWith("whsec_"));
  EXPECT_EQ(a.size(), 6u + 43u);
  EXPECT_NE(a, GenerateSecret());
}

TEST(ValidateEndpointTest, AcceptsHttpsAndLoopbackHttpWhenPrivateNetworksAreAllowed) {
  EXPECT_THAT(ValidateEndpoint("webhook", "https://itsm.example.com/hooks/lagom?x=1",
                               {"session.closed", "scorecard.ready"}),
              IsEmpty());
  EXPECT_THAT(ValidateEndpoint("webhook", "https://8.8.8.8/hook", {"session.closed"}), IsEmpty());
  EXPECT_THAT(ValidateEndpoint("webhook", "http://127.0.0.1:8080/hook", {"session.opened"}, true),
              IsEmpty());
  EXPECT_THAT(ValidateEndpoint("webhook", "http://localhost/hook", {"improvement.proposed"}, true),
              IsEmpty());
  EXPECT_THAT(ValidateEndpoint("webhook", "http://[::1]:9/h", {"session.opened"}, true), IsEmpty());
  EXPECT_THAT(ValidateEndpoint("webhook", "https://10.0.0.1/h", {"session.opened"}, true),
              IsEmpty());
}

TEST(ValidateEndpointTest, RefusesLiteralPrivateAddressesByDefault) {
  for (const char* url :
       {"http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9/h",
        "https://10.0.0.1/h", "https://172.20.1.1/h", "https://192.168.0.10:8443/h",
        "https://169.254.169.254/latest/meta-data/", "https://100.64.1.1/h", "https://0.0.0.0/h",
        "https://[fd12::1]/h", "https://[fe80::1]/h", "https://2130706433/h"}) {
    std::vector<FieldViolation> v = ValidateEndpoint("webhook", url, {"session.closed"});
    ASSERT_EQ(v.size(), 1u) << url;
    EXPECT_EQ(v[0].field, "webhook.url");
    EXPECT_THAT(v[0].description, HasSubstr("refused range")) << url;
    EXPECT_THAT(v[0].description, HasSubstr("--webhook_allow_private_networks")) << url;
  }
}

std::string OnlyUrlViolation(absl::string_view url) {
  std::vector<FieldViolation> v = ValidateEndpoint("webhook", url, {"session.closed"});
  if (v.size() != 1 || v[0].field != "webhook.url") return "expected one webhook.url violation";
  return v[0].description;
}

TEST(ValidateEndpointTest, RejectsBadUrlsNamingTheField) {
  EXPECT_EQ(OnlyUrlViolation(""), "required");
  EXPECT_THAT(OnlyUrlViolation("http://itsm.example.com/hook"), HasSubstr("must use https://"));
  // A host that merely starts like localhost is not loopback.
  EXPECT_THAT(OnlyUrlViolation("http://localhost.evil.example/"), HasSubstr("must use https://"));
  EXPECT_THAT(OnlyUrlViolation("ftp://example.com/"), HasSubstr("https://"));
  EXPECT_THAT(OnlyUrlViolation("https:///path"), HasSubstr("no host"));
  EXPECT_THAT(OnlyUrlViolation("https://user:pw@example.com/"), HasSubstr("user info"));
  EXPECT_THAT(OnlyUrlViolation("https://example.com/#x"), HasSubstr("fragment"));
  EXPECT_THAT(OnlyUrlViolation("https://example.com/a b"), HasSubstr("spaces"));
}

TEST(ValidateEndpointTest, HttpGoesOnlyToALiteralLoopbackAddress) {
  // Public names that merely start like loopback: payloads would travel unencrypted.
  for (const char* url : {"http://127.attacker.example/hook", "http://127.0.0.1.attacker.example/",
                          "http://localhost.attacker.example:8080/"}) {
    for (bool allow_private_networks : {false, true}) {
      std::vector<FieldViolation> v =
          ValidateEndpoint("webhook", url, {"session.closed"}, allow_private_networks);
      ASSERT_EQ(v.size(), 1u) << url;
      EXPECT_EQ(v[0].field, "webhook.url");
      EXPECT_THAT(v[0].description, HasSubstr("must use https://")) << url;
    }
  }
  // The same names over https are resolved and checked at delivery.
  EXPECT_THAT(ValidateEndpoint("webhook", "https://127.attacker.example/hook", {"session.closed"}),
              IsEmpty());
  EXPECT_THAT(ValidateEndpoint("webhook", "http://127.0.0.2/hook", {"session.closed"}, true),
              IsEmpty());
}

TEST(ValidateEndpointTest, APortMustBeOneTo65535) {
  EXPECT_THAT(ValidateEndpoint("webhook", "https://itsm.example.com:8443/hook", {"session.closed"}),
              IsEmpty());
  EXPECT_THAT(ValidateEndpoint("webhook", "https://itsm.example.com:65535", {"session.closed"}),
              IsEmpty());
  EXPECT_THAT(ValidateEndpoint("webhook", "http://[::1]:8080/h", {"session.closed"}, true),
              IsEmpty());
  EXPECT_EQ(OnlyUrlViolation("https://x.example:99999/"),
            "port '99999' must be a number from 1 to 65535");
  EXPECT_EQ(OnlyUrlViolation("https://x.example:0/"), "port '0' must be a number from 1 to 65535");
  EXPECT_EQ(OnlyUrlViolation("https://x.example:65536?a=1"),
            "port '65536' must be a number from 1 to 65535");
  EXPECT_EQ(OnlyUrlViolation("https://x.example:8o/"),
            "port '8o' must be a number from 1 to 65535");
  EXPECT_EQ(OnlyUrlViolation("https://x.example:/"), "port '' must be a number from 1 to 65535");
  EXPECT_EQ(OnlyUrlViolation("https://x.example:00000000443/"),
            "port '00000000443' must be a number from 1 to 65535");
  EXPECT_EQ(OnlyUrlViolation("https://[2001:db8::1]x/"),
            "must have only a :port between host and path");
}

TEST(ValidateEndpointTest, RejectsEmptyUnknownAndRepeatedEventTypes) {
  EXPECT_THAT(
      ValidateEndpoint("webhook", "https://example.com/", {}),
      ElementsAre(FieldViolation{"webhook.event_types", "at least one event type is required"}));
  std::vector<FieldViolation> v = ValidateEndpoint(
      "webhook", "https://example.com/", {"session.closed", "session.deleted", "session.closed"});
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].field, "webhook.event_types[1]");
  EXPECT_THAT(v[0].description, HasSubstr("unknown event type 'session.deleted'"));
  EXPECT_THAT(v[0].description, HasSubstr("scorecard.ready"));
  EXPECT_EQ(v[1].field, "webhook.event_types[2]");
  EXPECT_THAT(v[1].description, HasSubstr("listed twice"));
}

}  // namespace
}  // namespace lagom::questionnaire::webhooks
