#include "services/session/core/participant_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "services/session/core/answer_core.h"
#include "services/session/core/testing/session_fixture.h"

namespace lagom::session {
namespace {

namespace auth_api = ::lagom::auth::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

// Tokens "inv_<tenant>.<id>.<secret>"; the stored "hash" of a secret is "sha:<secret>".
class FakeInviteTokens final : public InviteTokens {
 public:
  Minted Mint(const std::string& tenant_id) override {
    ++minted;
    const std::string id = absl::StrCat("inv-", minted);
    const std::string secret = absl::StrCat("secret", minted, "xyz");
    return {id, absl::StrCat("inv_", tenant_id, ".", id, ".", secret),
            absl::StrCat("sha:", secret)};
  }
  std::optional<std::pair<std::string, std::string>> Parse(absl::string_view token) override {
    if (!absl::ConsumePrefix(&token, "inv_")) return std::nullopt;
    std::vector<std::string> parts = absl::StrSplit(token, '.');
    if (parts.size() != 3) return std::nullopt;
    return std::make_pair(parts[0], parts[1]);
  }
  bool Matches(absl::string_view token, const std::string& secret_sha256) override {
    const size_t dot = token.rfind('.');
    return dot != absl::string_view::npos &&
           secret_sha256 == absl::StrCat("sha:", token.substr(dot + 1));
  }
  int minted = 0;
};

class ParticipantCoreTest : public testing::SessionFixture {
 protected:
  ParticipantCoreTest() : core_(store_, models_, live_, tokens_, [this] { return now_; }) {}

  absl::StatusOr<api::Participant> Create(const std::string& id, const api::Participant& p,
                                          const std::string& request_id = "",
                                          const std::string& parent = kS1) {
    api::CreateParticipantRequest req;
    req.set_parent(parent);
    *req.mutable_participant() = p;
    req.set_participant_id(id);
    req.set_request_id(request_id);
    api::CreateParticipantResponse resp;
    if (absl::Status st = core_.CreateParticipant(rc_, req, &resp); !st.ok()) return st;
    return resp.participant();
  }
  absl::StatusOr<api::Participant> Get(const std::string& name) {
    api::GetParticipantRequest req;
    req.set_name(name);
    api::GetParticipantResponse resp;
    if (absl::Status st = core_.GetParticipant(rc_, req, &resp); !st.ok()) return st;
    return resp.participant();
  }
  absl::StatusOr<api::ListParticipantsResponse> List(const std::string& filter, int page_size = 0,
                                                     const std::string& token = "") {
    api::ListParticipantsRequest req;
    req.set_parent(kS1);
    req.set_filter(filter);
    req.set_page_size(page_size);
    req.set_page_token(token);
    api::ListParticipantsResponse resp;
    if (absl::Status st = core_.ListParticipants(rc_, req, &resp); !st.ok()) return st;
    return resp;
  }
  absl::StatusOr<api::Participant> Update(const api::Participant& p, std::vector<std::string> paths,
                                          const std::string& request_id = "") {
    api::UpdateParticipantRequest req;
    *req.mutable_participant() = p;
    for (const std::string& path : paths) req.mutable_update_mask()->add_paths(path);
    req.set_request_id(request_id);
    api::UpdateParticipantResponse resp;
    if (absl::Status st = core_.UpdateParticipant(rc_, req, &resp); !st.ok()) return st;
    return resp.participant();
  }
  absl::Status Delete(const std::string& name, const std::string& etag = "") {
    api::DeleteParticipantRequest req;
    req.set_name(name);
    req.set_etag(etag);
    api::DeleteParticipantResponse resp;
    return core_.DeleteParticipant(rc_, req, &resp);
  }
  absl::StatusOr<api::Participant> Complete(const std::string& name,
                                            const RequestContext* rc = nullptr) {
    api::CompleteParticipantRequest req;
    req.set_name(name);
    api::CompleteParticipantResponse resp;
    if (absl::Status st = core_.CompleteParticipant(rc ? *rc : rc_, req, &resp); !st.ok()) {
      return st;
    }
    return resp.participant();
  }
  absl::StatusOr<api::CreateInvitationResponse> Invite(
      const std::string& participant, const std::string& request_id = "",
      std::optional<absl::Time> expire_time = std::nullopt, const std::string& parent = kS1) {
    api::CreateInvitationRequest req;
    req.set_parent(parent);
    req.mutable_invitation()->set_participant(participant);
    if (expire_time) *req.mutable_invitation()->mutable_expire_time() = ToProto(*expire_time);
    req.set_request_id(request_id);
    api::CreateInvitationResponse resp;
    if (absl::Status st = core_.CreateInvitation(rc_, req, &resp); !st.ok()) return st;
    return resp;
  }
  absl::StatusOr<std::vector<api::Invitation>> Invitations(const std::string& filter = "") {
    api::ListInvitationsRequest req;
    req.set_parent(kS1);
    req.set_filter(filter);
    api::ListInvitationsResponse resp;
    if (absl::Status st = core_.ListInvitations(rc_, req, &resp); !st.ok()) return st;
    return std::vector<api::Invitation>(resp.invitations().begin(), resp.invitations().end());
  }
  absl::StatusOr<api::Invitation> Revoke(const std::string& name, const std::string& etag = "") {
    api::RevokeInvitationRequest req;
    req.set_name(name);
    req.set_etag(etag);
    api::RevokeInvitationResponse resp;
    if (absl::Status st = core_.RevokeInvitation(rc_, req, &resp); !st.ok()) return st;
    return resp.invitation();
  }
  absl::StatusOr<api::AcceptInvitationResponse> Accept(const RequestContext& rc,
                                                       const std::string& token) {
    api::AcceptInvitationRequest req;
    req.set_token(token);
    api::AcceptInvitationResponse resp;
    if (absl::Status st = core_.AcceptInvitation(rc, req, &resp); !st.ok()) return st;
    return resp;
  }

  api::Participant StoredParticipant(const std::string& id) {
    api::Participant p;
    EXPECT_TRUE(p.ParseFromString(Stored().participants.at({"s1", id}).body));
    return p;
  }

  FakeInviteTokens tokens_;
  ParticipantCore core_;
};

// --- CreateParticipant --------------------------------------------------------------------

TEST_F(ParticipantCoreTest, CreatesAnInvitedParticipantWithNameTimesAndEtag) {
  PutSession("s1", api::SESSION_STATE_DRAFT);
  absl::StatusOr<api::Participant> p =
      Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name(), Alice());
  EXPECT_EQ(p->display_name(), "Alice Andersson");
  EXPECT_EQ(p->email(), "alice@example.com");
  EXPECT_EQ(p->principal(), "users/alice");
  EXPECT_EQ(p->state(), api::PARTICIPANT_STATE_INVITED);
  EXPECT_EQ(FromProto(p->create_time()), now_);
  EXPECT_EQ(FromProto(p->update_time()), now_);
  EXPECT_EQ(p->etag(), "v1");

  const ParticipantRecord& r = Stored().participants.at({"s1", "alice"});
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.principal, "users/alice");
  EXPECT_EQ(StoredParticipant("alice").etag(), "");  // derived from the version
  const std::vector<testing::FakeLiveState::ParticipantUpdate> heard = live_.ParticipantUpdates();
  ASSERT_THAT(heard, SizeIs(1));
  EXPECT_EQ(heard[0].participant, Alice());
  EXPECT_FALSE(heard[0].removed);
  EXPECT_FALSE(heard[0].has_model);  // DRAFT: nothing pinned yet
}

TEST_F(ParticipantCoreTest, GeneratesAnIdAndIgnoresOutputOnlyFields) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  api::Participant in = Person(api::PARTICIPANT_PERSPECTIVE_FACILITATOR);
  in.set_state(api::PARTICIPANT_STATE_COMPLETED);
  in.mutable_progress()->set_answered_count(9);
  absl::StatusOr<api::Participant> p = Create("", in);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->name(), StartsWith(absl::StrCat(kS1, "/participants/p-")));
  EXPECT_EQ(p->state(), api::PARTICIPANT_STATE_INVITED);
  EXPECT_FALSE(p->has_progress());
  EXPECT_THAT(Stored().participants, SizeIs(1));
}

TEST_F(ParticipantCoreTest, CreateReportsEveryBadFieldAndStoresNothing) {
  PutSession("s1", api::SESSION_STATE_DRAFT);
  api::Participant in;
  in.set_display_name(std::string(201, 'x'));
  in.set_email("nobody");
  in.set_principal(std::string(257, 'u'));
  absl::StatusOr<api::Participant> p = Create("Bad_Id", in, "not a request id!");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(p.status()), "FIELD_INVALID");
  EXPECT_THAT(
      FieldsOf(p.status()),
      UnorderedElementsAre("participant_id", "participant.perspective", "participant.display_name",
                           "participant.email", "participant.principal", "request_id"));
  EXPECT_THAT(DescriptionOf(p.status(), "participant.perspective"),
              HasSubstr("PROVIDER, CUSTOMER, FACILITATOR"));
  EXPECT_THAT(DescriptionOf(p.status(), "participant.display_name"), HasSubstr("at most 200"));
  EXPECT_THAT(DescriptionOf(p.status(), "participant.email"), HasSubstr("not an email address"));
  EXPECT_THAT(Stored().participants, IsEmpty());
  EXPECT_THAT(live_.ParticipantUpdates(), IsEmpty());
}

TEST_F(ParticipantCoreTest, AnEmailHasOneAtWithTextOnBothSides) {
  PutSession("s1", api::SESSION_STATE_DRAFT);
  for (const std::string& email : std::vector<std::string>{
           "alice@", "@example.com", "a@b@c", "plain", absl::StrCat(std::string(250, 'a'), "@b.se"),
           std::string("alice@example.com\0", 18)}) {
    api::Participant in = Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER);
    in.set_email(email);
    absl::StatusOr<api::Participant> p = Create("", in);
    EXPECT_THAT(FieldsOf(p.status()), ElementsAre("participant.email")) << email;
  }
  EXPECT_THAT(Stored().participants, IsEmpty());
  api::Participant no_email = Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  no_email.clear_email();
  EXPECT_TRUE(Create("a", no_email).ok());
  api::Participant short_email = Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  short_email.set_email("a@b");
  EXPECT_TRUE(Create("b", short_email).ok());
}

TEST_F(ParticipantCoreTest, CustomersAnswerForAnOrganisationOfTheScopeAndOnlyCustomers) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  absl::StatusOr<api::Participant> none = Create("", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER));
  EXPECT_THAT(FieldsOf(none.status()), ElementsAre("participant.customer_organization"));
  EXPECT_THAT(DescriptionOf(none.status(), "participant.customer_organization"),
              HasSubstr("required"));

  absl::StatusOr<api::Participant> outside = Create(
      "", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, "tenants/acme/customerOrganizations/east"));
  EXPECT_EQ(outside.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(outside.status()), ElementsAre("participant.customer_organization"));
  EXPECT_THAT(DescriptionOf(outside.status(), "participant.customer_organization"),
              HasSubstr(absl::StrCat(kNorth, ", ", kSouth)));

  absl::StatusOr<api::Participant> provider =
      Create("", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER, kNorth));
  EXPECT_THAT(FieldsOf(provider.status()), ElementsAre("participant.customer_organization"));
  EXPECT_THAT(DescriptionOf(provider.status(), "participant.customer_organization"),
              HasSubstr("only CUSTOMER"));
  EXPECT_THAT(Stored().participants, IsEmpty());

  absl::StatusOr<api::Participant> ok =
      Create("bob", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kSouth));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->customer_organization(), kSouth);
}

TEST_F(ParticipantCoreTest, ASessionWithoutCustomerOrganisationsSaysSo) {
  PutSession("s1", api::SESSION_STATE_DRAFT, /*orgs=*/{});
  absl::StatusOr<api::Participant> p =
      Create("", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth));
  EXPECT_THAT(FieldsOf(p.status()), ElementsAre("participant.customer_organization"));
  EXPECT_THAT(DescriptionOf(p.status(), "participant.customer_organization"),
              HasSubstr("has no customer organisations in its scope"));
  EXPECT_THAT(Stored().participants, IsEmpty());
}

TEST_F(ParticipantCoreTest, ParticipantsJoinOnlyDraftOrOpenSessions) {
  for (auto [id, state] : std::vector<std::pair<std::string, api::SessionState>>{
           {"closed", api::SESSION_STATE_CLOSED}, {"archived", api::SESSION_STATE_ARCHIVED}}) {
    PutSession(id, state);
    absl::StatusOr<api::Participant> p =
        Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER), "",
               absl::StrCat("tenants/acme/sessions/", id));
    EXPECT_EQ(p.status().code(), absl::StatusCode::kFailedPrecondition) << id;
    EXPECT_EQ(ReasonOf(p.status()), "STATE_CONFLICT");
    EXPECT_THAT(p.status().message(), HasSubstr(StateName(state)));
  }
  EXPECT_THAT(Stored().participants, IsEmpty());
  EXPECT_EQ(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER), "",
                   "tenants/acme/sessions/nowhere")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  PutSession("s1", api::SESSION_STATE_OPEN);
  EXPECT_EQ(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER), "",
                   "tenants/globex/sessions/s1")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ParticipantCoreTest, ATakenIdIsAlreadyExists) {
  PutSession("s1", api::SESSION_STATE_DRAFT);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  absl::StatusOr<api::Participant> again =
      Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_FACILITATOR));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(), absl::StrCat("participant ", Alice(), " already exists"));
  EXPECT_EQ(StoredParticipant("alice").perspective(), api::PARTICIPANT_PERSPECTIVE_PROVIDER);
}

TEST_F(ParticipantCoreTest, AFullSessionRefusesAnotherParticipantNamingTheLimitAndStoresNothing) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  PutSession("s2", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER), "req-alice").ok());
  // The rest of a full session, stored directly (as many creates would have).
  ASSERT_TRUE(store_
                  .InTenant(rc_,
                            [&](SessionTransaction& tx) -> absl::Status {
                              for (int i = 1; i < kMaxParticipantsPerSession; ++i) {
                                ParticipantRecord r{absl::StrCat("p-", i), 1, "", "", now_};
                                if (absl::Status s = tx.InsertParticipant("s1", r); !s.ok()) {
                                  return s;
                                }
                              }
                              return absl::OkStatus();
                            })
                  .ok());
  live_.ForgetParticipantUpdates();

  absl::StatusOr<api::Participant> refused =
      Create("bob", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth), "req-bob");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(refused.status()), "QUOTA_EXCEEDED");
  EXPECT_EQ(refused.status().message(),
            absl::StrCat("session ", kS1,
                         " already has 5000 participants, the most a session holds; remove one "
                         "who will not answer, or run another session for the rest"));
  const FakeSessionStore::TenantData stored = Stored();
  EXPECT_EQ(stored.participants.count({"s1", "bob"}), 0u);
  EXPECT_EQ(stored.participants.size(), static_cast<size_t>(kMaxParticipantsPerSession));
  EXPECT_EQ(stored.replies.count("req-bob"), 0u);  // a retry once there is room is a new call
  EXPECT_THAT(live_.ParticipantUpdates(), IsEmpty());

  // A retry of an add that was accepted still gets its reply; another session has room; and
  // once one participant leaves, the next one fits.
  EXPECT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER), "req-alice").ok());
  EXPECT_TRUE(
      Create("bob", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER), "", "tenants/acme/sessions/s2")
          .ok());
  ASSERT_TRUE(Delete(absl::StrCat(kS1, "/participants/p-1")).ok());
  EXPECT_TRUE(Create("bob", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth), "req-bob").ok());
  EXPECT_EQ(Create("carol", Person(api::PARTICIPANT_PERSPECTIVE_FACILITATOR)).status().code(),
            absl::StatusCode::kResourceExhausted);
}

// An OPEN session's participants could never give more answers than one scoring takes:
// each answers the items in scope of its perspective, facilitators none.
TEST_F(ParticipantCoreTest, AnOpenSessionTakesNoParticipantWhoseAnswersScoringCouldNotTake) {
  PutSession("s1", api::SESSION_STATE_OPEN, {kNorth}, false, true);
  PinModel("s1", 30, 5);
  // 3 333 provider staff, stored directly: 99 990 answers to come.
  ASSERT_TRUE(
      store_
          .InTenant(
              rc_,
              [&](SessionTransaction& tx) -> absl::Status {
                api::Participant p = Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER);
                for (int i = 0; i < 3333; ++i) {
                  ParticipantRecord r{absl::StrCat("p-", i), 1, "", p.SerializeAsString(), now_};
                  if (absl::Status s = tx.InsertParticipant("s1", r); !s.ok()) {
                    return s;
                  }
                }
                return absl::OkStatus();
              })
          .ok());
  live_.ForgetParticipantUpdates();

  // Two customers of 5 items each still fit, exactly.
  EXPECT_TRUE(Create("bob", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth)).ok());
  EXPECT_TRUE(Create("carol", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth)).ok());
  absl::StatusOr<api::Participant> refused =
      Create("dave", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth), "req-dave");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(refused.status()), "QUOTA_EXCEEDED");
  EXPECT_EQ(
      refused.status().message(),
      absl::StrCat("session ", kS1,
                   " could take up to 100000 answers (3333 provider staff answer 30 items "
                   "in scope each, 2 customer respondents 5 each), and a CUSTOMER participant "
                   "answers 5 more; a session is scored from at most 100000 answers: remove "
                   "a participant who will not answer, or run another session for the "
                   "rest"));
  EXPECT_EQ(Create("erin", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).status().code(),
            absl::StatusCode::kResourceExhausted);
  const FakeSessionStore::TenantData stored = Stored();
  EXPECT_EQ(stored.participants.count({"s1", "dave"}), 0u);
  EXPECT_EQ(stored.participants.count({"s1", "erin"}), 0u);
  EXPECT_EQ(stored.replies.count("req-dave"), 0u);
  EXPECT_THAT(live_.ParticipantUpdates(), SizeIs(2));  // bob and carol

  // A facilitator answers nothing and still joins.
  EXPECT_TRUE(Create("frank", Person(api::PARTICIPANT_PERSPECTIVE_FACILITATOR)).ok());
}

TEST_F(ParticipantCoreTest, ARetryWithTheSameRequestIdGetsTheFirstReply) {
  PutSession("s1", api::SESSION_STATE_DRAFT);
  absl::StatusOr<api::Participant> first =
      Create("", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER), "req-1");
  absl::StatusOr<api::Participant> retry =
      Create("", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER), "req-1");
  ASSERT_TRUE(first.ok() && retry.ok());
  EXPECT_EQ(retry->name(), first->name());  // the generated id is not drawn again
  EXPECT_THAT(Stored().participants, SizeIs(1));
  EXPECT_THAT(live_.ParticipantUpdates(), SizeIs(1));
  absl::StatusOr<api::Participant> other =
      Create("", Person(api::PARTICIPANT_PERSPECTIVE_FACILITATOR), "req-1");
  EXPECT_EQ(ReasonOf(other.status()), "REQUEST_ID_REUSED");
}

// --- GetParticipant / ListParticipants ----------------------------------------------------

TEST_F(ParticipantCoreTest, AnonymousSessionsHideWhoParticipantsAreFromAllButTenantAdmins) {
  PutSession("s1", api::SESSION_STATE_OPEN, {kNorth}, /*anonymous=*/true);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth)).ok());

  absl::StatusOr<api::Participant> seen = Get(Alice());
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->display_name(), "");
  EXPECT_EQ(seen->email(), "");
  EXPECT_EQ(seen->principal(), "");
  EXPECT_EQ(seen->perspective(), api::PARTICIPANT_PERSPECTIVE_CUSTOMER);
  EXPECT_EQ(seen->customer_organization(), kNorth);
  absl::StatusOr<api::ListParticipantsResponse> listed = List("");
  ASSERT_TRUE(listed.ok());
  ASSERT_THAT(listed->participants(), SizeIs(1));
  EXPECT_EQ(listed->participants(0).display_name(), "");
  EXPECT_EQ(listed->participants(0).email(), "");

  rc_.principal.set_role(auth_api::PRINCIPAL_ROLE_TENANT_ADMIN);
  seen = Get(Alice());
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->display_name(), "Alice Andersson");
  EXPECT_EQ(seen->email(), "alice@example.com");
  EXPECT_EQ(seen->principal(), "users/alice");
  EXPECT_EQ(List("")->participants(0).email(), "alice@example.com");
  // Stored whole: hiding is on the way out only.
  EXPECT_EQ(StoredParticipant("alice").email(), "alice@example.com");
}

TEST_F(ParticipantCoreTest, InAnAnonymousSessionOnlyTenantAdminsChangeWhoAParticipantIs) {
  PutSession("s1", api::SESSION_STATE_OPEN, {kNorth}, /*anonymous=*/true);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth)).ok());
  api::Participant change;
  change.set_name(Alice());
  change.set_principal("tenants/acme/apiKeys/facilitator");
  absl::StatusOr<api::Participant> refused = Update(change, {"principal"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("only tenant admins"));
  EXPECT_EQ(Stored().participants.at({"s1", "alice"}).principal, "users/alice");
  change.set_display_name("A.");  // other fields stay the facilitator's to change
  EXPECT_TRUE(Update(change, {"display_name"}).ok());

  rc_.principal.set_role(auth_api::PRINCIPAL_ROLE_TENANT_ADMIN);
  ASSERT_TRUE(Update(change, {"principal"}).ok());
  EXPECT_EQ(Stored().participants.at({"s1", "alice"}).principal,
            "tenants/acme/apiKeys/facilitator");
}

// A new invite token for a participant who has joined an anonymous session would read their
// answers: only tenant admins issue one.
TEST_F(ParticipantCoreTest, InAnAnonymousSessionOnlyTenantAdminsInviteAJoinedParticipantAgain) {
  PutSession("s1", api::SESSION_STATE_OPEN, {kNorth}, /*anonymous=*/true);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth)).ok());
  absl::StatusOr<api::CreateInvitationResponse> first = Invite(Alice());
  ASSERT_TRUE(first.ok()) << first.status();  // not joined yet: the facilitator invites
  ASSERT_TRUE(Accept(Invitee(Alice()), first->token()).ok());  // alice joins
  absl::StatusOr<api::CreateInvitationResponse> again = Invite(Alice());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kPermissionDenied) << again.status();
  EXPECT_THAT(again.status().message(), HasSubstr("only tenant admins"));
  rc_.principal.set_role(auth_api::PRINCIPAL_ROLE_TENANT_ADMIN);
  EXPECT_TRUE(Invite(Alice()).ok());
}

TEST_F(ParticipantCoreTest, NamedSessionsShowNames) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  EXPECT_EQ(Get(Alice())->display_name(), "Alice Andersson");
  EXPECT_EQ(Get(Alice())->etag(), "v1");
}

TEST_F(ParticipantCoreTest, ProgressComesFromTheLiveStateOnceTheModelIsPinned) {
  PutSession("s1", api::SESSION_STATE_OPEN, {kNorth}, false, /*model=*/true);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  ASSERT_TRUE(Create("bob", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth)).ok());
  ASSERT_TRUE(Create("fran", Person(api::PARTICIPANT_PERSPECTIVE_FACILITATOR)).ok());
  EXPECT_TRUE(live_.ParticipantUpdates().back().has_model);
  live_.SetAnswered({{"alice", 1}});

  absl::StatusOr<api::Participant> alice = Get(Alice());
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_EQ(alice->progress().answered_count(), 1);
  EXPECT_EQ(alice->progress().expected_count(), 2);  // PROVIDER and BOTH items
  EXPECT_DOUBLE_EQ(alice->progress().fraction(), 0.5);

  absl::StatusOr<api::ListParticipantsResponse> all = List("");
  ASSERT_TRUE(all.ok());
  ASSERT_THAT(all->participants(), SizeIs(3));
  EXPECT_EQ(all->participants(1).name(), Bob());
  EXPECT_EQ(all->participants(1).progress().answered_count(), 0);
  EXPECT_EQ(all->participants(1).progress().expected_count(), 2);  // CUSTOMER and BOTH
  EXPECT_EQ(all->participants(2).progress().expected_count(), 0);  // facilitators answer none
  EXPECT_EQ(live_.AnsweredCountCalls(), 2);  // once per read, not per participant

  // The live store down: the participant is still readable, without progress.
  live_.SetAvailable(false);
  alice = Get(Alice());
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_FALSE(alice->has_progress());
}

TEST_F(ParticipantCoreTest, DraftSessionsHaveNoProgressYet) {
  PutSession("s1", api::SESSION_STATE_DRAFT);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  absl::StatusOr<api::Participant> alice = Get(Alice());
  ASSERT_TRUE(alice.ok());
  EXPECT_FALSE(alice->has_progress());
  EXPECT_EQ(live_.AnsweredCountCalls(), 0);
}

TEST_F(ParticipantCoreTest, RespondentsSeeOnlyThemselves) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  api::Participant bob = Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  bob.set_principal("users/bob");
  ASSERT_TRUE(Create("bob", bob).ok());

  rc_ = Invitee(Alice());
  EXPECT_TRUE(Get(Alice()).ok());
  absl::StatusOr<api::Participant> other = Get(Bob());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.status().message(), HasSubstr(Bob()));

  // A respondent signed in by JWT is whoever the participant's principal names.
  rc_.principal.set_credential_kind(auth_api::CREDENTIAL_KIND_JWT);
  rc_.principal.set_subject("users/bob");
  rc_.principal.clear_participant();
  EXPECT_TRUE(Get(Bob()).ok());
  EXPECT_EQ(Get(Alice()).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ParticipantCoreTest, ListFiltersCountsAndPages) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("a", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  ASSERT_TRUE(Create("b", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth)).ok());
  ASSERT_TRUE(Create("c", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kSouth)).ok());
  ASSERT_TRUE(Create("d", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth)).ok());
  ASSERT_TRUE(Complete(absl::StrCat(kS1, "/participants/d")).ok());

  auto ids = [](const api::ListParticipantsResponse& r) {
    std::vector<std::string> out;
    for (const api::Participant& p : r.participants()) {
      out.push_back(p.name().substr(p.name().rfind('/') + 1));
    }
    return out;
  };
  absl::StatusOr<api::ListParticipantsResponse> r = List("");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(ids(*r), ElementsAre("a", "b", "c", "d"));
  EXPECT_EQ(r->total_size(), 4);
  EXPECT_EQ(r->next_page_token(), "");

  const std::string customers = "perspective = CUSTOMER";
  r = List(customers, 2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(ids(*r), ElementsAre("b", "c"));
  EXPECT_EQ(r->total_size(), 3);
  ASSERT_NE(r->next_page_token(), "");
  const std::string token = r->next_page_token();
  r = List(customers, 2, token);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(ids(*r), ElementsAre("d"));
  EXPECT_EQ(r->next_page_token(), "");

  // A token is bound to the filter it was issued for.
  absl::StatusOr<api::ListParticipantsResponse> foreign = List("", 2, token);
  EXPECT_EQ(ReasonOf(foreign.status()), "PAGE_TOKEN_INVALID");
  EXPECT_THAT(FieldsOf(foreign.status()), ElementsAre("page_token"));

  r = List(absl::StrCat("customer_organization = \"", kNorth, "\" AND state = INVITED"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(ids(*r), ElementsAre("b"));
  r = List("state = COMPLETED");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(ids(*r), ElementsAre("d"));
  r = List("state != COMPLETED AND perspective!=PROVIDER");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(ids(*r), ElementsAre("b", "c"));

  for (const std::string bad : {"name = \"a\"", "perspective = BOSS", "state",
                                "customer_organization = north", "perspective = CUSTOMER OR"}) {
    absl::StatusOr<api::ListParticipantsResponse> refused = List(bad);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(FieldsOf(refused.status()), ElementsAre("filter")) << bad;
    EXPECT_THAT(DescriptionOf(refused.status(), "filter"),
                HasSubstr("`perspective = PROVIDER|CUSTOMER|FACILITATOR`"));
  }
  EXPECT_THAT(FieldsOf(List("", -1).status()), ElementsAre("page_size"));
}

// --- UpdateParticipant ---------------------------------------------------------------------

TEST_F(ParticipantCoreTest, UpdateChangesOnlyTheMaskedFields) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  now_ += absl::Minutes(5);
  api::Participant change;
  change.set_name(Alice());
  change.set_display_name("Alice B.");
  change.set_email("changed@example.com");  // not in the mask: ignored
  change.set_etag("v1");
  absl::StatusOr<api::Participant> p = Update(change, {"display_name"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->display_name(), "Alice B.");
  EXPECT_EQ(p->email(), "alice@example.com");
  EXPECT_EQ(p->etag(), "v2");
  EXPECT_EQ(FromProto(p->update_time()), now_);
  EXPECT_EQ(StoredParticipant("alice").display_name(), "Alice B.");
  EXPECT_EQ(live_.ParticipantUpdates().back().participant, Alice());

  change.set_etag("");
  change.set_principal("users/alice-2");
  p = Update(change, {"principal", "email"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->email(), "changed@example.com");
  EXPECT_EQ(Stored().participants.at({"s1", "alice"}).principal, "users/alice-2");
}

TEST_F(ParticipantCoreTest, UpdateRefusesBadMasksAndValuesWithFieldPaths) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  api::Participant change;
  change.set_name(Alice());
  change.set_email("not-an-email");

  absl::StatusOr<api::Participant> p = Update(change, {"perspective", "colour"});
  EXPECT_THAT(FieldsOf(p.status()), ElementsAre("update_mask", "update_mask"));
  EXPECT_THAT(p.status().message(), HasSubstr("'perspective' cannot be changed"));
  EXPECT_THAT(ViolationsOf(p.status())[1].description, HasSubstr("unknown field 'colour'"));
  EXPECT_THAT(FieldsOf(Update(change, {}).status()), ElementsAre("update_mask"));
  EXPECT_THAT(FieldsOf(Update(change, {"email"}).status()), ElementsAre("participant.email"));
  EXPECT_EQ(Stored().participants.at({"s1", "alice"}).version, 1);
}

TEST_F(ParticipantCoreTest, UpdateRefusesAStaleEtagAndArchivedSessions) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  api::Participant change;
  change.set_name(Alice());
  change.set_display_name("Someone else");
  change.set_etag("v7");
  absl::StatusOr<api::Participant> stale = Update(change, {"display_name"});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(stale.status()), "ETAG_MISMATCH");
  EXPECT_EQ(StoredParticipant("alice").display_name(), "Alice Andersson");

  change.clear_etag();
  PutSession("s1", api::SESSION_STATE_CLOSED);
  EXPECT_TRUE(Update(change, {"display_name"}).ok());  // closed sessions may still fix names
  PutSession("s1", api::SESSION_STATE_ARCHIVED);
  absl::StatusOr<api::Participant> archived = Update(change, {"email"});
  EXPECT_EQ(ReasonOf(archived.status()), "STATE_CONFLICT");
  EXPECT_THAT(archived.status().message(), HasSubstr("ARCHIVED"));
  // The session state is checked before the participant is looked up.
  api::Participant nobody = change;
  nobody.set_name(absl::StrCat(kS1, "/participants/nobody"));
  EXPECT_EQ(Update(nobody, {"email"}).status().code(), absl::StatusCode::kFailedPrecondition);
  PutSession("s1", api::SESSION_STATE_OPEN);
  EXPECT_EQ(Update(nobody, {"email"}).status().code(), absl::StatusCode::kNotFound);
}

// --- DeleteParticipant ---------------------------------------------------------------------

TEST_F(ParticipantCoreTest, DeleteRemovesTheParticipantAndItsInvitations) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  ASSERT_TRUE(Create("bob", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  ASSERT_TRUE(Invite(Alice()).ok());
  ASSERT_TRUE(Invite(Bob()).ok());

  EXPECT_EQ(Delete(Alice(), "v9").code(), absl::StatusCode::kAborted);
  EXPECT_THAT(Stored().participants, SizeIs(2));

  ASSERT_TRUE(Delete(Alice(), "v1").ok());
  EXPECT_THAT(Stored().participants, SizeIs(1));
  ASSERT_THAT(Stored().invitations, SizeIs(1));
  EXPECT_EQ(Stored().invitations.begin()->second.participant_id, "bob");
  EXPECT_EQ(live_.ParticipantUpdates().back().participant, Alice());
  EXPECT_TRUE(live_.ParticipantUpdates().back().removed);

  EXPECT_EQ(Delete(Alice()).code(), absl::StatusCode::kNotFound);
  PutSession("s1", api::SESSION_STATE_CLOSED);
  absl::Status closed = Delete(Bob());
  EXPECT_EQ(ReasonOf(closed), "STATE_CONFLICT");
  EXPECT_THAT(closed.message(), HasSubstr("CLOSED"));
  EXPECT_THAT(Stored().participants, SizeIs(1));
}

// --- CompleteParticipant -------------------------------------------------------------------

TEST_F(ParticipantCoreTest, CompleteStampsTheParticipantOnceAndRepeatsQuietly) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  now_ += absl::Hours(1);
  absl::StatusOr<api::Participant> done = Complete(Alice());
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), api::PARTICIPANT_STATE_COMPLETED);
  EXPECT_EQ(FromProto(done->complete_time()), now_);
  EXPECT_EQ(FromProto(done->join_time()), now_);
  EXPECT_EQ(done->etag(), "v2");
  EXPECT_EQ(StoredParticipant("alice").state(), api::PARTICIPANT_STATE_COMPLETED);
  EXPECT_EQ(live_.ParticipantUpdates().back().state, api::PARTICIPANT_STATE_COMPLETED);
  const size_t published = live_.ParticipantUpdates().size();

  now_ += absl::Hours(1);
  absl::StatusOr<api::Participant> again = Complete(Alice());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->etag(), "v2");
  EXPECT_EQ(FromProto(again->complete_time()), now_ - absl::Hours(1));
  EXPECT_THAT(live_.ParticipantUpdates(), SizeIs(published));
}

TEST_F(ParticipantCoreTest, RespondentsCompleteOnlyThemselves) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  ASSERT_TRUE(Create("bob", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  const RequestContext alice = Invitee(Alice());
  absl::StatusOr<api::Participant> other = Complete(Bob(), &alice);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(StoredParticipant("bob").state(), api::PARTICIPANT_STATE_INVITED);
  absl::StatusOr<api::Participant> self = Complete(Alice(), &alice);
  ASSERT_TRUE(self.ok()) << self.status();
  EXPECT_EQ(self->state(), api::PARTICIPANT_STATE_COMPLETED);
  // Facilitators complete on anyone's behalf.
  EXPECT_TRUE(Complete(Bob()).ok());
}

TEST_F(ParticipantCoreTest, CompleteNeedsAnOpenSessionAndAnAnsweringParticipant) {
  PutSession("s1", api::SESSION_STATE_DRAFT);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  ASSERT_TRUE(Create("fran", Person(api::PARTICIPANT_PERSPECTIVE_FACILITATOR)).ok());
  absl::StatusOr<api::Participant> draft = Complete(Alice());
  EXPECT_EQ(ReasonOf(draft.status()), "STATE_CONFLICT");
  EXPECT_THAT(draft.status().message(), HasSubstr("DRAFT"));
  PutSession("s1", api::SESSION_STATE_OPEN);
  absl::StatusOr<api::Participant> facilitator = Complete(absl::StrCat(kS1, "/participants/fran"));
  EXPECT_EQ(facilitator.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(facilitator.status()), ElementsAre("name"));
  EXPECT_THAT(DescriptionOf(facilitator.status(), "name"), HasSubstr("facilitators do not answer"));
  EXPECT_EQ(StoredParticipant("fran").state(), api::PARTICIPANT_STATE_INVITED);
  EXPECT_EQ(Complete(absl::StrCat(kS1, "/participants/nobody")).status().code(),
            absl::StatusCode::kNotFound);
}

// --- Answers of participants --------------------------------------------------------------

// A request_id belongs to the caller who sent it first. Bob, sending Alice's SubmitAnswer
// under her request_id, gets neither her answer back nor a second write; Alice's retry still
// gets her reply.
TEST_F(ParticipantCoreTest, AnotherCallerReusingASubmitAnswerRequestIdIsRefused) {
  PutSession("s1", api::SESSION_STATE_OPEN, {kNorth, kSouth}, /*anonymous=*/false, /*model=*/true);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  ASSERT_TRUE(Create("bob", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  AnswerCore answers(store_, models_, live_, "pseudonym-key", [this] { return now_; });
  api::SubmitAnswerRequest req;
  req.set_parent(Alice());
  req.mutable_answer()->set_item_id("incident.triage");
  req.mutable_answer()->set_value(1);
  req.set_request_id("r-1");
  api::SubmitAnswerResponse first;
  ASSERT_TRUE(answers.SubmitAnswer(Invitee(Alice()), req, &first).ok());

  api::SubmitAnswerResponse refused;
  absl::Status s = answers.SubmitAnswer(Invitee(Bob()), req, &refused);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(s), "REQUEST_ID_REUSED");
  EXPECT_THAT(s.message(), HasSubstr("request_id r-1 was already used by another caller"));
  EXPECT_THAT(s.message(), Not(HasSubstr("alice")));
  EXPECT_FALSE(refused.has_answer());
  EXPECT_THAT(Stored().answers, SizeIs(1));

  api::SubmitAnswerResponse retry;
  ASSERT_TRUE(answers.SubmitAnswer(Invitee(Alice()), req, &retry).ok());
  EXPECT_EQ(retry.SerializeAsString(), first.SerializeAsString());
  EXPECT_THAT(Stored().answers, SizeIs(1));
}

// --- Invitations ---------------------------------------------------------------------------

TEST_F(ParticipantCoreTest, AnInvitationShowsItsTokenOnceAndStoresOnlyItsHash) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  absl::StatusOr<api::CreateInvitationResponse> first = Invite(Alice(), "req-inv");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->token(), "inv_acme.inv-1.secret1xyz");
  const api::Invitation& inv = first->invitation();
  EXPECT_EQ(inv.name(), absl::StrCat(kS1, "/invitations/inv-1"));
  EXPECT_EQ(inv.participant(), Alice());
  EXPECT_EQ(inv.state(), api::INVITATION_STATE_ACTIVE);
  EXPECT_EQ(inv.token_prefix(), "inv_acme.inv");
  EXPECT_EQ(FromProto(inv.create_time()), now_);
  EXPECT_EQ(FromProto(inv.expire_time()), now_ + absl::Hours(24 * 30));
  EXPECT_EQ(inv.etag(), "v1");

  const InvitationRecord& stored = Stored().invitations.at({"s1", "inv-1"});
  EXPECT_EQ(stored.secret_sha256, "sha:secret1xyz");
  EXPECT_EQ(stored.perspective, "PROVIDER");
  EXPECT_EQ(stored.state, "ACTIVE");
  EXPECT_THAT(Stored().replies.at("req-inv").reply, ::testing::Not(HasSubstr("secret1xyz")));

  absl::StatusOr<api::CreateInvitationResponse> retry = Invite(Alice(), "req-inv");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->invitation().name(), inv.name());
  EXPECT_EQ(retry->token(), "");
  EXPECT_EQ(tokens_.minted, 1);
  EXPECT_THAT(Stored().invitations, SizeIs(1));
}

TEST_F(ParticipantCoreTest, CreateInvitationRefusesBadInputAndStoresNothing) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  PutSession("s2", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("fran", Person(api::PARTICIPANT_PERSPECTIVE_FACILITATOR)).ok());
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());

  absl::StatusOr<api::CreateInvitationResponse> r =
      Invite("tenants/acme/sessions/s2/participants/alice", "", now_ - absl::Hours(1));
  EXPECT_THAT(FieldsOf(r.status()),
              UnorderedElementsAre("invitation.participant", "invitation.expire_time"));
  EXPECT_THAT(DescriptionOf(r.status(), "invitation.expire_time"), HasSubstr("in the future"));
  EXPECT_THAT(FieldsOf(Invite("").status()), ElementsAre("invitation.participant"));
  EXPECT_THAT(FieldsOf(Invite("alice").status()), ElementsAre("invitation.participant"));
  EXPECT_THAT(FieldsOf(Invite(Alice(), "", now_).status()), ElementsAre("invitation.expire_time"));

  r = Invite(absl::StrCat(kS1, "/participants/nobody"));
  EXPECT_THAT(FieldsOf(r.status()), ElementsAre("invitation.participant"));
  EXPECT_THAT(DescriptionOf(r.status(), "invitation.participant"), HasSubstr("does not exist"));
  r = Invite(absl::StrCat(kS1, "/participants/fran"));
  EXPECT_THAT(FieldsOf(r.status()), ElementsAre("invitation.participant"));
  EXPECT_THAT(DescriptionOf(r.status(), "invitation.participant"), HasSubstr("FACILITATOR"));

  PutSession("s1", api::SESSION_STATE_CLOSED);
  r = Invite(Alice());
  EXPECT_EQ(ReasonOf(r.status()), "STATE_CONFLICT");
  EXPECT_THAT(Stored().invitations, IsEmpty());

  PutSession("s1", api::SESSION_STATE_DRAFT);
  r = Invite(Alice(), "", now_ + absl::Hours(2));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(FromProto(r->invitation().expire_time()), now_ + absl::Hours(2));
}

TEST_F(ParticipantCoreTest, ListInvitationsDerivesExpiryAndFilters) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  ASSERT_TRUE(Create("bob", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  ASSERT_TRUE(Invite(Alice(), "", now_ + absl::Hours(1)).ok());  // inv-1
  now_ += absl::Seconds(1);
  ASSERT_TRUE(Invite(Bob()).ok());  // inv-2
  now_ += absl::Seconds(1);
  ASSERT_TRUE(Invite(Bob()).ok());  // inv-3
  ASSERT_TRUE(Revoke(absl::StrCat(kS1, "/invitations/inv-3")).ok());
  now_ += absl::Hours(2);

  auto names = [](const absl::StatusOr<std::vector<api::Invitation>>& list) {
    std::vector<std::string> out;
    EXPECT_TRUE(list.ok()) << list.status();
    if (!list.ok()) return out;
    for (const api::Invitation& i : *list) {
      out.push_back(absl::StrCat(i.name().substr(i.name().rfind('/') + 1), ":",
                                 api::InvitationState_Name(i.state())));
    }
    return out;
  };
  EXPECT_THAT(names(Invitations()),
              ElementsAre("inv-1:INVITATION_STATE_EXPIRED", "inv-2:INVITATION_STATE_ACTIVE",
                          "inv-3:INVITATION_STATE_REVOKED"));
  EXPECT_EQ(Stored().invitations.at({"s1", "inv-1"}).state, "ACTIVE");  // derived, not stored
  EXPECT_THAT(names(Invitations("state = EXPIRED")), ElementsAre("inv-1:INVITATION_STATE_EXPIRED"));
  EXPECT_THAT(names(Invitations(absl::StrCat("participant = \"", Bob(), "\""))),
              ElementsAre("inv-2:INVITATION_STATE_ACTIVE", "inv-3:INVITATION_STATE_REVOKED"));
  EXPECT_THAT(names(Invitations(absl::StrCat("participant = \"", Bob(), "\" AND state = ACTIVE"))),
              ElementsAre("inv-2:INVITATION_STATE_ACTIVE"));
  absl::StatusOr<std::vector<api::Invitation>> bad = Invitations("state = USED");
  EXPECT_THAT(FieldsOf(bad.status()), ElementsAre("filter"));
  EXPECT_THAT(DescriptionOf(bad.status(), "filter"), HasSubstr("ACTIVE|REVOKED|EXPIRED"));

  api::ListInvitationsRequest req;
  req.set_parent(kS1);
  req.set_page_size(2);
  api::ListInvitationsResponse page1;
  ASSERT_TRUE(core_.ListInvitations(rc_, req, &page1).ok());
  EXPECT_THAT(page1.invitations(), SizeIs(2));
  ASSERT_NE(page1.next_page_token(), "");
  req.set_page_token(page1.next_page_token());
  api::ListInvitationsResponse page2;
  ASSERT_TRUE(core_.ListInvitations(rc_, req, &page2).ok());
  ASSERT_THAT(page2.invitations(), SizeIs(1));
  EXPECT_EQ(page2.invitations(0).name(), absl::StrCat(kS1, "/invitations/inv-3"));
  EXPECT_EQ(page2.next_page_token(), "");
}

TEST_F(ParticipantCoreTest, InvitationsExpireWhenTheSessionCloses) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  ASSERT_TRUE(Invite(Alice()).ok());
  absl::StatusOr<std::vector<api::Invitation>> open = Invitations();
  ASSERT_TRUE(open.ok()) << open.status();
  ASSERT_THAT(*open, SizeIs(1));
  EXPECT_EQ((*open)[0].state(), api::INVITATION_STATE_ACTIVE);
  for (api::SessionState ended : {api::SESSION_STATE_CLOSED, api::SESSION_STATE_ARCHIVED}) {
    PutSession("s1", ended);
    absl::StatusOr<std::vector<api::Invitation>> list = Invitations("state = EXPIRED");
    ASSERT_TRUE(list.ok()) << list.status();
    ASSERT_THAT(*list, SizeIs(1)) << api::SessionState_Name(ended);
    EXPECT_EQ((*list)[0].state(), api::INVITATION_STATE_EXPIRED);
  }
}

TEST_F(ParticipantCoreTest, RevokeStampsOnceChecksTheEtagAndKnowsWhatExists) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  ASSERT_TRUE(Invite(Alice()).ok());
  const std::string name = absl::StrCat(kS1, "/invitations/inv-1");

  absl::StatusOr<api::Invitation> stale = Revoke(name, "v2");
  EXPECT_EQ(ReasonOf(stale.status()), "ETAG_MISMATCH");
  EXPECT_EQ(Stored().invitations.at({"s1", "inv-1"}).state, "ACTIVE");

  now_ += absl::Minutes(1);
  absl::StatusOr<api::Invitation> revoked = Revoke(name, "v1");
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->state(), api::INVITATION_STATE_REVOKED);
  EXPECT_EQ(FromProto(revoked->revoke_time()), now_);
  EXPECT_EQ(revoked->etag(), "v2");
  EXPECT_EQ(Stored().invitations.at({"s1", "inv-1"}).state, "REVOKED");

  now_ += absl::Minutes(1);
  absl::StatusOr<api::Invitation> again = Revoke(name);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->etag(), "v2");
  EXPECT_EQ(FromProto(again->revoke_time()), now_ - absl::Minutes(1));

  absl::StatusOr<api::Invitation> missing = Revoke(absl::StrCat(kS1, "/invitations/inv-9"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("inv-9"));
}

TEST_F(ParticipantCoreTest, AcceptingMarksTheParticipantActiveOnce) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  absl::StatusOr<api::CreateInvitationResponse> inv = Invite(Alice());
  ASSERT_TRUE(inv.ok());
  now_ += absl::Hours(1);

  absl::StatusOr<api::AcceptInvitationResponse> accepted = Accept(Invitee(Alice()), inv->token());
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->invitation().name(), inv->invitation().name());
  EXPECT_EQ(accepted->participant().name(), Alice());
  EXPECT_EQ(accepted->participant().state(), api::PARTICIPANT_STATE_ACTIVE);
  EXPECT_EQ(FromProto(accepted->participant().join_time()), now_);
  EXPECT_EQ(accepted->participant().etag(), "v2");
  EXPECT_EQ(accepted->session().name(), kS1);
  EXPECT_EQ(StoredParticipant("alice").state(), api::PARTICIPANT_STATE_ACTIVE);
  ASSERT_EQ(live_.ParticipantUpdates().back().participant, Alice());
  EXPECT_EQ(live_.ParticipantUpdates().back().state, api::PARTICIPANT_STATE_ACTIVE);
  const size_t published = live_.ParticipantUpdates().size();

  now_ += absl::Hours(1);
  accepted = Accept(Invitee(Alice()), inv->token());
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(FromProto(accepted->participant().join_time()), now_ - absl::Hours(1));
  EXPECT_THAT(live_.ParticipantUpdates(), SizeIs(published));
}

TEST_F(ParticipantCoreTest, AcceptRefusesEveryTokenButTheCallersOwn) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  ASSERT_TRUE(Create("bob", Person(api::PARTICIPANT_PERSPECTIVE_PROVIDER)).ok());
  const std::string token = Invite(Alice())->token();
  const std::string bobs = Invite(Bob())->token();

  RequestContext api_key = rc_;
  RequestContext other_tenant = Invitee(Alice());
  other_tenant.tenant_id = "globex";
  for (const auto& [rc, presented, why] :
       std::vector<std::tuple<RequestContext, std::string, std::string>>{
           {Invitee(Alice()), "inv_acme.inv-1.wrongsecret", "wrong secret"},
           {Invitee(Alice()), "garbage", "malformed"},
           {Invitee(Alice()), "inv_globex.inv-1.secret1xyz", "another tenant's token"},
           {other_tenant, token, "caller of another tenant"},
           {api_key, token, "not authenticated by an invite token"},
           {Invitee(Bob()), token, "authenticated as another participant"},
           {Invitee(Alice()), bobs, "another participant's token"},
           {Invitee(Alice()), "inv_acme.inv-9.secret1xyz", "unknown invitation"}}) {
    absl::StatusOr<api::AcceptInvitationResponse> r = Accept(rc, presented);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated) << why;
    EXPECT_EQ(ReasonOf(r.status()), "INVITE_TOKEN_INVALID") << why;
    EXPECT_THAT(r.status().message(), HasSubstr("x-lagom-invite-token")) << why;
  }
  EXPECT_THAT(FieldsOf(Accept(Invitee(Alice()), "").status()), ElementsAre("token"));

  ASSERT_TRUE(Revoke(absl::StrCat(kS1, "/invitations/inv-1")).ok());
  absl::StatusOr<api::AcceptInvitationResponse> revoked = Accept(Invitee(Alice()), token);
  EXPECT_EQ(ReasonOf(revoked.status()), "INVITE_TOKEN_INVALID");
  EXPECT_THAT(revoked.status().message(), HasSubstr("revoked"));

  now_ += absl::Hours(24 * 31);
  absl::StatusOr<api::AcceptInvitationResponse> expired = Accept(Invitee(Bob()), bobs);
  EXPECT_EQ(ReasonOf(expired.status()), "INVITE_TOKEN_INVALID");
  EXPECT_THAT(expired.status().message(), HasSubstr("expired"));

  EXPECT_EQ(StoredParticipant("alice").state(), api::PARTICIPANT_STATE_INVITED);
  EXPECT_EQ(StoredParticipant("bob").state(), api::PARTICIPANT_STATE_INVITED);
}

TEST_F(ParticipantCoreTest, InvitationsDieWhenTheSessionCloses) {
  PutSession("s1", api::SESSION_STATE_OPEN);
  ASSERT_TRUE(Create("alice", Person(api::PARTICIPANT_PERSPECTIVE_CUSTOMER, kNorth)).ok());
  const std::string token = Invite(Alice())->token();
  PutSession("s1", api::SESSION_STATE_CLOSED);
  absl::StatusOr<api::AcceptInvitationResponse> r = Accept(Invitee(Alice()), token);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("the session has closed"));
  EXPECT_EQ(StoredParticipant("alice").state(), api::PARTICIPANT_STATE_INVITED);
}

}  // namespace
}  // namespace lagom::session
