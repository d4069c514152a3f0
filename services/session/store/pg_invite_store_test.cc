#include "services/session/store/pg_invite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "common/testing/integration.h"
#include "session_migrations.h"

namespace lagom::session {
namespace {

using ::testing::StartsWith;

class PgInviteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = PgPool::Connect(lagom::testing::TestPostgresUrl(), 2, absl::Seconds(5));
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    ASSERT_TRUE(pool_->RunMigrations("session", Migrations()).ok());
    store_ = std::make_unique<PgInviteStore>(*pool_);
    rc_.tenant_id = lagom::testing::UniqueTenantId("inv");
  }

  NewInvitation Invitation(InvitePerspective perspective = InvitePerspective::kCustomer) {
    const std::string session = absl::StrCat("tenants/", rc_.tenant_id, "/sessions/s1");
    return {session, session + "/participants/p1", perspective, std::nullopt};
  }

  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgInviteStore> store_;
  RequestContext rc_;
};

TEST_F(PgInviteStoreTest, AnIssuedTokenActsAsItsParticipantInItsSession) {
  absl::StatusOr<IssuedInvitation> issued = store_->Issue(rc_, Invitation());
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_THAT(issued->token, StartsWith("inv_" + rc_.tenant_id + "."));
  absl::StatusOr<auth::Principal> p = store_->VerifyInviteToken(issued->token);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->tenant_id(), rc_.tenant_id);
  EXPECT_EQ(p->session(), Invitation().session);
  EXPECT_EQ(p->participant(), Invitation().participant);
  EXPECT_EQ(p->role(), auth::v1::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT);
  EXPECT_EQ(p->credential_kind(), auth::v1::CREDENTIAL_KIND_INVITE_TOKEN);
}

TEST_F(PgInviteStoreTest, RevokedExpiredAndForgedTokensAreRefusedAlike) {
  absl::StatusOr<IssuedInvitation> revoked = store_->Issue(rc_, Invitation());
  ASSERT_TRUE(revoked.ok());
  ASSERT_TRUE(store_->Revoke(rc_, revoked->invitation_id).ok());

  NewInvitation expiring = Invitation(InvitePerspective::kProvider);
  expiring.expire_time = absl::Now() - absl::Minutes(1);
  absl::StatusOr<IssuedInvitation> expired = store_->Issue(rc_, expiring);
  ASSERT_TRUE(expired.ok());

  absl::StatusOr<IssuedInvitation> good = store_->Issue(rc_, Invitation());
  ASSERT_TRUE(good.ok());
  std::string forged = good->token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';

  for (const std::string& token :
       {revoked->token, expired->token, forged, std::string("inv_garbage"), good->token + "x"}) {
    absl::StatusOr<auth::Principal> p = store_->VerifyInviteToken(token);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << token;
    EXPECT_EQ(ReasonOf(p.status()), "INVITE_TOKEN_INVALID") << token;
  }
  EXPECT_TRUE(store_->VerifyInviteToken(good->token).ok());
}

TEST_F(PgInviteStoreTest, CannotIssueForAnotherTenantsSession) {
  NewInvitation other = Invitation();
  other.session = "tenants/someone-else/sessions/s1";
  other.participant = other.session + "/participants/p1";
  EXPECT_EQ(store_->Issue(rc_, other).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lagom::session
