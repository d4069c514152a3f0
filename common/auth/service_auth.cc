#include "common/auth/service_auth.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/auth/api_key.h"
#include "common/config.h"
#include "common/server_flags.h"
#include "common/strings.h"

ABSL_FLAG(std::string, service_token_file, "",
          "File holding the secret Lagom's services share for calls between them (required)");
ABSL_FLAG(std::string, jwt_issuers_file, "",
          "JSON file of trusted identity providers (issuer, audience, tenant_id, jwks_file); "
          "empty: JWTs are not accepted");
ABSL_FLAG(std::string, questionnaire_addr, "",
          "Questionnaire service HOST:PORT, where API keys and role bindings are looked up "
          "(every service but questionnaire itself)");
ABSL_FLAG(double, rate_limit_per_second, 2000, "Calls per second per tenant (this process)");
ABSL_FLAG(double, rate_limit_burst, 4000, "Burst of calls per tenant above the rate");
ABSL_FLAG(int, max_streams_per_tenant, 1000, "Concurrent server streams per tenant");

namespace lagom::auth {
namespace {

[[noreturn]] void Die(absl::string_view service, const absl::Status& status) {
  DieWithConfigError(ToStd(service), status);
}

template <typename T>
T ValueOrDie(absl::string_view service, absl::StatusOr<T> value) {
  if (!value.ok()) Die(service, value.status());
  return *std::move(value);
}

std::unique_ptr<ServiceAuth> Common(absl::string_view service) {
  auto auth = std::make_unique<ServiceAuth>();
  const std::string token_file = absl::GetFlag(FLAGS_service_token_file);
  if (token_file.empty()) {
    Die(service, absl::InvalidArgumentError(
                     "--service_token_file (or LAGOM_SERVICE_TOKEN_FILE) is required"));
  }
  auth->service_token = ValueOrDie(service, ReadSecretFile(token_file));
  if (auth->service_token.size() < 32) {
    Die(service, absl::InvalidArgumentError(absl::StrCat(
                     token_file, ": the service token must be at least 32 characters")));
  }
  const std::string issuers_file = absl::GetFlag(FLAGS_jwt_issuers_file);
  if (!issuers_file.empty()) {
    auth->jwt =
        ValueOrDie(service, MakeJwtVerifier(ValueOrDie(service, LoadJwtIssuers(issuers_file))));
  }
  RateLimits limits;
  limits.calls_per_second = absl::GetFlag(FLAGS_rate_limit_per_second);
  limits.burst = absl::GetFlag(FLAGS_rate_limit_burst);
  limits.max_streams = absl::GetFlag(FLAGS_max_streams_per_tenant);
  if (limits.calls_per_second <= 0 || limits.burst < 1 || limits.max_streams < 1) {
    Die(service, absl::InvalidArgumentError(
                     "--rate_limit_per_second, --rate_limit_burst and --max_streams_per_tenant "
                     "must be positive"));
  }
  auth->limiter = std::make_unique<RateLimiter>(limits);
  return auth;
}

}  // namespace

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read secret file ", path));
  std::stringstream content;
  content << in.rdbuf();
  std::string secret(absl::StripTrailingAsciiWhitespace(content.str()));
  if (secret.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  return secret;
}

std::unique_ptr<ServiceAuth> LocalServiceAuthOrDie(absl::string_view service,
                                                   ApiKeyVerifier& api_keys,
                                                   SubjectResolver& subjects,
                                                   const std::string& operator_token_file) {
  std::unique_ptr<ServiceAuth> auth = Common(service);
  AuthOptions options;
  options.service_token = auth->service_token;
  if (!operator_token_file.empty()) {
    const std::string token = ValueOrDie(service, ReadSecretFile(operator_token_file));
    if (token.size() < 32) {
      Die(service,
          absl::InvalidArgumentError(absl::StrCat(
              operator_token_file, ": the operator token must be at least 32 characters")));
    }
    options.operator_token_sha256 = HashApiKeySecret(token);
  }
  auth->local_cache = std::make_unique<DirectoryCache>(api_keys, subjects);
  auth->authenticator =
      MakeCredentialAuthenticator(options, auth->jwt.get(), auth->local_cache.get(),
                                  auth->local_cache.get(), /*invites=*/nullptr,
                                  /*standings=*/nullptr);
  auth->guard = std::make_unique<CallGuard>(*auth->authenticator, auth->limiter.get());
  return auth;
}

std::unique_ptr<ServiceAuth> RemoteServiceAuthOrDie(absl::string_view service,
                                                    InviteTokenVerifier* invites) {
  std::unique_ptr<ServiceAuth> auth = Common(service);
  const std::string address = absl::GetFlag(FLAGS_questionnaire_addr);
  if (address.empty()) {
    Die(service, absl::InvalidArgumentError(
                     "--questionnaire_addr (or LAGOM_QUESTIONNAIRE_ADDR) is required: API keys "
                     "are verified by the questionnaire service"));
  }
  auth->directory = std::make_unique<RemoteDirectory>(
      ServiceChannelOrDie(std::string_view(service.data(), service.size()), "questionnaire_addr",
                          address),
      auth->service_token);
  AuthOptions options;
  options.service_token = auth->service_token;
  // Invite tokens are checked against the session service's own records, cached as briefly
  // as API keys are (a revoked token stops working within half a second), and their tenant's
  // standing is asked of the questionnaire service, cached as briefly.
  if (invites != nullptr) {
    auth->local_cache = std::make_unique<DirectoryCache>(*auth->directory, *auth->directory,
                                                         absl::Milliseconds(500), 10000, invites);
  }
  auth->authenticator = MakeCredentialAuthenticator(
      options, auth->jwt.get(), auth->directory.get(), auth->directory.get(),
      invites != nullptr ? auth->local_cache.get() : nullptr, auth->directory.get());
  auth->guard = std::make_unique<CallGuard>(*auth->authenticator, auth->limiter.get());
  return auth;
}

}  // namespace lagom::auth
