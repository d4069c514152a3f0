#include "common/auth/authenticator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/auth/api_key.h"
#include "common/auth/permissions.h"
#include "common/status.h"
#include "lagom/session/v1/session.pb.h"

namespace lagom::auth {
namespace {

using ::lagom::auth::v1::CREDENTIAL_KIND_API_KEY;
using ::lagom::auth::v1::CREDENTIAL_KIND_INVITE_TOKEN;
using ::lagom::auth::v1::CREDENTIAL_KIND_JWT;
using ::lagom::auth::v1::CREDENTIAL_KIND_OPERATOR;
using ::lagom::auth::v1::CREDENTIAL_KIND_SERVICE;
using ::lagom::auth::v1::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT;
using ::lagom::auth::v1::PRINCIPAL_ROLE_FACILITATOR;
using ::lagom::auth::v1::PRINCIPAL_ROLE_OPERATOR;
using ::lagom::auth::v1::PRINCIPAL_ROLE_SERVICE;
using ::lagom::auth::v1::PRINCIPAL_ROLE_TENANT_ADMIN;
using ::lagom::auth::v1::PRINCIPAL_ROLE_VIEWER;
using ::testing::HasSubstr;

constexpr char kServiceToken[] = "service-secret-0123456789abcdef";
constexpr char kOperatorToken[] = "operator-secret-0123456789abcdef";
constexpr char kJwt[] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";

Principal MakePrincipal(std::string tenant, std::string subject, Role role) {
  Principal p;
  p.set_tenant_id(std::move(tenant));
  p.set_subject(std::move(subject));
  p.set_role(role);
  return p;
}

class FakeApiKeys final : public ApiKeyVerifier {
 public:
  absl::StatusOr<Principal> VerifyApiKey(absl::string_view api_key) override {
    ++calls;
    auto it = keys.find(std::string(api_key));
    if (it == keys.end()) {
      return Error(absl::StatusCode::kUnauthenticated, "API_KEY_REVOKED", "key revoked");
    }
    return it->second;
  }
  std::map<std::string, Principal> keys;
  int calls = 0;
};

class FakeSubjects final : public SubjectResolver {
 public:
  absl::StatusOr<Principal> ResolveSubject(absl::string_view tenant_id,
                                           absl::string_view subject) override {
    auto it = roles.find(absl::StrCat(tenant_id, "/", subject));
    if (it == roles.end()) {
      return Error(absl::StatusCode::kUnauthenticated, "SUBJECT_UNKNOWN", "no role binding");
    }
    return MakePrincipal(std::string(tenant_id), std::string(subject), it->second);
  }
  std::map<std::string, Role> roles;
};

class FakeInvites final : public InviteTokenVerifier {
 public:
  absl::StatusOr<Principal> VerifyInviteToken(absl::string_view token) override {
    if (token != "invite-ok") {
      return Error(absl::StatusCode::kUnauthenticated, "INVITE_TOKEN_INVALID", "expired");
    }
    Principal p = MakePrincipal("acme", "tenants/acme/sessions/s1/participants/p1",
                                PRINCIPAL_ROLE_CUSTOMER_RESPONDENT);
    p.set_session("tenants/acme/sessions/s1");
    p.set_participant("tenants/acme/sessions/s1/participants/p1");
    return p;
  }
};

class FakeStandings final : public TenantStandings {
 public:
  absl::StatusOr<TenantStanding> StandingOf(absl::string_view tenant_id) override {
    asked.emplace_back(tenant_id);
    return answer;
  }
  absl::StatusOr<TenantStanding> answer = v1::TENANT_STANDING_ACTIVE;
  std::vector<std::string> asked;
};

class FakeJwt final : public JwtVerifier {
 public:
  absl::StatusOr<VerifiedJwt> Verify(absl::string_view token, absl::Time now) const override {
    if (token != kJwt) {
      return Error(absl::StatusCode::kUnauthenticated, "JWT_SIGNATURE_INVALID", "bad signature");
    }
    return VerifiedJwt{"acme", "https://idp.example.com/", "alice"};
  }
};

// A Metadata map owning its strings (string_ref only points).
class Md {
 public:
  Md& Add(std::string key, std::string value) {
    storage_.emplace_back(std::move(key), std::move(value));
    const auto& [k, v] = storage_.back();
    map_.emplace(grpc::string_ref(k), grpc::string_ref(v));
    return *this;
  }
  const Metadata& map() const { return map_; }

 private:
  std::deque<std::pair<std::string, std::string>> storage_;
  Metadata map_;
};

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest() {
    api_keys_.keys[kAcmeKey] =
        MakePrincipal("acme", "tenants/acme/apiKeys/k1", PRINCIPAL_ROLE_TENANT_ADMIN);
    subjects_.roles["acme/alice"] = PRINCIPAL_ROLE_FACILITATOR;
  }

  std::unique_ptr<Authenticator> Make(bool with_invites = false) {
    AuthOptions options;
    options.operator_token_sha256 = HashApiKeySecret(kOperatorToken);
    options.service_token = kServiceToken;
    return MakeCredentialAuthenticator(options, &jwt_, &api_keys_, &subjects_,
                                       with_invites ? &invites_ : nullptr,
                                       with_invites ? &standings_ : nullptr);
  }

  // The reason `md` is refused with; "" (and a test failure) if it is accepted.
  std::string Refusal(Authenticator& auth, const Md& md) {
    absl::StatusOr<Principal> p = auth.Authenticate(md.map());
    EXPECT_FALSE(p.ok()) << p->DebugString();
    if (p.ok()) return "";
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << p.status();
    message_ = std::string(p.status().message());
    return ReasonOf(p.status());
  }

  const std::string kAcmeKey = FormatApiKey(GenerateApiKey("acme", "k1"));
  FakeApiKeys api_keys_;
  FakeSubjects subjects_;
  FakeInvites invites_;
  FakeStandings standings_;
  FakeJwt jwt_;
  std::string message_;
};

TEST_F(AuthenticatorTest, NoCredentialSaysWhatToSend) {
  auto auth = Make();
  EXPECT_EQ(Refusal(*auth, Md().Add("x-request-id", "r1")), "UNAUTHENTICATED");
  EXPECT_EQ(message_, "no credentials: send 'authorization: Bearer <API key or token>'");
}

TEST_F(AuthenticatorTest, ApiKeyYieldsTheKeysPrincipal) {
  auto auth = Make();
  absl::StatusOr<Principal> p =
      auth->Authenticate(Md().Add("authorization", "Bearer " + kAcmeKey).map());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->tenant_id(), "acme");
  EXPECT_EQ(p->subject(), "tenants/acme/apiKeys/k1");
  EXPECT_EQ(p->role(), PRINCIPAL_ROLE_TENANT_ADMIN);
  EXPECT_EQ(p->credential_kind(), CREDENTIAL_KIND_API_KEY);
}

TEST_F(AuthenticatorTest, MetadataKeysAndBearerSchemeAreCaseInsensitive) {
  auto auth = Make();
  absl::StatusOr<Principal> p =
      auth->Authenticate(Md().Add("Authorization", "bearer " + kAcmeKey).map());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->role(), PRINCIPAL_ROLE_TENANT_ADMIN);
}

TEST_F(AuthenticatorTest, RevokedOrMalformedApiKeysAreRefused) {
  auto auth = Make();
  const std::string revoked = FormatApiKey(GenerateApiKey("acme", "k2"));
  EXPECT_EQ(Refusal(*auth, Md().Add("authorization", "Bearer " + revoked)), "API_KEY_REVOKED");
  const int calls = api_keys_.calls;
  EXPECT_EQ(Refusal(*auth, Md().Add("authorization", "Bearer lgm_acme.k1")), "API_KEY_MALFORMED");
  EXPECT_EQ(api_keys_.calls, calls) << "a malformed key must not cost a look-up";
}

TEST_F(AuthenticatorTest, ApiKeyCannotActOutsideItsTenantOrAsOperator) {
  auto auth = Make();
  const std::string key = FormatApiKey(GenerateApiKey("acme", "k3"));
  api_keys_.keys[key] =
      MakePrincipal("globex", "tenants/globex/apiKeys/k3", PRINCIPAL_ROLE_TENANT_ADMIN);
  EXPECT_EQ(Refusal(*auth, Md().Add("authorization", "Bearer " + key)), "API_KEY_INVALID");
  api_keys_.keys[key] = MakePrincipal("acme", "tenants/acme/apiKeys/k3", PRINCIPAL_ROLE_OPERATOR);
  EXPECT_EQ(Refusal(*auth, Md().Add("authorization", "Bearer " + key)), "CREDENTIAL_INVALID");
}

TEST_F(AuthenticatorTest, JwtSubjectGetsItsRoleFromTheTenantsBindings) {
  auto auth = Make();
  absl::StatusOr<Principal> p =
      auth->Authenticate(Md().Add("authorization", absl::StrCat("Bearer ", kJwt)).map());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->tenant_id(), "acme");
  EXPECT_EQ(p->subject(), "alice");
  EXPECT_EQ(p->role(), PRINCIPAL_ROLE_FACILITATOR);
  EXPECT_EQ(p->credential_kind(), CREDENTIAL_KIND_JWT);

  subjects_.roles["acme/alice"] = PRINCIPAL_ROLE_VIEWER;
  p = auth->Authenticate(Md().Add("authorization", absl::StrCat("Bearer ", kJwt)).map());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->role(), PRINCIPAL_ROLE_VIEWER);
}

TEST_F(AuthenticatorTest, JwtRefusalsKeepTheirReason) {
  auto auth = Make();
  EXPECT_EQ(Refusal(*auth, Md().Add("authorization", "Bearer aaa.bbb.ccc")),
            "JWT_SIGNATURE_INVALID");
  subjects_.roles.clear();
  EXPECT_EQ(Refusal(*auth, Md().Add("authorization", absl::StrCat("Bearer ", kJwt))),
            "SUBJECT_UNKNOWN");
}

TEST_F(AuthenticatorTest, JwtsAreRefusedWhereNoIssuerIsConfigured) {
  auto auth = MakeCredentialAuthenticator({}, nullptr, &api_keys_, &subjects_, nullptr, nullptr);
  EXPECT_EQ(Refusal(*auth, Md().Add("authorization", absl::StrCat("Bearer ", kJwt))),
            "CREDENTIAL_INVALID");
}

TEST_F(AuthenticatorTest, OperatorTokenYieldsTheOperator) {
  auto auth = Make();
  absl::StatusOr<Principal> p =
      auth->Authenticate(Md().Add("authorization", absl::StrCat("Bearer ", kOperatorToken)).map());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->tenant_id(), "");
  EXPECT_EQ(p->subject(), "operator");
  EXPECT_EQ(p->role(), PRINCIPAL_ROLE_OPERATOR);
  EXPECT_EQ(p->credential_kind(), CREDENTIAL_KIND_OPERATOR);
}

TEST_F(AuthenticatorTest, OperatorTokenMismatchIsRefused) {
  auto auth = Make();
  EXPECT_EQ(Refusal(*auth, Md().Add("authorization", absl::StrCat("Bearer ", kOperatorToken, "x"))),
            "CREDENTIAL_INVALID");
  EXPECT_THAT(message_, HasSubstr("operator token"));
  // Without a configured hash there is no operator here at all.
  auto no_operator =
      MakeCredentialAuthenticator({}, &jwt_, &api_keys_, &subjects_, nullptr, nullptr);
  EXPECT_EQ(
      Refusal(*no_operator, Md().Add("authorization", absl::StrCat("Bearer ", kOperatorToken))),
      "CREDENTIAL_INVALID");
}

TEST_F(AuthenticatorTest, NonBearerAuthorizationIsRefused) {
  auto auth = Make();
  EXPECT_EQ(Refusal(*auth, Md().Add("authorization", "Basic dXNlcjpwYXNz")),
            "AUTHORIZATION_MALFORMED");
  EXPECT_EQ(Refusal(*auth, Md().Add("authorization", "Bearer ")), "AUTHORIZATION_MALFORMED");
}

TEST_F(AuthenticatorTest, ServiceTokenAloneIsTheServiceItself) {
  auto auth = Make();
  absl::StatusOr<Principal> p =
      auth->Authenticate(Md().Add("x-lagom-service-token", kServiceToken).map());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->tenant_id(), "");
  EXPECT_EQ(p->role(), PRINCIPAL_ROLE_SERVICE);
  EXPECT_EQ(p->credential_kind(), CREDENTIAL_KIND_SERVICE);
}

TEST_F(AuthenticatorTest, ServiceTokenCarriesTheOriginalCaller) {
  auto auth = Make();
  Principal caller = MakePrincipal("acme", "tenants/acme/apiKeys/k1", PRINCIPAL_ROLE_VIEWER);
  caller.set_credential_kind(CREDENTIAL_KIND_API_KEY);
  absl::StatusOr<Principal> p =
      auth->Authenticate(Md().Add("x-lagom-service-token", kServiceToken)
                             .Add("x-lagom-on-behalf-of-bin", caller.SerializeAsString())
                             // The service token wins over anything else sent along.
                             .Add("authorization", "Bearer " + kAcmeKey)
                             .map());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->SerializeAsString(), caller.SerializeAsString()) << p->DebugString();
}

TEST_F(AuthenticatorTest, WrongServiceTokenOrCallerIsRefused) {
  auto auth = Make();
  EXPECT_EQ(Refusal(*auth, Md().Add("x-lagom-service-token", "guess")), "SERVICE_TOKEN_INVALID");
  // Someone who guessed wrong cannot fall back to a valid API key in the same call.
  EXPECT_EQ(Refusal(*auth, Md().Add("x-lagom-service-token", std::string(kServiceToken) + "x")
                               .Add("authorization", "Bearer " + kAcmeKey)),
            "SERVICE_TOKEN_INVALID");
  EXPECT_EQ(Refusal(*auth, Md().Add("x-lagom-service-token", kServiceToken)
                               .Add("x-lagom-on-behalf-of-bin", "\xff\xff not a proto")),
            "ON_BEHALF_OF_INVALID");
  // A deployment without a service token accepts no service calls, not even an empty token.
  auto closed = MakeCredentialAuthenticator({}, &jwt_, &api_keys_, &subjects_, nullptr, nullptr);
  EXPECT_EQ(Refusal(*closed, Md().Add("x-lagom-service-token", "")), "SERVICE_TOKEN_INVALID");
  EXPECT_EQ(Refusal(*closed, Md().Add("x-lagom-service-token", kServiceToken)),
            "SERVICE_TOKEN_INVALID");
}

TEST_F(AuthenticatorTest, InviteTokensOnlyWhereAnInviteVerifierIsGiven) {
  auto elsewhere = Make(/*with_invites=*/false);
  EXPECT_EQ(Refusal(*elsewhere, Md().Add("x-lagom-invite-token", "invite-ok")),
            "INVITE_TOKEN_INVALID");
  EXPECT_EQ(message_, "invite tokens are accepted by the session service");

  auto session = Make(/*with_invites=*/true);
  absl::StatusOr<Principal> p =
      session->Authenticate(Md().Add("x-lagom-invite-token", "invite-ok").map());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->tenant_id(), "acme");
  EXPECT_EQ(p->role(), PRINCIPAL_ROLE_CUSTOMER_RESPONDENT);
  EXPECT_EQ(p->credential_kind(), CREDENTIAL_KIND_INVITE_TOKEN);
  EXPECT_EQ(p->session(), "tenants/acme/sessions/s1");
  EXPECT_EQ(p->participant(), "tenants/acme/sessions/s1/participants/p1");
  EXPECT_EQ(Refusal(*session, Md().Add("x-lagom-invite-token", "invite-expired")),
            "INVITE_TOKEN_INVALID");
}

// The invitation records do not know the tenant's state: its owner is asked. A suspended
// tenant's respondent reads and changes nothing; made ACTIVE again, answers again.
TEST_F(AuthenticatorTest, ASuspendedTenantsInviteTokenOnlyReads) {
  auto session = Make(/*with_invites=*/true);
  Md invite;
  invite.Add("x-lagom-invite-token", "invite-ok");
  session::v1::SubmitAnswerRequest submit;
  submit.set_parent("tenants/acme/sessions/s1/participants/p1");
  session::v1::GetSessionRequest get;
  get.set_name("tenants/acme/sessions/s1");

  standings_.answer = v1::TENANT_STANDING_SUSPENDED;
  absl::StatusOr<Principal> p = session->Authenticate(invite.map());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(standings_.asked, ::testing::ElementsAre("acme"));
  EXPECT_TRUE(p->tenant_suspended());
  EXPECT_EQ(p->credential_kind(), CREDENTIAL_KIND_INVITE_TOKEN);
  const absl::Status refused = Authorize(*p, submit);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_EQ(ReasonOf(refused), "TENANT_INACTIVE");
  EXPECT_TRUE(Authorize(*p, get).ok());

  standings_.answer = v1::TENANT_STANDING_ACTIVE;
  p = session->Authenticate(invite.map());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->tenant_suspended());
  EXPECT_TRUE(Authorize(*p, submit).ok());
}

// A deleted tenant's respondents, or those of a tenant that no longer exists, are refused with
// a message saying why; a token refused on its own costs no question about its tenant.
TEST_F(AuthenticatorTest, ADeletedOrUnknownTenantsInviteTokenIsRefused) {
  auto session = Make(/*with_invites=*/true);
  Md invite;
  invite.Add("x-lagom-invite-token", "invite-ok");
  standings_.answer = v1::TENANT_STANDING_DELETED;
  EXPECT_EQ(Refusal(*session, invite), "INVITE_TOKEN_INVALID");
  EXPECT_THAT(message_, HasSubstr("tenant acme has been deleted"));
  EXPECT_THAT(message_, HasSubstr("contact the organisation that invited you"));
  standings_.answer = v1::TENANT_STANDING_NOT_FOUND;
  EXPECT_EQ(Refusal(*session, invite), "INVITE_TOKEN_INVALID");
  EXPECT_THAT(message_, HasSubstr("tenant acme does not exist"));

  standings_.asked.clear();
  EXPECT_EQ(Refusal(*session, Md().Add("x-lagom-invite-token", "invite-expired")),
            "INVITE_TOKEN_INVALID");
  EXPECT_THAT(standings_.asked, ::testing::IsEmpty());
}

// When the tenant's owner cannot say, the respondent is not let through (nor told the token
// is bad): UNAVAILABLE, to retry.
TEST_F(AuthenticatorTest, AnInviteTokenWhoseTenantCannotBeAskedAboutIsUnavailable) {
  auto session = Make(/*with_invites=*/true);
  standings_.answer = Error(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
                            "authentication backend (questionnaire service) UNAVAILABLE");
  absl::StatusOr<Principal> p =
      session->Authenticate(Md().Add("x-lagom-invite-token", "invite-ok").map());
  ASSERT_FALSE(p.ok()) << p->DebugString();
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(p.status()), "DEPENDENCY_UNAVAILABLE");
}

}  // namespace
}  // namespace lagom::auth
