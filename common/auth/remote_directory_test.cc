#include "common/auth/remote_directory.h"

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/api_key.h"
#include "common/status.h"

namespace lagom::auth {
namespace {

using ::lagom::auth::v1::PRINCIPAL_ROLE_FACILITATOR;
using ::lagom::auth::v1::PRINCIPAL_ROLE_TENANT_ADMIN;
using ::testing::HasSubstr;

constexpr char kServiceToken[] = "service-secret-0123456789abcdef";

// The questionnaire side of lagom.auth.v1.AuthService: API keys, role bindings and tenants'
// standing in memory.
class FakeAuthService final : public v1::AuthService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Authenticate(grpc::CallbackServerContext* ctx,
                                         const v1::AuthenticateRequest* request,
                                         v1::AuthenticateResponse* response) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    absl::MutexLock lock(&mu_);
    if (CountAndFail(*ctx, reactor)) return reactor;
    const std::string key = request->has_api_key()
                                ? request->api_key()
                                : absl::StrCat(request->jwt_subject().tenant_id(), "/",
                                               request->jwt_subject().subject());
    auto it = principals_.find(key);
    if (it == principals_.end()) {
      reactor->Finish(ToGrpcStatus(
          Error(absl::StatusCode::kUnauthenticated, "API_KEY_REVOKED", "the API key was revoked")));
      return reactor;
    }
    *response->mutable_principal() = it->second;
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* GetTenantStanding(grpc::CallbackServerContext* ctx,
                                              const v1::GetTenantStandingRequest* request,
                                              v1::GetTenantStandingResponse* response) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    absl::MutexLock lock(&mu_);
    if (CountAndFail(*ctx, reactor)) return reactor;
    auto it = standings_.find(request->tenant_id());
    response->set_standing(it == standings_.end() ? v1::TENANT_STANDING_NOT_FOUND : it->second);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  void SetStanding(const std::string& tenant_id, TenantStanding standing) {
    absl::MutexLock lock(&mu_);
    standings_[tenant_id] = standing;
  }
  void Set(const std::string& credential, Principal principal) {
    absl::MutexLock lock(&mu_);
    principals_[credential] = std::move(principal);
  }
  void Revoke(const std::string& credential) {
    absl::MutexLock lock(&mu_);
    principals_.erase(credential);
  }
  void FailWith(absl::Status status) {
    absl::MutexLock lock(&mu_);
    status_ = std::move(status);
  }
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::string last_service_token() {
    absl::MutexLock lock(&mu_);
    return last_service_token_;
  }

 private:
  // Counts the call; finishes it with the failure FailWith set, if any (then true).
  bool CountAndFail(const grpc::CallbackServerContext& ctx, grpc::ServerUnaryReactor* reactor)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++calls_;
    auto token = ctx.client_metadata().find(kServiceTokenKey);
    last_service_token_ = token == ctx.client_metadata().end()
                              ? "<none>"
                              : std::string(token->second.data(), token->second.size());
    if (status_.ok()) return false;
    reactor->Finish(ToGrpcStatus(status_));
    return true;
  }

  absl::Mutex mu_;
  std::map<std::string, Principal> principals_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, TenantStanding> standings_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_service_token_ ABSL_GUARDED_BY(mu_);
};

Principal MakePrincipal(std::string tenant, std::string subject, Role role) {
  Principal p;
  p.set_tenant_id(std::move(tenant));
  p.set_subject(std::move(subject));
  p.set_role(role);
  return p;
}

class RemoteDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials());
    service_.Set(key_,
                 MakePrincipal("acme", "tenants/acme/apiKeys/k1", PRINCIPAL_ROLE_TENANT_ADMIN));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<RemoteDirectory> Directory(absl::Duration ttl, size_t max_entries = 10000) {
    return std::make_unique<RemoteDirectory>(channel_, kServiceToken, ttl, absl::Seconds(1),
                                             max_entries);
  }

  FakeAuthService service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  int port_ = 0;
  const std::string key_ = FormatApiKey(GenerateApiKey("acme", "k1"));
};

TEST_F(RemoteDirectoryTest, AsksTheBackendWithTheServiceToken) {
  auto directory = Directory(absl::Minutes(1));
  absl::StatusOr<Principal> p = directory->VerifyApiKey(key_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->tenant_id(), "acme");
  EXPECT_EQ(p->subject(), "tenants/acme/apiKeys/k1");
  EXPECT_EQ(p->role(), PRINCIPAL_ROLE_TENANT_ADMIN);
  EXPECT_EQ(service_.last_service_token(), kServiceToken);
}

TEST_F(RemoteDirectoryTest, HotKeyCostsOneRpcWithinTtl) {
  auto directory = Directory(absl::Minutes(1));
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(directory->VerifyApiKey(key_).ok()) << i;
  EXPECT_EQ(service_.calls(), 1);
}

TEST_F(RemoteDirectoryTest, AnswersAreRecheckedAfterTtl) {
  auto directory = Directory(absl::Milliseconds(50));
  ASSERT_TRUE(directory->VerifyApiKey(key_).ok());
  absl::SleepFor(absl::Milliseconds(60));  // expiry is what is tested
  ASSERT_TRUE(directory->VerifyApiKey(key_).ok());
  EXPECT_EQ(service_.calls(), 2);
}

TEST_F(RemoteDirectoryTest, RevokedKeyIsRefusedAfterTtl) {
  auto directory = Directory(absl::Milliseconds(50));
  ASSERT_TRUE(directory->VerifyApiKey(key_).ok());
  service_.Revoke(key_);
  absl::SleepFor(absl::Milliseconds(60));
  absl::StatusOr<Principal> p = directory->VerifyApiKey(key_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(p.status()), "API_KEY_REVOKED");  // the backend's reason, passed through
}

TEST_F(RemoteDirectoryTest, RefusalsAreCachedToo) {
  auto directory = Directory(absl::Minutes(1));
  const std::string unknown = FormatApiKey(GenerateApiKey("acme", "k2"));
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<Principal> p = directory->VerifyApiKey(unknown);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(ReasonOf(p.status()), "API_KEY_REVOKED");
  }
  EXPECT_EQ(service_.calls(), 1);
}

TEST_F(RemoteDirectoryTest, SubjectsAreResolvedAndCachedPerTenant) {
  service_.Set("acme/alice", MakePrincipal("acme", "alice", PRINCIPAL_ROLE_FACILITATOR));
  auto directory = Directory(absl::Minutes(1));
  absl::StatusOr<Principal> p = directory->ResolveSubject("acme", "alice");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->role(), PRINCIPAL_ROLE_FACILITATOR);
  ASSERT_TRUE(directory->ResolveSubject("acme", "alice").ok());
  EXPECT_EQ(service_.calls(), 1);
  // The same subject in another tenant is another question.
  EXPECT_FALSE(directory->ResolveSubject("globex", "alice").ok());
  EXPECT_EQ(service_.calls(), 2);
}

TEST_F(RemoteDirectoryTest, CacheIsBounded) {
  auto directory = Directory(absl::Minutes(1), /*max_entries=*/1);
  const std::string other = FormatApiKey(GenerateApiKey("acme", "k2"));
  service_.Set(other,
               MakePrincipal("acme", "tenants/acme/apiKeys/k2", PRINCIPAL_ROLE_TENANT_ADMIN));
  ASSERT_TRUE(directory->VerifyApiKey(key_).ok());
  ASSERT_TRUE(directory->VerifyApiKey(other).ok());  // pushes key_ out
  ASSERT_TRUE(directory->VerifyApiKey(key_).ok());
  EXPECT_EQ(service_.calls(), 3);
}

TEST_F(RemoteDirectoryTest, BackendDownIsUnavailableNotUnauthenticated) {
  auto directory = Directory(absl::Minutes(1));
  server_->Shutdown();
  server_.reset();
  absl::StatusOr<Principal> p = directory->VerifyApiKey(key_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnavailable) << p.status();
  EXPECT_EQ(ReasonOf(p.status()), "DEPENDENCY_UNAVAILABLE");
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("questionnaire"));
}

TEST_F(RemoteDirectoryTest, OutagesAreNotCached) {
  auto directory = Directory(absl::Minutes(1));
  service_.FailWith(absl::UnavailableError("database restarting"));
  absl::StatusOr<Principal> p = directory->VerifyApiKey(key_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(p.status()), "DEPENDENCY_UNAVAILABLE");
  service_.FailWith(absl::OkStatus());
  EXPECT_TRUE(directory->VerifyApiKey(key_).ok());
  EXPECT_EQ(service_.calls(), 2);
}

TEST_F(RemoteDirectoryTest, OtherBackendErrorsAreNotPassedOffAsVerdicts) {
  auto directory = Directory(absl::Minutes(1));
  service_.FailWith(absl::InternalError("bug"));
  absl::StatusOr<Principal> p = directory->VerifyApiKey(key_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(p.status()), "DEPENDENCY_FAILED");
}

TEST_F(RemoteDirectoryTest, ConcurrentCallersAreServed) {
  auto directory = Directory(absl::Minutes(1));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) ok += directory->VerifyApiKey(key_).ok() ? 1 : 0;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 400);
  EXPECT_LE(service_.calls(), 8);  // at most one miss per thread before the first answer lands
}

// A tenant's standing is asked once per ttl, whatever it is (a tenant nobody has is an answer
// too), so suspending a tenant, and making it ACTIVE again, are seen within the ttl.
TEST_F(RemoteDirectoryTest, TenantStandingsAreAskedOncePerTtl) {
  service_.SetStanding("acme", v1::TENANT_STANDING_SUSPENDED);
  auto directory = Directory(absl::Milliseconds(200));
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<TenantStanding> standing = directory->StandingOf("acme");
    ASSERT_TRUE(standing.ok()) << standing.status();
    EXPECT_EQ(*standing, v1::TENANT_STANDING_SUSPENDED);
  }
  EXPECT_EQ(service_.last_service_token(), kServiceToken);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(*directory->StandingOf("gone"), v1::TENANT_STANDING_NOT_FOUND);
  EXPECT_EQ(service_.calls(), 2);
  service_.SetStanding("acme", v1::TENANT_STANDING_ACTIVE);
  absl::SleepFor(absl::Milliseconds(250));  // expiry is what is tested
  EXPECT_EQ(*directory->StandingOf("acme"), v1::TENANT_STANDING_ACTIVE);
  EXPECT_EQ(service_.calls(), 3);
}

// A standing is never made up: the backend down is UNAVAILABLE, the backend refusing to answer
// (a wrong service token) is DEPENDENCY_FAILED, not a verdict on the tenant; neither is kept.
TEST_F(RemoteDirectoryTest, TenantStandingsAreNeverGuessed) {
  service_.SetStanding("acme", v1::TENANT_STANDING_ACTIVE);
  auto directory = Directory(absl::Minutes(1));
  service_.FailWith(absl::UnavailableError("database restarting"));
  absl::StatusOr<TenantStanding> standing = directory->StandingOf("acme");
  EXPECT_EQ(standing.status().code(), absl::StatusCode::kUnavailable) << standing.status();
  EXPECT_EQ(ReasonOf(standing.status()), "DEPENDENCY_UNAVAILABLE");
  service_.FailWith(Error(absl::StatusCode::kUnauthenticated, "SERVICE_TOKEN_INVALID", "wrong"));
  standing = directory->StandingOf("acme");
  EXPECT_EQ(standing.status().code(), absl::StatusCode::kInternal) << standing.status();
  EXPECT_EQ(ReasonOf(standing.status()), "DEPENDENCY_FAILED");
  service_.FailWith(absl::OkStatus());
  standing = directory->StandingOf("acme");
  ASSERT_TRUE(standing.ok()) << standing.status();
  EXPECT_EQ(*standing, v1::TENANT_STANDING_ACTIVE);
  EXPECT_EQ(service_.calls(), 3);

  server_->Shutdown();
  server_.reset();
  EXPECT_EQ(Directory(absl::Minutes(1))->StandingOf("acme").status().code(),
            absl::StatusCode::kUnavailable);
}

// A questionnaire replica older than GetTenantStanding (a rolling upgrade that reached the
// session service first) answers UNIMPLEMENTED: respondents' tenants count as ACTIVE then, as
// before the question existed, instead of every respondent being refused.
TEST_F(RemoteDirectoryTest, AnOlderQuestionnaireLeavesTenantsActive) {
  service_.SetStanding("acme", v1::TENANT_STANDING_SUSPENDED);
  service_.FailWith(absl::UnimplementedError("unknown method GetTenantStanding"));
  absl::StatusOr<TenantStanding> standing = Directory(absl::Minutes(1))->StandingOf("acme");
  ASSERT_TRUE(standing.ok()) << standing.status();
  EXPECT_EQ(*standing, v1::TENANT_STANDING_ACTIVE);
}

// Invite tokens (the session service's own records) are cached like API keys: a hot token
// costs one look-up per ttl, a refusal is kept too, an outage is not.
class CountingInvites final : public InviteTokenVerifier {
 public:
  absl::StatusOr<Principal> VerifyInviteToken(absl::string_view token) override {
    ++calls;
    if (!outage.ok()) return outage;
    if (token != "inv_acme.i1.secret") return absl::UnauthenticatedError("unknown invite token");
    return MakePrincipal("acme", "invite", v1::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT);
  }
  int calls = 0;
  absl::Status outage;
};

TEST_F(RemoteDirectoryTest, InviteTokensAreCachedBriefly) {
  CountingInvites invites;
  auto directory = Directory(absl::Minutes(1));
  DirectoryCache cache(*directory, *directory, absl::Milliseconds(200), 100, &invites);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(cache.VerifyInviteToken("inv_acme.i1.secret").ok());
  EXPECT_EQ(invites.calls, 1);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(cache.VerifyInviteToken("inv_acme.i1.wrong").ok());
  EXPECT_EQ(invites.calls, 2);
  absl::SleepFor(absl::Milliseconds(250));
  ASSERT_TRUE(cache.VerifyInviteToken("inv_acme.i1.secret").ok());
  EXPECT_EQ(invites.calls, 3) << "asked again once the ttl ran out";

  invites.outage = absl::UnavailableError("database restarting");
  absl::SleepFor(absl::Milliseconds(250));
  EXPECT_EQ(cache.VerifyInviteToken("inv_acme.i1.secret").status().code(),
            absl::StatusCode::kUnavailable);
  invites.outage = absl::OkStatus();
  EXPECT_TRUE(cache.VerifyInviteToken("inv_acme.i1.secret").ok());
  EXPECT_EQ(invites.calls, 5) << "an outage is not a verdict";

  DirectoryCache without(*directory, *directory);
  EXPECT_EQ(without.VerifyInviteToken("inv_acme.i1.secret").status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace lagom::auth
