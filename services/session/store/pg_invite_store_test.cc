#include "services/session/store/pg_invite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/resource_util.h"
#include "common/status.h"
#include "common/testing/integration.h"
#include "common/testing/service_pool.h"
#include "services/session/store/pg_session_store.h"
#include "session_migrations.h"

namespace lagom::session {
namespace {

using ::testing::StartsWith;

// Invitations are written as ParticipantCore writes them (codec + SessionStore) and verified
// by PgInviteStore.
class PgInviteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = lagom::testing::ServicePool("session", Migrations(), 2);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgInviteStore>(*pool_);
    sessions_ = std::make_unique<PgSessionStore>(*pool_);
    rc_.tenant_id = lagom::testing::UniqueTenantId("inv");
    session_ = absl::StrCat("tenants/", rc_.tenant_id, "/sessions/s1");
    ASSERT_TRUE(SetSessionState("OPEN").ok());
  }

  absl::Status SetSessionState(const std::string& state) {
    return sessions_->InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
      absl::StatusOr<std::optional<SessionRecord>> current = tx.Get("s1");
      if (!current.ok()) return current.status();
      SessionRecord r{"s1", 1, state, "models/m/versions/1", "", absl::Now()};
      if (!current->has_value()) return tx.Insert(r);
      r.version = (*current)->version + 1;
      return tx.Update(r, (*current)->version);
    });
  }

  struct Issued {
    std::string invitation_id;
    std::string token;
  };
  Issued Issue(const std::string& perspective = "CUSTOMER",
               std::optional<absl::Time> expire = std::nullopt, const std::string& sid = "s1") {
    InviteTokens::Minted minted = codec_.Mint(rc_.tenant_id);
    InvitationRecord r;
    r.invitation_id = minted.invitation_id;
    r.version = 1;
    r.participant_id = "p1";
    r.perspective = perspective;
    r.secret_sha256 = minted.secret_sha256;
    r.token_prefix = minted.token.substr(0, 12);
    r.state = "ACTIVE";
    r.expire_time = expire;
    r.create_time = absl::Now();
    EXPECT_TRUE(
        sessions_
            ->InTenant(rc_, [&](SessionTransaction& tx) { return tx.InsertInvitation(sid, r); })
            .ok());
    return {minted.invitation_id, minted.token};
  }

  // The invitation as stored.
  InvitationRecord Stored(const std::string& invitation_id) {
    InvitationRecord out;
    EXPECT_TRUE(sessions_
                    ->InTenant(rc_,
                               [&](SessionTransaction& tx) -> absl::Status {
                                 absl::StatusOr<std::vector<InvitationRecord>> all =
                                     tx.ListInvitations("s1");
                                 if (!all.ok()) return all.status();
                                 for (const InvitationRecord& r : *all) {
                                   if (r.invitation_id == invitation_id) out = r;
                                 }
                                 return absl::OkStatus();
                               })
                    .ok());
    return out;
  }

  void Revoke(const std::string& invitation_id) {
    InvitationRecord r = Stored(invitation_id);
    ASSERT_EQ(r.invitation_id, invitation_id);
    r.state = "REVOKED";
    r.revoke_time = absl::Now();
    ASSERT_TRUE(
        sessions_
            ->InTenant(rc_, [&](SessionTransaction& tx) { return tx.UpdateInvitation("s1", r); })
            .ok());
  }

  static void ExpectRefused(const absl::StatusOr<auth::Principal>& p, const std::string& token) {
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << token;
    EXPECT_EQ(ReasonOf(p.status()), "INVITE_TOKEN_INVALID") << token;
  }

  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgInviteStore> store_;
  std::unique_ptr<PgSessionStore> sessions_;
  InviteTokenCodec codec_;
  RequestContext rc_;
  std::string session_;
};

TEST_F(PgInviteStoreTest, AnIssuedTokenActsAsItsParticipantInItsSession) {
  const Issued issued = Issue();
  EXPECT_THAT(issued.token, StartsWith("inv_" + rc_.tenant_id + "."));
  absl::StatusOr<auth::Principal> p = store_->VerifyInviteToken(issued.token);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->tenant_id(), rc_.tenant_id);
  EXPECT_EQ(p->session(), session_);
  EXPECT_EQ(p->participant(), session_ + "/participants/p1");
  EXPECT_EQ(p->role(), auth::v1::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT);
  EXPECT_EQ(p->credential_kind(), auth::v1::CREDENTIAL_KIND_INVITE_TOKEN);
}

TEST_F(PgInviteStoreTest, RevokedExpiredAndForgedTokensAreRefusedAlike) {
  const Issued revoked = Issue();
  Revoke(revoked.invitation_id);
  const Issued expired = Issue("PROVIDER", absl::Now() - absl::Minutes(1));
  const Issued good = Issue();
  std::string forged = good.token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';

  for (const std::string& token :
       {revoked.token, expired.token, forged, std::string("inv_garbage"), good.token + "x"}) {
    ExpectRefused(store_->VerifyInviteToken(token), token);
  }
  EXPECT_TRUE(store_->VerifyInviteToken(good.token).ok());
}

TEST_F(PgInviteStoreTest, UsesAreRecordedToTheMinute) {
  const Issued issued = Issue();
  const Issued forged_target = Issue();
  EXPECT_FALSE(Stored(issued.invitation_id).last_use_time.has_value());

  const absl::Time before = absl::Now() - absl::Seconds(5);  // server and test clocks
  ASSERT_TRUE(store_->VerifyInviteToken(issued.token).ok());
  const std::optional<absl::Time> first = Stored(issued.invitation_id).last_use_time;
  ASSERT_TRUE(first.has_value());
  EXPECT_GE(*first, before);
  // Within the minute a use writes nothing.
  ASSERT_TRUE(store_->VerifyInviteToken(issued.token).ok());
  EXPECT_EQ(Stored(issued.invitation_id).last_use_time, first);

  // A refused token is no use.
  std::string forged = forged_target.token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  ExpectRefused(store_->VerifyInviteToken(forged), forged);
  EXPECT_FALSE(Stored(forged_target.invitation_id).last_use_time.has_value());
}

TEST_F(PgInviteStoreTest, TokensStopWorkingWhenTheSessionCloses) {
  const Issued issued = Issue();
  ASSERT_TRUE(store_->VerifyInviteToken(issued.token).ok());
  ASSERT_TRUE(SetSessionState("CLOSED").ok());
  ExpectRefused(store_->VerifyInviteToken(issued.token), issued.token);
}

TEST_F(PgInviteStoreTest, TokensOfADeletedSessionNeverWorkAgain) {
  const Issued issued = Issue();
  ASSERT_TRUE(store_->VerifyInviteToken(issued.token).ok());
  ASSERT_TRUE(
      sessions_->InTenant(rc_, [](SessionTransaction& tx) { return tx.Delete("s1"); }).ok());
  ExpectRefused(store_->VerifyInviteToken(issued.token), issued.token);

  // A new session with the same id has none of the old one's invitations.
  ASSERT_TRUE(SetSessionState("OPEN").ok());
  ExpectRefused(store_->VerifyInviteToken(issued.token), issued.token);
  EXPECT_EQ(Stored(issued.invitation_id).invitation_id, "");
  EXPECT_TRUE(store_->VerifyInviteToken(Issue().token).ok());
}

TEST_F(PgInviteStoreTest, AnInvitationLeftWithoutItsSessionNeverWorks) {
  // As a deletion by an earlier release left them: the invitation names a session that is gone.
  const Issued orphan = Issue("PROVIDER", std::nullopt, "gone");
  ExpectRefused(store_->VerifyInviteToken(orphan.token), orphan.token);
  // Nor does it work in a new session given that id.
  ASSERT_TRUE(sessions_
                  ->InTenant(rc_,
                             [](SessionTransaction& tx) {
                               return tx.Insert(SessionRecord{
                                   "gone", 1, "OPEN", "models/m/versions/1", "", absl::Now()});
                             })
                  .ok());
  ExpectRefused(store_->VerifyInviteToken(orphan.token), orphan.token);
}

}  // namespace
}  // namespace lagom::session
