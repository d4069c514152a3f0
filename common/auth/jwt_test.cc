#include "common/auth/jwt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace lagom::auth {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);
constexpr char kIssuer[] = "https://idp.example.com/";
constexpr char kAudience[] = "lagom";
constexpr char kHsSecret[] = "development-only-secret-of-32-bytes!";

// ---- keys --------------------------------------------------------------------------------

struct KeyPair {
  std::shared_ptr<EVP_PKEY> pkey;
  std::string private_pem;
  std::string public_pem;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

KeyPair Describe(EVP_PKEY* raw) {
  KeyPair pair{std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free), "", ""};
  std::unique_ptr<BIO, decltype(&BIO_free)> priv(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(priv.get(), raw, nullptr, nullptr, 0, nullptr, nullptr);
  pair.private_pem = BioText(priv.get());
  std::unique_ptr<BIO, decltype(&BIO_free)> pub(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(pub.get(), raw);
  pair.public_pem = BioText(pub.get());
  return pair;
}

KeyPair NewRsaKey() { return Describe(EVP_RSA_gen(2048)); }
KeyPair NewEcKey() { return Describe(EVP_EC_gen("P-256")); }

std::string B64(const std::string& bytes) { return absl::WebSafeBase64Escape(bytes); }

std::string BnParam(EVP_PKEY* pkey, const char* name, int pad_to = 0) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1) << name;
  std::string bytes(pad_to > 0 ? pad_to : BN_num_bytes(bn), '\0');
  if (pad_to > 0) {
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(bytes.data()), pad_to);
  } else {
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  }
  BN_free(bn);
  return bytes;
}

json RsaJwk(const KeyPair& key, const std::string& kid) {
  return {{"kty", "RSA"},
          {"kid", kid},
          {"use", "sig"},
          {"alg", "RS256"},
          {"n", B64(BnParam(key.pkey.get(), OSSL_PKEY_PARAM_RSA_N))},
          {"e", B64(BnParam(key.pkey.get(), OSSL_PKEY_PARAM_RSA_E))}};
}

json EcJwk(const KeyPair& key, const std::string& kid) {
  return {{"kty", "EC"},
          {"kid", kid},
          {"crv", "P-256"},
          {"x", B64(BnParam(key.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32))},
          {"y", B64(BnParam(key.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
}

// ---- tokens ------------------------------------------------------------------------------

struct Claims {
  std::string iss = kIssuer;
  json aud = kAudience;
  std::string sub = "alice@example.com";
  std::optional<absl::Time> exp = kNow + absl::Minutes(5);
  std::optional<absl::Time> nbf = kNow - absl::Minutes(1);
};

json ClaimsJson(const Claims& c) {
  json out = {{"iss", c.iss}, {"aud", c.aud}};
  if (!c.sub.empty()) out["sub"] = c.sub;
  if (c.exp) out["exp"] = absl::ToUnixSeconds(*c.exp);
  if (c.nbf) out["nbf"] = absl::ToUnixSeconds(*c.nbf);
  return out;
}

// Signed by libjwt, as an identity provider would.
std::string Sign(jwt_alg_t alg, const std::string& key, const std::string& kid, const Claims& c) {
  jwt_t* raw = nullptr;
  EXPECT_EQ(jwt_new(&raw), 0);
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, jwt_free);
  EXPECT_EQ(jwt_add_grants_json(jwt.get(), ClaimsJson(c).dump().c_str()), 0);
  if (!kid.empty()) {
    EXPECT_EQ(jwt_add_header(jwt.get(), "kid", kid.c_str()), 0);
  }
  EXPECT_EQ(jwt_set_alg(jwt.get(), alg, reinterpret_cast<const unsigned char*>(key.data()),
                        static_cast<int>(key.size())),
            0);
  char* token = jwt_encode_str(jwt.get());
  EXPECT_NE(token, nullptr);
  std::string out = token == nullptr ? "" : token;
  free(token);
  return out;
}

// Hand-built, for tokens libjwt refuses to make.
std::string Unsigned(const json& header, const Claims& c, const std::string& signature = "") {
  return absl::StrCat(B64(header.dump()), ".", B64(ClaimsJson(c).dump()), ".", signature);
}

// ---- fixture -----------------------------------------------------------------------------

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new KeyPair(NewRsaKey());
    ec_ = new KeyPair(NewEcKey());
    other_rsa_ = new KeyPair(NewRsaKey());
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
    delete other_rsa_;
  }

  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lagom-jwt-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    WriteFile("keys.json", json{{"keys", {RsaJwk(*rsa_, "rsa-1"), EcJwk(*ec_, "ec-1")}}}.dump());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  JwtIssuer Issuer(std::string tenant = "acme") {
    return JwtIssuer{kIssuer, kAudience, std::move(tenant), (dir_ / "keys.json").string(), ""};
  }

  std::unique_ptr<JwtVerifier> Verifier(std::vector<JwtIssuer> issuers) {
    absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier = MakeJwtVerifier(std::move(issuers));
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    return verifier.ok() ? *std::move(verifier) : nullptr;
  }

  // The reason a token is refused with, or "OK" with the verified tenant and subject.
  std::string Outcome(const JwtVerifier& verifier, const std::string& token) {
    absl::StatusOr<VerifiedJwt> v = verifier.Verify(token, kNow);
    if (v.ok()) return absl::StrCat("OK ", v->tenant_id, " ", v->subject);
    EXPECT_EQ(v.status().code(), absl::StatusCode::kUnauthenticated) << v.status();
    EXPECT_FALSE(v.status().message().empty());
    last_message_ = std::string(v.status().message());
    return ReasonOf(v.status());
  }

  static KeyPair* rsa_;
  static KeyPair* ec_;
  static KeyPair* other_rsa_;
  std::filesystem::path dir_;
  std::string last_message_;
};

KeyPair* JwtTest::rsa_ = nullptr;
KeyPair* JwtTest::ec_ = nullptr;
KeyPair* JwtTest::other_rsa_ = nullptr;

TEST_F(JwtTest, ValidRs256AndEs256TokensPass) {
  auto verifier = Verifier({Issuer()});
  ASSERT_NE(verifier, nullptr);
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", {})),
            "OK acme alice@example.com");
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_ES256, ec_->private_pem, "ec-1", {})),
            "OK acme alice@example.com");
  absl::StatusOr<VerifiedJwt> v =
      verifier->Verify(Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", {}), kNow);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->issuer, kIssuer);
}

TEST_F(JwtTest, WithoutKidTheOnlyKeyOfTheRightTypeIsUsed) {
  auto verifier = Verifier({Issuer()});
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "", {})),
            "OK acme alice@example.com");
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_ES256, ec_->private_pem, "", {})),
            "OK acme alice@example.com");
}

TEST_F(JwtTest, AudienceMayBeAnArray) {
  auto verifier = Verifier({Issuer()});
  Claims c;
  c.aud = json::array({"other", kAudience});
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", c)),
            "OK acme alice@example.com");
}

TEST_F(JwtTest, ExpiredAndNotYetValidTokensAreRefusedWithThirtySecondsOfSkew) {
  auto verifier = Verifier({Issuer()});
  Claims expired;
  expired.exp = kNow - absl::Seconds(31);
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", expired)),
            "JWT_EXPIRED");
  EXPECT_THAT(last_message_, HasSubstr("expired at"));

  Claims just_expired;
  just_expired.exp = kNow - absl::Seconds(20);
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", just_expired)),
            "OK acme alice@example.com");

  Claims early;
  early.nbf = kNow + absl::Seconds(31);
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_ES256, ec_->private_pem, "ec-1", early)),
            "JWT_NOT_YET_VALID");

  Claims almost;
  almost.nbf = kNow + absl::Seconds(20);
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_ES256, ec_->private_pem, "ec-1", almost)),
            "OK acme alice@example.com");
}

TEST_F(JwtTest, TokenWithoutExpiryOrSubjectIsRefused) {
  auto verifier = Verifier({Issuer()});
  Claims no_exp;
  no_exp.exp.reset();
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", no_exp)),
            "JWT_MALFORMED");
  EXPECT_THAT(last_message_, HasSubstr("exp"));
  Claims no_sub;
  no_sub.sub = "";
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", no_sub)),
            "JWT_MALFORMED");
  EXPECT_THAT(last_message_, HasSubstr("sub"));
}

TEST_F(JwtTest, WronglySignedTokensAreRefused) {
  auto verifier = Verifier({Issuer()});
  // Another key, claiming to be the issuer's.
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, other_rsa_->private_pem, "rsa-1", {})),
            "JWT_SIGNATURE_INVALID");
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, other_rsa_->private_pem, "", {})),
            "JWT_SIGNATURE_INVALID");
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_ES256, NewEcKey().private_pem, "ec-1", {})),
            "JWT_SIGNATURE_INVALID");
  // A key the issuer does not publish.
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-9", {})),
            "JWT_SIGNATURE_INVALID");
  EXPECT_THAT(last_message_, HasSubstr("rsa-9"));

  // A valid token whose payload was changed afterwards (sub: mallory).
  std::vector<std::string> parts =
      absl::StrSplit(Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", {}), '.');
  ASSERT_EQ(parts.size(), 3u);
  Claims mallory;
  mallory.sub = "mallory@example.com";
  EXPECT_EQ(Outcome(*verifier,
                    absl::StrCat(parts[0], ".", B64(ClaimsJson(mallory).dump()), ".", parts[2])),
            "JWT_SIGNATURE_INVALID");
  EXPECT_EQ(Outcome(*verifier, absl::StrCat(parts[0], ".", parts[1], ".")),
            "JWT_SIGNATURE_INVALID");
}

TEST_F(JwtTest, WrongAudienceIsRefused) {
  auto verifier = Verifier({Issuer()});
  Claims c;
  c.aud = "someone-else";
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", c)),
            "JWT_AUDIENCE_MISMATCH");
  EXPECT_THAT(last_message_, HasSubstr("'lagom'"));
  c.aud = json::array({"a", "b"});
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", c)),
            "JWT_AUDIENCE_MISMATCH");
  c.aud = nullptr;
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", c)),
            "JWT_AUDIENCE_MISMATCH");
}

TEST_F(JwtTest, UnknownIssuerIsRefused) {
  auto verifier = Verifier({Issuer()});
  Claims c;
  c.iss = "https://evil.example.com/";
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", c)),
            "JWT_ISSUER_UNKNOWN");
  EXPECT_THAT(last_message_, HasSubstr("evil.example.com"));
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  auto verifier = Verifier({Issuer()});
  EXPECT_EQ(Outcome(*verifier, Unsigned({{"alg", "none"}}, {})), "JWT_ALGORITHM_REFUSED");
  EXPECT_THAT(last_message_, HasSubstr("RS256 or ES256"));
  EXPECT_EQ(Outcome(*verifier, Unsigned({{"alg", "None"}, {"typ", "JWT"}}, {})),
            "JWT_ALGORITHM_REFUSED");
  EXPECT_EQ(Outcome(*verifier, Unsigned({{"alg", "none"}, {"kid", "rsa-1"}}, {}, "c2ln")),
            "JWT_ALGORITHM_REFUSED");
  EXPECT_EQ(Outcome(*verifier, Unsigned({{"alg", "RS512"}}, {}, "c2ln")), "JWT_ALGORITHM_REFUSED");
}

TEST_F(JwtTest, Hs256SignedWithTheRsaPublicKeyIsRefused) {
  // The classic confusion attack: the public key (which anyone has) used as an HMAC secret.
  auto verifier = Verifier({Issuer()});
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_HS256, rsa_->public_pem, "rsa-1", {})),
            "JWT_ALGORITHM_REFUSED");
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_HS256, rsa_->public_pem, "", {})),
            "JWT_ALGORITHM_REFUSED");
  // Even where HS256 is enabled, the HMAC key is the configured secret, never a public key.
  JwtIssuer dev = Issuer();
  dev.hs256_secret = kHsSecret;
  auto dev_verifier = Verifier({dev});
  EXPECT_EQ(Outcome(*dev_verifier, Sign(JWT_ALG_HS256, rsa_->public_pem, "rsa-1", {})),
            "JWT_SIGNATURE_INVALID");
}

TEST_F(JwtTest, KeyTypeMustMatchTheAlgorithm) {
  auto verifier = Verifier({Issuer()});
  // ES256 naming the RSA key, RS256 naming the EC key.
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_ES256, ec_->private_pem, "rsa-1", {})),
            "JWT_ALGORITHM_REFUSED");
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "ec-1", {})),
            "JWT_ALGORITHM_REFUSED");
}

TEST_F(JwtTest, Hs256IsAcceptedOnlyForAnIssuerWithASecret) {
  const std::string token = Sign(JWT_ALG_HS256, kHsSecret, "", {});
  auto production = Verifier({Issuer()});
  EXPECT_EQ(Outcome(*production, token), "JWT_ALGORITHM_REFUSED");
  EXPECT_THAT(last_message_, HasSubstr("HS256 is not enabled"));

  JwtIssuer dev = Issuer();
  dev.hs256_secret = kHsSecret;
  auto development = Verifier({dev});
  EXPECT_EQ(Outcome(*development, token), "OK acme alice@example.com");
  EXPECT_EQ(Outcome(*development, Sign(JWT_ALG_HS256, std::string(kHsSecret) + "x", "", {})),
            "JWT_SIGNATURE_INVALID");
  // RS256 still works for that issuer.
  EXPECT_EQ(Outcome(*development, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", {})),
            "OK acme alice@example.com");
}

TEST_F(JwtTest, GarbageIsMalformed) {
  auto verifier = Verifier({Issuer()});
  for (const std::string token : {"", "abc", "a.b", "a.b.c", "!!.??.x", "e30.e30.", "W10.e30."}) {
    EXPECT_EQ(Outcome(*verifier, token), "JWT_MALFORMED") << token;
  }
  EXPECT_EQ(Outcome(*verifier, std::string(20000, 'a') + ".b.c"), "JWT_MALFORMED");
}

TEST_F(JwtTest, OneIssuerServingTwoTenantsIsToldApartByAudience) {
  JwtIssuer acme = Issuer("acme");
  JwtIssuer globex = Issuer("globex");
  globex.audience = "lagom-globex";
  auto verifier = Verifier({acme, globex});
  Claims c;
  c.aud = "lagom-globex";
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", c)),
            "OK globex alice@example.com");
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", {})),
            "OK acme alice@example.com");
}

// ---- configuration -----------------------------------------------------------------------

TEST_F(JwtTest, LoadsIssuersWithJwksPathsRelativeToTheConfig) {
  const std::string config = WriteFile("issuers.json", json{{"issuers",
                                                             {{{"issuer", kIssuer},
                                                               {"audience", kAudience},
                                                               {"tenant_id", "acme"},
                                                               {"jwks_file", "keys.json"}}}}}
                                                           .dump());
  absl::StatusOr<std::vector<JwtIssuer>> issuers = LoadJwtIssuers(config);
  ASSERT_TRUE(issuers.ok()) << issuers.status();
  ASSERT_EQ(issuers->size(), 1u);
  EXPECT_EQ((*issuers)[0].issuer, kIssuer);
  EXPECT_EQ((*issuers)[0].audience, kAudience);
  EXPECT_EQ((*issuers)[0].tenant_id, "acme");
  EXPECT_EQ((*issuers)[0].jwks_file, (dir_ / "keys.json").string());
  EXPECT_EQ((*issuers)[0].hs256_secret, "");
  auto verifier = Verifier(*issuers);
  ASSERT_NE(verifier, nullptr);
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "rsa-1", {})),
            "OK acme alice@example.com");
}

TEST_F(JwtTest, BadConfigNamesTheFileAndField) {
  struct Case {
    std::string text;
    std::string field;
  };
  const json good = {{"issuer", kIssuer},
                     {"audience", kAudience},
                     {"tenant_id", "acme"},
                     {"jwks_file", "keys.json"}};
  auto with = [&](const std::string& key, const json& value) {
    json entry = good;
    if (value.is_null()) {
      entry.erase(key);
    } else {
      entry[key] = value;
    }
    return json{{"issuers", {entry}}}.dump();
  };
  const Case cases[] = {
      {"{not json", "not valid JSON"},
      {"{}", "issuers"},
      {R"({"issuers": {}})", "issuers"},
      {R"({"issuers": [1]})", "issuers[0]"},
      {with("audience", nullptr), "issuers[0].audience"},
      {with("issuer", ""), "issuers[0].issuer"},
      {with("tenant_id", "Not A Tenant"), "issuers[0].tenant_id"},
      {with("tenant_id", 7), "issuers[0].tenant_id"},
      {with("jwks_file", nullptr), "issuers[0].jwks_file"},
      {with("hs256_secret", "short"), "issuers[0].hs256_secret"},
      {with("audiense", "typo"), "issuers[0].audiense"},
  };
  for (const Case& c : cases) {
    const std::string config = WriteFile("bad.json", c.text);
    absl::StatusOr<std::vector<JwtIssuer>> issuers = LoadJwtIssuers(config);
    ASSERT_FALSE(issuers.ok()) << c.text;
    EXPECT_THAT(std::string(issuers.status().message()), HasSubstr(config)) << c.text;
    EXPECT_THAT(std::string(issuers.status().message()), HasSubstr(c.field)) << c.text;
  }
  absl::StatusOr<std::vector<JwtIssuer>> missing = LoadJwtIssuers((dir_ / "nope.json").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr((dir_ / "nope.json").string()));
}

TEST_F(JwtTest, BadJwksFailsAtStartNamingTheFile) {
  json rsa = RsaJwk(*rsa_, "rsa-1");
  json bad_n = rsa;
  bad_n["n"] = "***";
  json small_rsa = rsa;
  small_rsa["n"] = B64(std::string(64, '\x7f'));  // 512 bits
  json ec = EcJwk(*ec_, "ec-1");
  json off_curve = ec;
  off_curve["y"] = B64(std::string(32, '\x01'));
  json short_x = ec;
  short_x["x"] = B64(std::string(31, '\x01'));
  struct Case {
    std::string text;
    std::string says;
  };
  const Case cases[] = {
      {"[", "not valid JSON"},
      {R"({"keys": 1})", "keys"},
      {json{{"keys", json::array()}}.dump(), "no RSA or EC P-256"},
      {json{{"keys", {bad_n}}}.dump(), "keys[0].n"},
      {json{{"keys", {ec, small_rsa}}}.dump(), "keys[1].n"},
      {json{{"keys", {off_curve}}}.dump(), "keys[0]"},
      {json{{"keys", {short_x}}}.dump(), "keys[0]"},
      {json{{"keys", {rsa, RsaJwk(*other_rsa_, "rsa-1")}}}.dump(), "duplicate kid"},
      // Only keys that cannot sign RS256 / ES256.
      {json{{"keys", {{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AA"}}}}}.dump(),
       "no RSA or EC P-256"},
  };
  for (const Case& c : cases) {
    JwtIssuer issuer = Issuer();
    issuer.jwks_file = WriteFile("bad-keys.json", c.text);
    absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier = MakeJwtVerifier({issuer});
    ASSERT_FALSE(verifier.ok()) << c.text;
    EXPECT_THAT(std::string(verifier.status().message()), HasSubstr(issuer.jwks_file)) << c.text;
    EXPECT_THAT(std::string(verifier.status().message()), HasSubstr(c.says)) << verifier.status();
  }
  JwtIssuer missing = Issuer();
  missing.jwks_file = (dir_ / "missing.json").string();
  absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier = MakeJwtVerifier({missing});
  ASSERT_FALSE(verifier.ok());
  EXPECT_THAT(std::string(verifier.status().message()), HasSubstr(missing.jwks_file));
}

TEST_F(JwtTest, JwksKeysForOtherUsesAreSkipped) {
  json enc = RsaJwk(*other_rsa_, "enc-1");
  enc["use"] = "enc";
  WriteFile("keys.json", json{{"keys", {enc, RsaJwk(*rsa_, "rsa-1")}}}.dump());
  auto verifier = Verifier({Issuer()});
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, other_rsa_->private_pem, "enc-1", {})),
            "JWT_SIGNATURE_INVALID");
  EXPECT_EQ(Outcome(*verifier, Sign(JWT_ALG_RS256, rsa_->private_pem, "", {})),
            "OK acme alice@example.com");
}

}  // namespace
}  // namespace lagom::auth
