#include "tools/loadgen/auth_fixture.h"

#include "absl/strings/str_cat.h"
#include "common/auth/api_key.h"
#include "common/status.h"

namespace lagom::loadgen {
namespace {

auth::Principal BenchRespondent() {
  auth::Principal p;
  p.set_tenant_id(kBenchTenant);
  p.set_subject("tenants/bench/apiKeys/loadgen");
  p.set_role(auth::v1::PRINCIPAL_ROLE_PROVIDER_RESPONDENT);
  return p;
}

absl::Status InvalidKey() {
  return Error(absl::StatusCode::kUnauthenticated, "API_KEY_INVALID",
               "the API key is unknown or revoked");
}

}  // namespace

std::string InMemoryApiKeyVerifier::AddKey(absl::string_view key_id,
                                           const auth::Principal& principal) {
  const auth::ApiKeyParts parts = auth::GenerateApiKey(principal.tenant_id(), key_id);
  absl::MutexLock lock(&mu_);
  keys_[absl::StrCat(parts.tenant_id, ".", parts.key_id)] =
      Record{auth::HashApiKeySecret(parts.secret), principal};
  return auth::FormatApiKey(parts);
}

absl::StatusOr<auth::Principal> InMemoryApiKeyVerifier::VerifyApiKey(absl::string_view api_key) {
  absl::StatusOr<auth::ApiKeyParts> parts = auth::ParseApiKey(api_key);
  if (!parts.ok()) return parts.status();
  const std::string presented = auth::HashApiKeySecret(parts->secret);
  absl::MutexLock lock(&mu_);
  auto it = keys_.find(absl::StrCat(parts->tenant_id, ".", parts->key_id));
  if (it == keys_.end() || !auth::SecretsEqual(presented, it->second.secret_sha256)) {
    return InvalidKey();
  }
  return it->second.principal;
}

AuthStack::AuthStack()
    : authenticator_(auth::MakeCredentialAuthenticator(auth::AuthOptions{}, /*jwt=*/nullptr, &keys_,
                                                       /*subjects=*/nullptr,
                                                       /*invites=*/nullptr,
                                                       /*standings=*/nullptr)),
      limiter_(auth::RateLimits{.calls_per_second = 1e12, .burst = 1e12, .max_streams = 1000}),
      guard_(*authenticator_, &limiter_),
      principal_(BenchRespondent()),
      api_key_(keys_.AddKey("loadgen", principal_)) {}

absl::StatusOr<RequestContext> AdmitEverything::Admit(const grpc::ServerContextBase& ctx,
                                                      const google::protobuf::Message&) const {
  RequestContext rc;
  rc.tenant_id = kBenchTenant;
  rc.principal = BenchRespondent();
  rc.peer = ctx.peer();
  rc.deadline = DeadlineOf(ctx);
  return rc;
}

session::v1::SubmitAnswerRequest SampleSubmitAnswer() {
  session::v1::SubmitAnswerRequest request;
  request.set_parent(kBenchParticipant);
  request.mutable_answer()->set_item_id("incident-management.1");
  request.mutable_answer()->set_value(3);
  request.mutable_answer()->set_comment("Major incidents have an owner; minor ones wait.");
  request.set_request_id("8d0c4f3e-2b7a-4c1e-9a55-6f1d2e3b4a5c");
  return request;
}

}  // namespace lagom::loadgen
