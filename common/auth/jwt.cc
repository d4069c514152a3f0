// JWT verification with libjwt (signatures) and OpenSSL 3 (JWKS keys to PEM). The token's
// header is read BEFORE any verification only to choose the algorithm and key; the algorithm is
// never taken from the token on trust: it must be one we allow, the key is chosen by us, and
// the key's type must match it (RSA for RS256, EC P-256 for ES256), so an RSA public key can
// never end up as an HMAC secret (algorithm confusion).
#include "common/auth/jwt.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/request_context.h"
#include "common/status.h"

namespace lagom::auth {
namespace {

using nlohmann::json;

constexpr absl::Duration kClockSkew = absl::Seconds(30);
// Far above any real token; stops a client from making us base64-decode and parse megabytes.
constexpr size_t kMaxTokenBytes = 16 * 1024;
constexpr int kMinRsaBits = 2048;
constexpr size_t kMinHs256SecretBytes = 32;
constexpr size_t kP256CoordinateBytes = 32;

// ---- OpenSSL ownership -------------------------------------------------------------------

struct OpenSslDeleter {
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <typename T>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter>;

struct JwtDeleter {
  void operator()(jwt_t* p) const { jwt_free(p); }
};

// ---- errors ------------------------------------------------------------------------------

absl::Status Refused(std::string_view reason, std::string_view message) {
  return Error(absl::StatusCode::kUnauthenticated, reason, message);
}

absl::Status ConfigError(absl::string_view file, absl::string_view field,
                         absl::string_view problem) {
  return Error(absl::StatusCode::kInvalidArgument, "CONFIG_INVALID",
               absl::StrCat(file, ": ", field, field.empty() ? "" : ": ", problem));
}

// Token-supplied text shown back in a message: short and printable only.
std::string Shown(absl::string_view s) {
  std::string out;
  for (char c : s.substr(0, 100)) out.push_back(absl::ascii_isprint(c) ? c : '?');
  return absl::StrCat("'", out, s.size() > 100 ? "...'" : "'");
}

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// ---- files and JSON ----------------------------------------------------------------------

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(absl::StatusCode::kInvalidArgument, "CONFIG_INVALID",
                 absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<json> ReadJsonFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  try {
    return json::parse(*text);
  } catch (const json::parse_error& e) {
    return ConfigError(path, "", absl::StrCat("not valid JSON: ", e.what()));
  }
}

// The string member `name` of `object`; nullopt when absent; an error when not a string.
absl::StatusOr<std::optional<std::string>> OptionalString(const json& object,
                                                          absl::string_view name,
                                                          absl::string_view file,
                                                          absl::string_view path) {
  auto it = object.find(std::string(name));
  if (it == object.end()) return std::optional<std::string>();
  if (!it->is_string()) {
    return ConfigError(file, absl::StrCat(path, ".", name), "must be a string");
  }
  return std::optional<std::string>(it->get<std::string>());
}

absl::StatusOr<std::string> RequiredString(const json& object, absl::string_view name,
                                           absl::string_view file, absl::string_view path) {
  absl::StatusOr<std::optional<std::string>> value = OptionalString(object, name, file, path);
  if (!value.ok()) return value.status();
  if (!value->has_value() || (*value)->empty()) {
    return ConfigError(file, absl::StrCat(path, ".", name), "required, a non-empty string");
  }
  return **value;
}

// ---- JWKS --------------------------------------------------------------------------------

enum class KeyType { kRsa, kEc };

absl::string_view KeyTypeName(KeyType type) { return type == KeyType::kRsa ? "RSA" : "EC"; }

struct PublicKey {
  std::string kid;  // may be empty
  KeyType type;
  std::string pem;  // SubjectPublicKeyInfo, what libjwt verifies with
};

absl::StatusOr<std::string> Base64UrlField(const json& key, absl::string_view name,
                                           absl::string_view file, absl::string_view path) {
  absl::StatusOr<std::string> text = RequiredString(key, name, file, path);
  if (!text.ok()) return text.status();
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(*text, &bytes) || bytes.empty()) {
    return ConfigError(file, absl::StrCat(path, ".", name), "not base64url");
  }
  return bytes;
}

absl::StatusOr<std::string> ToPem(OpenSslPtr<EVP_PKEY> pkey) {
  OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) {
    return absl::InternalError("OpenSSL could not write a public key as PEM");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// Builds a public key from OpenSSL 3 parameters.
absl::StatusOr<OpenSslPtr<EVP_PKEY>> KeyFromParams(const char* algorithm, OSSL_PARAM_BLD* bld) {
  OpenSslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  OpenSslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return absl::InvalidArgumentError("not a valid public key");
  }
  return OpenSslPtr<EVP_PKEY>(raw);
}

bool IsValidPublicKey(EVP_PKEY* pkey) {
  OpenSslPtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  return check && EVP_PKEY_public_check(check.get()) == 1;
}

absl::StatusOr<std::string> RsaPem(const json& key, absl::string_view file,
                                   absl::string_view path) {
  absl::StatusOr<std::string> n = Base64UrlField(key, "n", file, path);
  if (!n.ok()) return n.status();
  absl::StatusOr<std::string> e = Base64UrlField(key, "e", file, path);
  if (!e.ok()) return e.status();
  auto bn = [](const std::string& bytes) {
    return OpenSslPtr<BIGNUM>(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                        static_cast<int>(bytes.size()), nullptr));
  };
  OpenSslPtr<BIGNUM> bn_n = bn(*n), bn_e = bn(*e);
  OpenSslPtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return absl::InternalError("OpenSSL could not build an RSA key");
  }
  absl::StatusOr<OpenSslPtr<EVP_PKEY>> pkey = KeyFromParams("RSA", bld.get());
  if (pkey.ok() && EVP_PKEY_get_bits(pkey->get()) < kMinRsaBits) {
    return ConfigError(file, absl::StrCat(path, ".n"),
                       absl::StrCat("RSA key has ", EVP_PKEY_get_bits(pkey->get()),
                                    " bits; at least ", kMinRsaBits, " are required"));
  }
  if (!pkey.ok() || !IsValidPublicKey(pkey->get())) {
    return ConfigError(file, path, "n and e are not a valid RSA public key");
  }
  return ToPem(*std::move(pkey));
}

absl::StatusOr<std::string> EcP256Pem(const json& key, absl::string_view file,
                                      absl::string_view path) {
  absl::StatusOr<std::string> x = Base64UrlField(key, "x", file, path);
  if (!x.ok()) return x.status();
  absl::StatusOr<std::string> y = Base64UrlField(key, "y", file, path);
  if (!y.ok()) return y.status();
  if (x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
    return ConfigError(file, path, "P-256 coordinates x and y must be 32 bytes each");
  }
  // Uncompressed point encoding (SEC 1): 0x04 || x || y.
  std::string point = absl::StrCat("\x04", *x, *y);
  OpenSslPtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return absl::InternalError("OpenSSL could not build an EC key");
  }
  absl::StatusOr<OpenSslPtr<EVP_PKEY>> pkey = KeyFromParams("EC", bld.get());
  if (!pkey.ok() || !IsValidPublicKey(pkey->get()))
    return ConfigError(file, path, "x and y are not a point on P-256");
  return ToPem(*std::move(pkey));
}

// The RSA and EC P-256 signing keys of a JWKS file. Keys of other types, curves or uses
// (encryption keys, Ed25519, P-384) are skipped: an identity provider may publish them, and
// they cannot verify RS256 or ES256 anyway.
absl::StatusOr<std::vector<PublicKey>> LoadJwks(const std::string& file) {
  absl::StatusOr<json> doc = ReadJsonFile(file);
  if (!doc.ok()) return doc.status();
  if (!doc->is_object() || !doc->contains("keys") || !(*doc)["keys"].is_array()) {
    return ConfigError(file, "keys", "required: a JSON Web Key Set {\"keys\": [...]}");
  }
  std::vector<PublicKey> keys;
  std::set<std::string> kids;
  const json& entries = (*doc)["keys"];
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string path = absl::StrCat("keys[", i, "]");
    const json& key = entries[i];
    if (!key.is_object()) return ConfigError(file, path, "must be an object");
    absl::StatusOr<std::string> kty = RequiredString(key, "kty", file, path);
    if (!kty.ok()) return kty.status();
    absl::StatusOr<std::optional<std::string>> kid = OptionalString(key, "kid", file, path);
    if (!kid.ok()) return kid.status();
    absl::StatusOr<std::optional<std::string>> use = OptionalString(key, "use", file, path);
    if (!use.ok()) return use.status();
    absl::StatusOr<std::optional<std::string>> alg = OptionalString(key, "alg", file, path);
    if (!alg.ok()) return alg.status();
    if (use->has_value() && **use != "sig") continue;

    PublicKey out{kid->value_or(""), KeyType::kRsa, ""};
    absl::StatusOr<std::string> pem;
    if (*kty == "RSA") {
      if (alg->has_value() && **alg != "RS256") continue;
      pem = RsaPem(key, file, path);
    } else if (*kty == "EC") {
      absl::StatusOr<std::string> crv = RequiredString(key, "crv", file, path);
      if (!crv.ok()) return crv.status();
      if (*crv != "P-256" || (alg->has_value() && **alg != "ES256")) continue;
      out.type = KeyType::kEc;
      pem = EcP256Pem(key, file, path);
    } else {
      continue;
    }
    if (!pem.ok()) return pem.status();
    out.pem = *std::move(pem);
    if (!out.kid.empty() && !kids.insert(out.kid).second) {
      return ConfigError(file, absl::StrCat(path, ".kid"),
                         absl::StrCat("duplicate kid ", Shown(out.kid)));
    }
    keys.push_back(std::move(out));
  }
  if (keys.empty()) {
    return ConfigError(file, "keys", "no RSA or EC P-256 signing key (RS256 / ES256) in the set");
  }
  return keys;
}

// ---- issuers config ----------------------------------------------------------------------

absl::StatusOr<JwtIssuer> ParseIssuer(const json& entry, const std::string& file,
                                      const std::string& path) {
  static const std::set<std::string> kFields = {"issuer", "audience", "tenant_id", "jwks_file",
                                                "hs256_secret"};
  if (!entry.is_object()) return ConfigError(file, path, "must be an object");
  for (const auto& [name, value] : entry.items()) {
    if (!kFields.contains(name)) {
      return ConfigError(
          file, absl::StrCat(path, ".", name),
          absl::StrCat("unknown field; expected one of ", absl::StrJoin(kFields, ", ")));
    }
  }
  JwtIssuer issuer;
  absl::StatusOr<std::string> s = RequiredString(entry, "issuer", file, path);
  if (!s.ok()) return s.status();
  issuer.issuer = *std::move(s);
  s = RequiredString(entry, "audience", file, path);
  if (!s.ok()) return s.status();
  issuer.audience = *std::move(s);
  s = RequiredString(entry, "tenant_id", file, path);
  if (!s.ok()) return s.status();
  if (!IsValidTenantId(*s)) {
    return ConfigError(file, absl::StrCat(path, ".tenant_id"),
                       absl::StrCat(Shown(*s), " does not match ", kTenantIdPattern));
  }
  issuer.tenant_id = *std::move(s);
  absl::StatusOr<std::optional<std::string>> opt = OptionalString(entry, "jwks_file", file, path);
  if (!opt.ok()) return opt.status();
  if (opt->has_value() && !(*opt)->empty()) {
    std::filesystem::path jwks(**opt);
    if (jwks.is_relative()) jwks = std::filesystem::path(file).parent_path() / jwks;
    issuer.jwks_file = jwks.string();
  }
  opt = OptionalString(entry, "hs256_secret", file, path);
  if (!opt.ok()) return opt.status();
  issuer.hs256_secret = opt->value_or("");
  if (!issuer.hs256_secret.empty() && issuer.hs256_secret.size() < kMinHs256SecretBytes) {
    return ConfigError(file, absl::StrCat(path, ".hs256_secret"),
                       absl::StrCat("at least ", kMinHs256SecretBytes, " bytes"));
  }
  if (issuer.jwks_file.empty() && issuer.hs256_secret.empty()) {
    return ConfigError(file, absl::StrCat(path, ".jwks_file"),
                       "required (the issuer's public keys); hs256_secret only for development");
  }
  return issuer;
}

// ---- verification ------------------------------------------------------------------------

struct LoadedIssuer {
  JwtIssuer config;
  std::vector<PublicKey> keys;
};

// A base64url JSON object (a token's header or payload), nullopt if it is not one.
std::optional<json> DecodeJsonObject(absl::string_view part) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(part, &text)) return std::nullopt;
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

const std::string* StringMember(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

// NumericDate claim (seconds since the epoch, integer or not); nullopt when absent.
absl::StatusOr<std::optional<absl::Time>> TimeClaim(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<absl::Time>();
  if (!it->is_number()) {
    return Refused("JWT_MALFORMED", absl::StrCat("JWT claim '", name, "' is not a number"));
  }
  return std::optional<absl::Time>(absl::UnixEpoch() + absl::Seconds(it->get<double>()));
}

bool AudienceContains(const json& claims, const std::string& audience) {
  auto it = claims.find("aud");
  if (it == claims.end()) return false;
  if (it->is_string()) return it->get_ref<const std::string&>() == audience;
  if (!it->is_array()) return false;
  for (const json& a : *it) {
    if (a.is_string() && a.get_ref<const std::string&>() == audience) return true;
  }
  return false;
}

class LibJwtVerifier final : public JwtVerifier {
 public:
  explicit LibJwtVerifier(std::vector<LoadedIssuer> issuers) : issuers_(std::move(issuers)) {}

  absl::StatusOr<VerifiedJwt> Verify(absl::string_view token, absl::Time now) const override {
    if (token.size() > kMaxTokenBytes) {
      return Refused("JWT_MALFORMED",
                     absl::StrCat("JWT is longer than ", kMaxTokenBytes, " bytes"));
    }
    std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
    if (parts.size() != 3) {
      return Refused("JWT_MALFORMED", "not a JWT: expected three base64url parts joined by '.'");
    }
    // Read without verification, only to decide how to verify.
    std::optional<json> header = DecodeJsonObject(parts[0]);
    std::optional<json> claims = DecodeJsonObject(parts[1]);
    if (!header || !claims) {
      return Refused("JWT_MALFORMED", "JWT header or payload is not base64url-encoded JSON");
    }
    absl::StatusOr<const LoadedIssuer*> issuer = CheckHeaderAndFindIssuer(*header, *claims);
    if (!issuer.ok()) return issuer.status();
    const std::string alg = *StringMember(*header, "alg");

    absl::StatusOr<std::string> key = ChooseKey(**issuer, alg, *header);
    if (!key.ok()) return key.status();
    absl::Status signature = CheckSignature(token, alg, *key, (*issuer)->config.issuer);
    if (!signature.ok()) return signature;
    // The signature covers exactly the header and payload parsed above, so from here on
    // `claims` are the issuer's.
    return CheckClaims(**issuer, *claims, now);
  }

 private:
  absl::StatusOr<const LoadedIssuer*> CheckHeaderAndFindIssuer(const json& header,
                                                               const json& claims) const {
    const std::string* alg = StringMember(header, "alg");
    if (alg == nullptr) return Refused("JWT_MALFORMED", "JWT header has no 'alg'");
    if (*alg != "RS256" && *alg != "ES256" && *alg != "HS256") {
      return Refused("JWT_ALGORITHM_REFUSED",
                     absl::StrCat("JWT algorithm ", Shown(*alg),
                                  " is refused: tokens must be signed with RS256 or ES256"));
    }
    if (header.contains("kid") && !header["kid"].is_string()) {
      return Refused("JWT_MALFORMED", "JWT header 'kid' is not a string");
    }
    // libjwt only accepts typ "JWT"; say so rather than report a bad signature.
    if (const std::string* typ = StringMember(header, "typ");
        typ != nullptr && !absl::EqualsIgnoreCase(*typ, "JWT")) {
      return Refused("JWT_MALFORMED",
                     absl::StrCat("JWT header typ ", Shown(*typ), " is not supported; use 'JWT'"));
    }
    // No extension is understood, so a token that makes one critical must be refused (RFC 7515).
    if (header.contains("crit")) {
      return Refused("JWT_MALFORMED", "JWT header 'crit' extensions are not supported");
    }
    const std::string* iss = StringMember(claims, "iss");
    if (iss == nullptr) {
      return Refused("JWT_ISSUER_UNKNOWN", "JWT has no 'iss' claim naming its issuer");
    }
    // One identity provider may serve several tenants, each with its own audience.
    const LoadedIssuer* match = nullptr;
    for (const LoadedIssuer& candidate : issuers_) {
      if (candidate.config.issuer != *iss) continue;
      if (match == nullptr) match = &candidate;
      if (AudienceContains(claims, candidate.config.audience)) return &candidate;
    }
    if (match == nullptr) {
      return Refused("JWT_ISSUER_UNKNOWN",
                     absl::StrCat("JWT issuer ", Shown(*iss),
                                  " is not a configured identity provider of any tenant"));
    }
    return match;  // the audience check will refuse it, after the signature check
  }

  static absl::StatusOr<std::string> ChooseKey(const LoadedIssuer& issuer, const std::string& alg,
                                               const json& header) {
    const std::string& name = issuer.config.issuer;
    if (alg == "HS256") {
      if (issuer.config.hs256_secret.empty()) {
        return Refused("JWT_ALGORITHM_REFUSED",
                       absl::StrCat("HS256 is not enabled for issuer ", Shown(name),
                                    "; tokens must be signed with RS256 or ES256"));
      }
      return issuer.config.hs256_secret;
    }
    const KeyType wanted = alg == "RS256" ? KeyType::kRsa : KeyType::kEc;
    if (const std::string* kid = StringMember(header, "kid")) {
      for (const PublicKey& key : issuer.keys) {
        if (key.kid != *kid) continue;
        if (key.type != wanted) {
          return Refused("JWT_ALGORITHM_REFUSED",
                         absl::StrCat("JWT says ", alg, " but key ", Shown(*kid), " of issuer ",
                                      Shown(name), " is an ", KeyTypeName(key.type), " key"));
        }
        return key.pem;
      }
      return Refused(
          "JWT_SIGNATURE_INVALID",
          absl::StrCat("no key with kid ", Shown(*kid), " in the JWKS of issuer ", Shown(name),
                       "; if the issuer rotated its keys, update the file"));
    }
    const PublicKey* only = nullptr;
    int count = 0;
    for (const PublicKey& key : issuer.keys) {
      if (key.type == wanted) {
        only = &key;
        ++count;
      }
    }
    if (count == 0) {
      return Refused("JWT_ALGORITHM_REFUSED", absl::StrCat("issuer ", Shown(name), " has no ",
                                                           KeyTypeName(wanted), " key for ", alg));
    }
    if (count > 1) {
      return Refused("JWT_SIGNATURE_INVALID",
                     absl::StrCat("JWT has no 'kid' and issuer ", Shown(name), " has several ",
                                  KeyTypeName(wanted), " keys"));
    }
    return only->pem;
  }

  static absl::Status CheckSignature(absl::string_view token, const std::string& alg,
                                     const std::string& key, const std::string& issuer) {
    // Never pass a null or empty key: libjwt then skips the signature check altogether (and
    // reports alg "none", which the check below would also catch).
    if (key.empty()) {
      return Refused("JWT_SIGNATURE_INVALID",
                     absl::StrCat("issuer ", Shown(issuer), " has no key for this token"));
    }
    const std::string nul_terminated(token);
    jwt_t* raw = nullptr;
    const int rc =
        jwt_decode(&raw, nul_terminated.c_str(), reinterpret_cast<const unsigned char*>(key.data()),
                   static_cast<int>(key.size()));
    std::unique_ptr<jwt_t, JwtDeleter> decoded(raw);
    if (rc != 0 || decoded == nullptr) {
      return Refused(
          "JWT_SIGNATURE_INVALID",
          absl::StrCat("JWT signature does not verify with the keys of issuer ", Shown(issuer)));
    }
    if (jwt_get_alg(decoded.get()) != jwt_str_alg(alg.c_str())) {
      return Refused("JWT_ALGORITHM_REFUSED", "JWT algorithm changed during verification");
    }
    return absl::OkStatus();
  }

  static absl::StatusOr<VerifiedJwt> CheckClaims(const LoadedIssuer& issuer, const json& claims,
                                                 absl::Time now) {
    if (!AudienceContains(claims, issuer.config.audience)) {
      return Refused("JWT_AUDIENCE_MISMATCH",
                     absl::StrCat("JWT 'aud' does not include ", Shown(issuer.config.audience),
                                  "; request a token for that audience"));
    }
    absl::StatusOr<std::optional<absl::Time>> exp = TimeClaim(claims, "exp");
    if (!exp.ok()) return exp.status();
    if (!exp->has_value()) {
      return Refused("JWT_MALFORMED", "JWT has no 'exp' claim; only expiring tokens are accepted");
    }
    if (**exp <= now - kClockSkew) {
      return Refused("JWT_EXPIRED", absl::StrCat("JWT expired at ", FormatUtc(**exp),
                                                 "; get a new token from your identity provider"));
    }
    absl::StatusOr<std::optional<absl::Time>> nbf = TimeClaim(claims, "nbf");
    if (!nbf.ok()) return nbf.status();
    if (nbf->has_value() && **nbf > now + kClockSkew) {
      return Refused("JWT_NOT_YET_VALID",
                     absl::StrCat("JWT is not valid before ", FormatUtc(**nbf),
                                  "; check the clocks of the client and the identity provider"));
    }
    const std::string* sub = StringMember(claims, "sub");
    if (sub == nullptr || sub->empty()) {
      return Refused("JWT_MALFORMED", "JWT has no 'sub' claim naming the user");
    }
    return VerifiedJwt{issuer.config.tenant_id, issuer.config.issuer, *sub};
  }

  const std::vector<LoadedIssuer> issuers_;
};

}  // namespace

absl::StatusOr<std::vector<JwtIssuer>> LoadJwtIssuers(const std::string& config_file) {
  absl::StatusOr<json> doc = ReadJsonFile(config_file);
  if (!doc.ok()) return doc.status();
  if (!doc->is_object() || !doc->contains("issuers") || !(*doc)["issuers"].is_array()) {
    return ConfigError(config_file, "issuers", "required: an array of issuer objects");
  }
  std::vector<JwtIssuer> issuers;
  const json& entries = (*doc)["issuers"];
  for (size_t i = 0; i < entries.size(); ++i) {
    absl::StatusOr<JwtIssuer> issuer =
        ParseIssuer(entries[i], config_file, absl::StrCat("issuers[", i, "]"));
    if (!issuer.ok()) return issuer.status();
    issuers.push_back(*std::move(issuer));
  }
  return issuers;
}

absl::StatusOr<std::unique_ptr<JwtVerifier>> MakeJwtVerifier(std::vector<JwtIssuer> issuers) {
  std::vector<LoadedIssuer> loaded;
  std::set<std::pair<std::string, std::string>> seen;
  for (JwtIssuer& issuer : issuers) {
    const std::string name = absl::StrCat("JWT issuer ", Shown(issuer.issuer));
    if (issuer.issuer.empty() || issuer.audience.empty() || !IsValidTenantId(issuer.tenant_id)) {
      return ConfigError(name, "", "needs an issuer, an audience and a valid tenant_id");
    }
    if (!seen.emplace(issuer.issuer, issuer.audience).second) {
      return ConfigError(name, "audience",
                         absl::StrCat(Shown(issuer.audience), " is configured twice"));
    }
    if (!issuer.hs256_secret.empty() && issuer.hs256_secret.size() < kMinHs256SecretBytes) {
      return ConfigError(name, "hs256_secret",
                         absl::StrCat("at least ", kMinHs256SecretBytes, " bytes"));
    }
    LoadedIssuer out{std::move(issuer), {}};
    if (!out.config.jwks_file.empty()) {
      absl::StatusOr<std::vector<PublicKey>> keys = LoadJwks(out.config.jwks_file);
      if (!keys.ok()) return keys.status();
      out.keys = *std::move(keys);
    } else if (out.config.hs256_secret.empty()) {
      return ConfigError(name, "jwks_file", "required (the issuer's public keys)");
    }
    loaded.push_back(std::move(out));
  }
  return std::make_unique<LibJwtVerifier>(std::move(loaded));
}

}  // namespace lagom::auth
