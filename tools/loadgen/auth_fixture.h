// The per-call authentication path of a Lagom service, assembled in memory for measuring it
// (loadgen auth-overhead, tools/bench/auth_bench): the real CallGuard, credential
// authenticator, rate limiter and permission table, with an API-key store that does the work
// of a verified, cached key without a network hop.
#ifndef LAGOM_TOOLS_LOADGEN_AUTH_FIXTURE_H_
#define LAGOM_TOOLS_LOADGEN_AUTH_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/authenticator.h"
#include "common/auth/call_guard.h"
#include "common/auth/rate_limiter.h"
#include "common/request_context.h"
#include "lagom/session/v1/session.pb.h"

namespace lagom::loadgen {

inline constexpr char kBenchTenant[] = "bench";
inline constexpr char kBenchParticipant[] = "tenants/bench/sessions/s1/participants/p1";

// API keys checked the way a cache hit is: parse the key, find its record, hash the presented
// secret and compare it in constant time with the stored hash. Thread-safe.
class InMemoryApiKeyVerifier final : public auth::ApiKeyVerifier {
 public:
  // A new key for `principal` (its tenant names the key); returns the formatted key.
  std::string AddKey(absl::string_view key_id, const auth::Principal& principal);

  absl::StatusOr<auth::Principal> VerifyApiKey(absl::string_view api_key) override;

 private:
  struct Record {
    std::string secret_sha256;
    auth::Principal principal;
  };
  absl::Mutex mu_;
  // Keyed by "<tenant>.<key id>".
  absl::flat_hash_map<std::string, Record> keys_ ABSL_GUARDED_BY(mu_);
};

// What a service assembles at start-up, with one PROVIDER_RESPONDENT key in kBenchTenant.
// The rate limit is high enough never to refuse a call, so every call pays for the bucket
// but none is turned away.
class AuthStack final {
 public:
  AuthStack();

  const CallAdmitter& guard() const { return guard_; }
  auth::Authenticator& authenticator() { return *authenticator_; }
  const auth::CallGuard& call_guard() const { return guard_; }
  auth::RateLimiter& limiter() { return limiter_; }
  InMemoryApiKeyVerifier& keys() { return keys_; }
  const std::string& api_key() const { return api_key_; }
  const auth::Principal& principal() const { return principal_; }

 private:
  InMemoryApiKeyVerifier keys_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  auth::RateLimiter limiter_;
  auth::CallGuard guard_;
  auth::Principal principal_;
  std::string api_key_;
};

// Admits every call as AuthStack's principal, checking nothing: the "no authentication"
// side of the comparison. Fills the RequestContext the way CallGuard does.
class AdmitEverything final : public CallAdmitter {
 public:
  absl::StatusOr<RequestContext> Admit(const grpc::ServerContextBase& ctx,
                                       const google::protobuf::Message& request) const override;
};

// A typical answer: a value and a short comment, for the participant kBenchParticipant.
session::v1::SubmitAnswerRequest SampleSubmitAnswer();

}  // namespace lagom::loadgen

#endif  // LAGOM_TOOLS_LOADGEN_AUTH_FIXTURE_H_
