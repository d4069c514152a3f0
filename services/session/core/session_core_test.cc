#include "services/session/core/session_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status.h"
#include "lagom/auth/v1/auth.pb.h"
#include "services/session/core/fake_session_store.h"

namespace lagom::session {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
namespace auth_api = ::lagom::auth::v1;

constexpr char kTenant[] = "acme";
constexpr char kPublished[] = "models/lagom-itsm/versions/1.0";
constexpr char kDraftVersion[] = "tenants/acme/models/own/versions/2";

class FakeModelCatalog final : public ModelCatalog {
 public:
  absl::StatusOr<std::optional<PublishedModel>> GetPublished(const RequestContext&,
                                                             const std::string& name) override {
    ++calls;
    if (published.count(name) == 0) return std::nullopt;
    PublishedModel model{"sha256:pinned", {}};
    auto* area = model.content.add_areas();
    area->set_id("incident");
    area->set_default_target_score(0.6);
    auto* item = area->add_items();
    item->set_id("incident.triage");
    item->set_perspective(questionnaire::v1::ITEM_PERSPECTIVE_PROVIDER);
    item->set_scale(questionnaire::v1::SCALE_MATURITY_0_5);
    for (int i = 1; i < provider_items; ++i) {
      auto* more = area->add_items();
      more->set_id(absl::StrCat("incident.q", i));
      more->set_perspective(questionnaire::v1::ITEM_PERSPECTIVE_PROVIDER);
      more->set_scale(questionnaire::v1::SCALE_MATURITY_0_5);
    }
    return model;
  }
  absl::StatusOr<std::vector<type_api::AreaTarget>> TenantTargets(const RequestContext&) override {
    return std::vector<type_api::AreaTarget>{};
  }
  absl::StatusOr<std::vector<std::string>> NotInCatalog(
      const RequestContext&, absl::string_view collection,
      const std::vector<std::string>& names) override {
    ++catalog_reads[std::string(collection)];
    if (!catalog_status.ok()) return catalog_status;
    if (on_lookup) std::exchange(on_lookup, nullptr)();
    std::vector<std::string> missing;
    for (const std::string& name : names) {
      if (not_in_catalog.count(name) > 0) missing.push_back(name);
    }
    return missing;
  }
  std::set<std::string> published = {kPublished};
  int provider_items = 1;  // incident.triage, then incident.q1, incident.q2, ...
  int calls = 0;
  std::set<std::string> not_in_catalog;      // every other scope entry exists
  std::map<std::string, int> catalog_reads;  // by collection
  absl::Status catalog_status;               // what NotInCatalog fails with, if not OK
  std::function<void()> on_lookup;           // runs once, during the next lookup
};

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(status)) fields.push_back(v.field);
  return fields;
}

class SessionCoreTest : public ::testing::Test {
 protected:
  SessionCoreTest() : core_(store_, models_, [this] { return now_; }) { rc_.tenant_id = kTenant; }

  api::Session Draft() {
    api::Session s;
    s.set_title("Spring review");
    s.set_model_version(kPublished);
    s.mutable_scope()->add_services("tenants/acme/services/mail");
    s.mutable_scope()->add_customer_organizations("tenants/acme/customerOrganizations/north");
    auto* target = s.add_target_overrides();
    target->set_area_id("incident");
    target->set_target_score(0.7);
    (*s.mutable_labels())["quarter"] = "q2";
    return s;
  }

  absl::StatusOr<api::Session> Create(const std::string& id = "", api::Session s = {},
                                      const std::string& request_id = "") {
    api::CreateSessionRequest req;
    req.set_parent("tenants/acme");
    *req.mutable_session() = s.title().empty() ? Draft() : s;
    req.set_session_id(id);
    req.set_request_id(request_id);
    api::CreateSessionResponse resp;
    if (absl::Status st = core_.CreateSession(rc_, req, &resp); !st.ok()) return st;
    return resp.session();
  }

  template <typename Req, typename Resp>
  absl::StatusOr<api::Session> Move(absl::Status (SessionCore::*method)(const RequestContext&,
                                                                        const Req&, Resp*),
                                    const std::string& name, const std::string& etag = "",
                                    const std::string& request_id = "") {
    Req req;
    req.set_name(name);
    req.set_etag(etag);
    req.set_request_id(request_id);
    Resp resp;
    if (absl::Status st = (core_.*method)(rc_, req, &resp); !st.ok()) return st;
    return resp.session();
  }
  absl::StatusOr<api::Session> Open(const std::string& name, const std::string& etag = "",
                                    const std::string& request_id = "") {
    return Move(&SessionCore::OpenSession, name, etag, request_id);
  }
  absl::StatusOr<api::Session> Close(const std::string& name) {
    return Move(&SessionCore::CloseSession, name);
  }
  absl::StatusOr<api::Session> Archive(const std::string& name) {
    return Move(&SessionCore::ArchiveSession, name);
  }
  absl::Status Delete(const std::string& name, const std::string& etag = "") {
    api::DeleteSessionRequest req;
    req.set_name(name);
    req.set_etag(etag);
    api::DeleteSessionResponse resp;
    return core_.DeleteSession(rc_, req, &resp);
  }
  absl::StatusOr<api::Session> Update(const api::Session& s, std::vector<std::string> paths,
                                      const std::string& request_id = "") {
    api::UpdateSessionRequest req;
    *req.mutable_session() = s;
    for (const std::string& p : paths) req.mutable_update_mask()->add_paths(p);
    req.set_request_id(request_id);
    api::UpdateSessionResponse resp;
    if (absl::Status st = core_.UpdateSession(rc_, req, &resp); !st.ok()) return st;
    return resp.session();
  }
  absl::StatusOr<api::Session> Get(const std::string& name) {
    api::GetSessionRequest req;
    req.set_name(name);
    api::GetSessionResponse resp;
    if (absl::Status st = core_.GetSession(rc_, req, &resp); !st.ok()) return st;
    return resp.session();
  }
  // A session in `state`, reached through the lifecycle.
  api::Session InState(api::SessionState state, const std::string& id) {
    absl::StatusOr<api::Session> s = Create(id);
    EXPECT_TRUE(s.ok()) << s.status();
    if (state >= api::SESSION_STATE_OPEN) s = Open(s->name());
    if (state >= api::SESSION_STATE_CLOSED) s = Close(s->name());
    if (state >= api::SESSION_STATE_ARCHIVED) s = Archive(s->name());
    EXPECT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->state(), state);
    return *s;
  }
  size_t Stored() { return store_.Snapshot(kTenant).sessions.size(); }

  FakeSessionStore store_;
  FakeModelCatalog models_;
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  SessionCore core_;
  RequestContext rc_;
};

TEST_F(SessionCoreTest, CreatesADraftWithNameTimesAndEtag) {
  absl::StatusOr<api::Session> s = Create("spring");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name(), "tenants/acme/sessions/spring");
  EXPECT_EQ(s->state(), api::SESSION_STATE_DRAFT);
  EXPECT_EQ(s->title(), "Spring review");
  EXPECT_EQ(s->create_time().seconds(), 1700000000);
  EXPECT_FALSE(s->etag().empty());
  absl::StatusOr<api::Session> read = Get(s->name());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->SerializeAsString(), s->SerializeAsString());
}

// A respondent signed in with an API key or JWT reads only sessions they take part in; to
// them the others do not exist.
TEST_F(SessionCoreTest, ARespondentReadsOnlySessionsTheyTakePartIn) {
  const api::Session theirs = InState(api::SESSION_STATE_OPEN, "theirs");
  const api::Session other = InState(api::SESSION_STATE_OPEN, "other");
  ASSERT_TRUE(store_
                  .InTenant(rc_,
                            [&](SessionTransaction& tx) {
                              return tx.InsertParticipant(
                                  "theirs", ParticipantRecord{"pat", 1, "users/pat", "", now_});
                            })
                  .ok());
  rc_.principal.set_role(auth_api::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT);
  rc_.principal.set_subject("users/pat");
  EXPECT_TRUE(Get(theirs.name()).ok());
  absl::StatusOr<api::Session> refused = Get(other.name());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound) << refused.status();
  // Word for word what a session that does not exist gets.
  EXPECT_EQ(refused.status().message(), "session " + other.name() + " not found");
  EXPECT_EQ(Get("tenants/acme/sessions/absent").status().message(),
            "session tenants/acme/sessions/absent not found");
  rc_.principal.set_subject("users/someone-else");
  EXPECT_EQ(Get(theirs.name()).status().code(), absl::StatusCode::kNotFound);
  // Everyone else reads every session of the tenant.
  rc_.principal.set_role(auth_api::PRINCIPAL_ROLE_VIEWER);
  EXPECT_TRUE(Get(other.name()).ok());
}

TEST_F(SessionCoreTest, GeneratesAnIdAndIgnoresOutputOnlyFields) {
  api::Session in = Draft();
  in.set_state(api::SESSION_STATE_CLOSED);
  in.set_model_content_hash("forged");
  in.mutable_open_time()->set_seconds(5);
  absl::StatusOr<api::Session> s = Create("", in);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(s->name(), HasSubstr("tenants/acme/sessions/session-"));
  EXPECT_EQ(s->state(), api::SESSION_STATE_DRAFT);
  EXPECT_EQ(s->model_content_hash(), "");
  EXPECT_FALSE(s->has_open_time());
}

TEST_F(SessionCoreTest, CreateReportsEveryBadFieldAndStoresNothing) {
  api::Session bad;
  bad.set_title(" ");
  bad.set_model_version("tenants/other/models/m/versions/1");
  bad.mutable_scope()->add_services("tenants/other/services/mail");
  bad.mutable_scope()->add_customer_organizations("north");
  bad.mutable_scope()->add_area_ids("");
  auto* t = bad.add_target_overrides();
  t->set_target_score(1.5);
  bad.set_language_tag("de");
  bad.mutable_due_time()->set_seconds(253402300800);  // 10000-01-01: past what JSON can say
  (*bad.mutable_labels())["Bad Key"] = "x";
  api::CreateSessionRequest req;
  req.set_parent("tenants/acme");
  req.set_session_id("9-starts-with-digit");
  req.set_request_id("not a uuid!");
  *req.mutable_session() = bad;
  api::CreateSessionResponse resp;
  absl::Status st = core_.CreateSession(rc_, req, &resp);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(st), "FIELD_INVALID");
  EXPECT_THAT(
      FieldsOf(st),
      UnorderedElementsAre("session_id", "session.title", "session.model_version",
                           "session.scope.services[0]", "session.scope.customer_organizations[0]",
                           "session.scope.area_ids[0]", "session.target_overrides[0].area_id",
                           "session.target_overrides[0].target_score", "session.language_tag",
                           "session.due_time", "session.labels.Bad Key", "request_id"));
  EXPECT_EQ(Stored(), 0u);
}

// `field`'s violations, as "field: description".
std::vector<std::string> ViolationsAt(const absl::Status& status, absl::string_view prefix) {
  std::vector<std::string> out;
  for (const FieldViolation& v : ViolationsOf(status)) {
    if (absl::StartsWith(v.field, prefix))
      out.push_back(absl::StrCat(v.field, ": ", v.description));
  }
  return out;
}

// A scope of `orgs` customer organisations, `services` services and `areas` areas, with a
// target for each area.
api::Session ScopeOf(api::Session s, int orgs, int services, int areas) {
  s.clear_scope();
  s.clear_target_overrides();
  for (int i = 0; i < orgs; ++i) {
    s.mutable_scope()->add_customer_organizations(
        absl::StrCat("tenants/acme/customerOrganizations/org-", i));
  }
  for (int i = 0; i < services; ++i) {
    s.mutable_scope()->add_services(absl::StrCat("tenants/acme/services/svc-", i));
  }
  for (int i = 0; i < areas; ++i) {
    s.mutable_scope()->add_area_ids(absl::StrCat("area-", i));
    auto* target = s.add_target_overrides();
    target->set_area_id(absl::StrCat("area-", i));
    target->set_target_score(0.5);
  }
  return s;
}

TEST_F(SessionCoreTest, AScopeBeyondItsLimitsIsRefusedNamingFieldAndLimitAndStoresNothing) {
  absl::StatusOr<api::Session> refused =
      Create("wide", ScopeOf(Draft(), kMaxScopeCustomerOrganizations + 1, kMaxScopeServices + 1,
                             kMaxScopeAreas + 1));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(refused.status()), "FIELD_INVALID");
  EXPECT_THAT(
      ViolationsAt(refused.status(), "session."),
      UnorderedElementsAre(
          "session.scope.customer_organizations: at most 500 (got 501): scoring takes answers "
          "from at most that many customer organisations",
          "session.scope.services: at most 10000 (got 10001): a tenant's catalogue holds no more "
          "services",
          "session.scope.area_ids: at most 40 (got 41): a model holds no more areas",
          "session.target_overrides: at most 40 (got 41): a model holds no more areas"));
  EXPECT_EQ(Stored(), 0u);

  // At the limits, it is a session.
  absl::StatusOr<api::Session> full = Create(
      "full", ScopeOf(Draft(), kMaxScopeCustomerOrganizations, kMaxScopeServices, kMaxScopeAreas));
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->scope().customer_organizations_size(), 500);
}

TEST_F(SessionCoreTest, UpdateRefusesAScopeBeyondItsLimitsAndChangesNothing) {
  absl::StatusOr<api::Session> s = Create("s");
  ASSERT_TRUE(s.ok()) << s.status();
  absl::StatusOr<api::Session> r =
      Update(ScopeOf(*s, kMaxScopeCustomerOrganizations + 1, 0, 0), {"scope"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsAt(r.status(), "session."),
              UnorderedElementsAre("session.scope.customer_organizations: at most 500 (got 501): "
                                   "scoring takes answers from at most that many customer "
                                   "organisations"));
  r = Update(ScopeOf(*s, 0, 0, kMaxScopeAreas + 1), {"target_overrides"});
  EXPECT_THAT(
      ViolationsAt(r.status(), "session."),
      UnorderedElementsAre("session.target_overrides: at most 40 (got 41): a model holds no more "
                           "areas"));
  EXPECT_EQ(Get(s->name())->SerializeAsString(), s->SerializeAsString());
}

TEST_F(SessionCoreTest, ModelVersionMustBeBuiltInOrTheCallersOwn) {
  for (const std::string& ok : {std::string(kPublished), std::string(kDraftVersion)}) {
    api::Session s = Draft();
    s.set_model_version(ok);
    EXPECT_TRUE(Create("", s).ok()) << ok;
  }
  for (const char* bad :
       {"", "models/x", "tenants/acme/models/own", "tenants/other/models/m/versions/1",
        "models/X/versions/1", "models/m/versions/1/extra"}) {
    api::Session s = Draft();
    s.set_model_version(bad);
    absl::StatusOr<api::Session> created = Create("", s);
    EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(FieldsOf(created.status()), Contains("session.model_version")) << bad;
  }
}

TEST_F(SessionCoreTest, AnotherTenantsParentOrSessionIsNotFound) {
  api::CreateSessionRequest req;
  req.set_parent("tenants/other");
  *req.mutable_session() = Draft();
  api::CreateSessionResponse resp;
  EXPECT_EQ(core_.CreateSession(rc_, req, &resp).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(Create("mine").ok());
  EXPECT_EQ(Get("tenants/other/sessions/mine").status().code(), absl::StatusCode::kNotFound);
  RequestContext other;
  other.tenant_id = "other";
  api::GetSessionRequest get;
  get.set_name("tenants/other/sessions/mine");
  api::GetSessionResponse got;
  EXPECT_EQ(core_.GetSession(other, get, &got).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Get("sessions/mine").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SessionCoreTest, ATakenIdIsAlreadyExists) {
  ASSERT_TRUE(Create("spring").ok());
  absl::StatusOr<api::Session> again = Create("spring");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(again.status()), "ALREADY_EXISTS");
}

TEST_F(SessionCoreTest, TheLifecycleRunsForwardAndStampsEachStep) {
  absl::StatusOr<api::Session> s = Create("s");
  ASSERT_TRUE(s.ok());
  now_ += absl::Hours(1);
  absl::StatusOr<api::Session> open = Open(s->name(), s->etag());
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_EQ(open->state(), api::SESSION_STATE_OPEN);
  EXPECT_EQ(open->open_time().seconds(), 1700003600);
  EXPECT_NE(open->etag(), s->etag());
  now_ += absl::Hours(1);
  absl::StatusOr<api::Session> closed = Close(s->name());
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->state(), api::SESSION_STATE_CLOSED);
  EXPECT_EQ(closed->close_time().seconds(), 1700007200);
  absl::StatusOr<api::Session> archived = Archive(s->name());
  ASSERT_TRUE(archived.ok()) << archived.status();
  EXPECT_EQ(archived->state(), api::SESSION_STATE_ARCHIVED);
  EXPECT_TRUE(archived->has_archive_time());
  EXPECT_EQ(Get(s->name())->SerializeAsString(), archived->SerializeAsString());
}

TEST_F(SessionCoreTest, OpeningPinsTheModelTargetsAndRoundOne) {
  absl::StatusOr<api::Session> s = Create("pinned");
  ASSERT_TRUE(s.ok()) << s.status();
  absl::StatusOr<api::Session> open = Open(s->name());
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_EQ(open->model_content_hash(), "sha256:pinned");
  ASSERT_EQ(open->effective_targets_size(), 1);
  EXPECT_EQ(open->effective_targets(0).area_id(), "incident");
  const FakeSessionStore::TenantData data = store_.Snapshot(rc_.tenant_id);
  const std::string id = s->name().substr(s->name().rfind('/') + 1);
  ASSERT_EQ(data.pinned.count(id), 1u);
  EXPECT_EQ(data.pinned.at(id).first, "sha256:pinned");
  ASSERT_EQ(data.rounds.count({id, 1}), 1u);
  api::Round round;
  ASSERT_TRUE(round.ParseFromString(data.rounds.at({id, 1})));
  EXPECT_THAT(round.item_ids(), testing::ElementsAre("incident.triage"));
  EXPECT_EQ(round.state(), api::ROUND_STATE_OPEN);
}

TEST_F(SessionCoreTest, ClosingKeepsTheFinalAnswersAndQueuesSessionClosed) {
  absl::StatusOr<api::Session> s = Create("closing");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(Open(s->name()).ok());
  absl::StatusOr<api::Session> closed = Close(s->name());
  ASSERT_TRUE(closed.ok()) << closed.status();
  const FakeSessionStore::TenantData data = store_.Snapshot(rc_.tenant_id);
  // session.opened for webhooks; session.closed for scoring and, separately, for webhooks.
  ASSERT_EQ(data.outbox.size(), 3u);
  EXPECT_EQ(data.outbox[0].consumer, "webhooks");
  EXPECT_EQ(data.outbox[0].topic, "session.opened");
  EXPECT_EQ(data.outbox[1].consumer, "scoring");
  EXPECT_EQ(data.outbox[1].topic, "session.closed");
  EXPECT_EQ(data.outbox[2].consumer, "webhooks");
  EXPECT_EQ(data.outbox[2].topic, "session.closed");
  auth_api::PublishWebhookEventRequest opened;
  ASSERT_TRUE(opened.ParseFromString(data.outbox[0].payload));
  EXPECT_EQ(opened.tenant_id(), rc_.tenant_id);
  EXPECT_EQ(opened.type(), "session.opened");
  EXPECT_EQ(opened.resource(), s->name());
  EXPECT_EQ(opened.data().at("state"), "SESSION_STATE_OPEN");
  EXPECT_EQ(opened.data().at("title"), s->title());
  auth_api::PublishWebhookEventRequest hook;
  ASSERT_TRUE(hook.ParseFromString(data.outbox[2].payload));
  EXPECT_EQ(hook.type(), "session.closed");
  EXPECT_EQ(hook.resource(), s->name());
  EXPECT_EQ(hook.data().at("state"), "SESSION_STATE_CLOSED");
  EXPECT_EQ(hook.data().at("finalAnswerCount"), "0");
  EXPECT_EQ(hook.event_time().seconds(), closed->close_time().seconds());
  // The event id is the relay's to add (from the outbox row), so every retry repeats it.
  EXPECT_TRUE(hook.event_id().empty());
  api::SessionClosedEvent event;
  ASSERT_TRUE(event.ParseFromString(data.outbox[1].payload));
  EXPECT_EQ(event.session().name(), s->name());
  EXPECT_EQ(event.session().state(), api::SESSION_STATE_CLOSED);
  const std::string id = s->name().substr(s->name().rfind('/') + 1);
  api::Round round;
  ASSERT_TRUE(round.ParseFromString(data.rounds.at({id, 1})));
  EXPECT_EQ(round.state(), api::ROUND_STATE_ENDED);
}

TEST_F(SessionCoreTest, EveryWrongTransitionIsAStateConflictNamingTheState) {
  const api::SessionState all[] = {api::SESSION_STATE_DRAFT, api::SESSION_STATE_OPEN,
                                   api::SESSION_STATE_CLOSED, api::SESSION_STATE_ARCHIVED};
  int n = 0;
  for (api::SessionState from : all) {
    for (const std::string action : {"open", "close", "archive", "delete"}) {
      const bool allowed = (from == api::SESSION_STATE_DRAFT && action == "open") ||
                           (from == api::SESSION_STATE_OPEN && action == "close") ||
                           (from == api::SESSION_STATE_CLOSED && action == "archive") ||
                           (from == api::SESSION_STATE_DRAFT && action == "delete") ||
                           (from == api::SESSION_STATE_ARCHIVED && action == "delete");
      const api::Session s = InState(from, absl::StrCat("s", n++));
      absl::Status st;
      if (action == "open") st = Open(s.name()).status();
      if (action == "close") st = Close(s.name()).status();
      if (action == "archive") st = Archive(s.name()).status();
      if (action == "delete") st = Delete(s.name());
      const std::string what = absl::StrCat(action, " from ", api::SessionState_Name(from));
      if (allowed) {
        EXPECT_TRUE(st.ok()) << what << ": " << st;
        continue;
      }
      EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << what;
      EXPECT_EQ(ReasonOf(st), "STATE_CONFLICT") << what;
      const std::string state(absl::StripPrefix(api::SessionState_Name(from), "SESSION_STATE_"));
      EXPECT_THAT(st.message(), HasSubstr("is " + state)) << what;
      absl::StatusOr<api::Session> after = Get(s.name());
      ASSERT_TRUE(after.ok()) << what;
      EXPECT_EQ(after->SerializeAsString(), s.SerializeAsString()) << what << ": unchanged";
    }
  }
}

TEST_F(SessionCoreTest, OpenRefusesAVersionThatIsNotPublished) {
  api::Session in = Draft();
  in.set_model_version(kDraftVersion);
  absl::StatusOr<api::Session> s = Create("s", in);
  ASSERT_TRUE(s.ok());
  absl::StatusOr<api::Session> open = Open(s->name());
  EXPECT_EQ(open.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(open.status().message(), HasSubstr("not PUBLISHED"));
  EXPECT_THAT(open.status().message(), HasSubstr(kDraftVersion));
  EXPECT_EQ(Get(s->name())->state(), api::SESSION_STATE_DRAFT);

  models_.published.insert(kDraftVersion);
  EXPECT_TRUE(Open(s->name()).ok());
}

// Participants join while DRAFT, before the model is pinned: opening is where what they
// could answer is known, and a session whose answers scoring could not take does not open.
TEST_F(SessionCoreTest, OpenRefusesParticipantsWhoseAnswersScoringCouldNotTake) {
  models_.provider_items = 30;
  absl::StatusOr<api::Session> s = Create("big");
  ASSERT_TRUE(s.ok()) << s.status();
  auto add = [&](int n) {
    return store_.InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
      api::Participant p;
      p.set_perspective(api::PARTICIPANT_PERSPECTIVE_PROVIDER);
      for (int i = 0; i < n; ++i) {
        ParticipantRecord r{absl::StrCat("p-", i), 1, "", p.SerializeAsString(), now_};
        if (absl::Status st = tx.InsertParticipant("big", r); !st.ok()) return st;
      }
      return absl::OkStatus();
    });
  };
  ASSERT_TRUE(add(3334).ok());  // 100 020 answers to come

  absl::StatusOr<api::Session> open = Open(s->name());
  EXPECT_EQ(open.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(open.status()), "SESSION_TOO_LARGE");
  EXPECT_EQ(
      open.status().message(),
      "session tenants/acme/sessions/big could take up to 100020 answers (3334 provider "
      "staff answer 30 items in scope each, 0 customer respondents 0 each); a session is scored "
      "from at most 100000 answers: remove participants who will not answer, or narrow "
      "scope.area_ids");
  EXPECT_EQ(Get(s->name())->SerializeAsString(), s->SerializeAsString());
  EXPECT_THAT(store_.Snapshot(kTenant).pinned, IsEmpty());
  EXPECT_THAT(store_.Snapshot(kTenant).rounds, IsEmpty());

  ASSERT_TRUE(
      store_
          .InTenant(rc_, [&](SessionTransaction& tx) { return tx.DeleteParticipant("big", "p-0"); })
          .ok());
  EXPECT_TRUE(Open(s->name()).ok());  // 99 990
}

// Customer participants answer for an organisation of the scope: a DRAFT's new scope keeps
// each organisation that has them.
TEST_F(SessionCoreTest, AScopeThatLeavesOutACustomersOrganisationIsRefused) {
  constexpr char kNorth[] = "tenants/acme/customerOrganizations/north";
  constexpr char kSouth[] = "tenants/acme/customerOrganizations/south";
  absl::StatusOr<api::Session> s = Create("scoped");
  ASSERT_TRUE(s.ok()) << s.status();
  auto put = [&](const std::string& id, const std::string& org) {
    return store_.InTenant(rc_, [&](SessionTransaction& tx) {
      api::Participant p;
      p.set_perspective(api::PARTICIPANT_PERSPECTIVE_CUSTOMER);
      p.set_customer_organization(org);
      return tx.InsertParticipant("scoped",
                                  ParticipantRecord{id, 1, "", p.SerializeAsString(), now_});
    });
  };
  ASSERT_TRUE(put("c1", kNorth).ok());
  ASSERT_TRUE(put("c2", kNorth).ok());

  api::Session moved = *s;
  moved.mutable_scope()->clear_customer_organizations();
  moved.mutable_scope()->add_customer_organizations(kSouth);
  absl::StatusOr<api::Session> refused = Update(moved, {"scope"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(refused.status()), ElementsAre("session.scope.customer_organizations"));
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr(absl::StrCat("'", kNorth,
                                     "' is left out, but 2 customer participants answer for it; "
                                     "remove them first, or keep it in scope")));
  EXPECT_EQ(Get(s->name())->SerializeAsString(), s->SerializeAsString());

  // Adding an organisation beside it is fine, and so is leaving it out once no one answers
  // for it.
  moved.mutable_scope()->add_customer_organizations(kNorth);
  absl::StatusOr<api::Session> widened = Update(moved, {"scope"});
  ASSERT_TRUE(widened.ok()) << widened.status();
  ASSERT_TRUE(store_
                  .InTenant(rc_,
                            [&](SessionTransaction& tx) -> absl::Status {
                              if (absl::Status d = tx.DeleteParticipant("scoped", "c1"); !d.ok()) {
                                return d;
                              }
                              return tx.DeleteParticipant("scoped", "c2");
                            })
                  .ok());
  moved.set_etag(widened->etag());
  moved.mutable_scope()->clear_customer_organizations();
  moved.mutable_scope()->add_customer_organizations(kSouth);
  absl::StatusOr<api::Session> narrowed = Update(moved, {"scope"});
  EXPECT_TRUE(narrowed.ok()) << narrowed.status();
}

// A scope names entries of the tenant's catalogue; a misspelt one is refused naming it, at
// create and at update, and nothing is stored.
TEST_F(SessionCoreTest, AScopeEntryTheCatalogueDoesNotHoldIsRefusedNamingIt) {
  models_.not_in_catalog = {"tenants/acme/services/emial",
                            "tenants/acme/customerOrganizations/nowhere"};
  api::Session typo = Draft();
  typo.mutable_scope()->add_services("tenants/acme/services/emial");
  absl::StatusOr<api::Session> refused = Create("typo", typo);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(refused.status()), ElementsAre("session.scope.services[1]"));
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("no service 'tenants/acme/services/emial' in the tenant's catalogue"));
  EXPECT_EQ(Get("tenants/acme/sessions/typo").status().code(), absl::StatusCode::kNotFound);

  absl::StatusOr<api::Session> s = Create("scoped");
  ASSERT_TRUE(s.ok()) << s.status();
  api::Session moved = *s;
  moved.mutable_scope()->add_customer_organizations("tenants/acme/customerOrganizations/nowhere");
  absl::StatusOr<api::Session> not_updated = Update(moved, {"scope"});
  EXPECT_EQ(not_updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(not_updated.status()),
              ElementsAre("session.scope.customer_organizations[1]"));
  EXPECT_EQ(Get(s->name())->SerializeAsString(), s->SerializeAsString());

  // An update that leaves the scope alone does not read the catalogue.
  const std::map<std::string, int> reads = models_.catalog_reads;
  moved = *s;
  moved.set_title("Renamed");
  absl::StatusOr<api::Session> renamed = Update(moved, {"title"});
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(models_.catalog_reads, reads);

  // An entry deleted from the catalogue since it was put in scope does not block a later
  // change of the scope: only entries the stored scope does not hold are looked up.
  models_.not_in_catalog.insert("tenants/acme/services/mail");
  moved = *renamed;
  moved.mutable_scope()->add_services("tenants/acme/services/print");
  absl::StatusOr<api::Session> widened = Update(moved, {"scope"});
  ASSERT_TRUE(widened.ok()) << widened.status();

  // The scope that spared an entry must still be the stored one when the update is written:
  // a change in between (here a rename, without an etag on the scope update) aborts it.
  models_.on_lookup = [&] {
    api::Session other = *widened;
    other.set_title("Renamed meanwhile");
    EXPECT_TRUE(Update(other, {"title"}).ok());
  };
  moved = *widened;
  moved.clear_etag();
  moved.mutable_scope()->add_services("tenants/acme/services/wiki");
  absl::StatusOr<api::Session> raced = Update(moved, {"scope"});
  EXPECT_EQ(raced.status().code(), absl::StatusCode::kAborted) << raced.status();
  EXPECT_EQ(Get(s->name())->scope().services_size(), widened->scope().services_size());
}

// A retry of a create whose reply was lost is replayed from the kept reply, without asking
// the catalogue again: the questionnaire service being down is often why the client retries.
TEST_F(SessionCoreTest, ARetriedCreateIsReplayedWithoutTheCatalogue) {
  absl::StatusOr<api::Session> first = Create("kept", {}, "req-1");
  ASSERT_TRUE(first.ok()) << first.status();
  models_.catalog_status = absl::UnavailableError("questionnaire service down");
  absl::StatusOr<api::Session> retried = Create("kept", {}, "req-1");
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->SerializeAsString(), first->SerializeAsString());
  // A new request does ask, and is refused with the dependency's error, storing nothing.
  EXPECT_EQ(Create("other", {}, "req-2").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Get("tenants/acme/sessions/other").status().code(), absl::StatusCode::kNotFound);
}

// An entry deleted from the catalogue while the session was a DRAFT is found when it opens:
// the open is refused naming the entry, and the session stays a DRAFT until its scope is
// mended.
TEST_F(SessionCoreTest, OpeningLooksTheScopeUpAgain) {
  absl::StatusOr<api::Session> s = Create("drifted");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->scope().services(0), "tenants/acme/services/mail");
  models_.not_in_catalog = {"tenants/acme/services/mail",
                            "tenants/acme/customerOrganizations/north"};
  absl::StatusOr<api::Session> refused = Open(s->name());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_EQ(ReasonOf(refused.status()), "VALIDATION_FAILED");
  EXPECT_THAT(FieldsOf(refused.status()),
              ElementsAre("session.scope.services[0]", "session.scope.customer_organizations[0]"));
  EXPECT_THAT(std::string(refused.status().message()),
              AllOf(HasSubstr("cannot open"), HasSubstr("tenants/acme/services/mail"),
                    HasSubstr("(and 1 more)"), HasSubstr("update the session's scope")));
  EXPECT_EQ(Get(s->name())->state(), api::SESSION_STATE_DRAFT);

  // The catalogue unreachable: the open waits for it rather than skipping the check.
  models_.not_in_catalog.clear();
  models_.catalog_status = absl::UnavailableError("questionnaire service down");
  EXPECT_EQ(Open(s->name()).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Get(s->name())->state(), api::SESSION_STATE_DRAFT);
  models_.catalog_status = absl::OkStatus();

  // The scope that was looked up must still be the stored one when the session opens: a
  // scope change in between aborts the open.
  models_.on_lookup = [&] {
    api::Session widened = *Get(s->name());
    widened.mutable_scope()->add_services("tenants/acme/services/wiki");
    EXPECT_TRUE(Update(widened, {"scope"}).ok());
  };
  absl::StatusOr<api::Session> raced = Open(s->name());
  EXPECT_EQ(raced.status().code(), absl::StatusCode::kAborted) << raced.status();
  EXPECT_EQ(Get(s->name())->state(), api::SESSION_STATE_DRAFT);

  absl::StatusOr<api::Session> opened = Open(s->name(), "", "open-1");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->state(), api::SESSION_STATE_OPEN);

  // A retry of the open whose reply was lost is replayed, whatever the catalogue says now.
  models_.not_in_catalog.insert("tenants/acme/services/mail");
  models_.catalog_status = absl::UnavailableError("questionnaire service down");
  absl::StatusOr<api::Session> retried = Open(s->name(), "", "open-1");
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->SerializeAsString(), opened->SerializeAsString());
}

TEST_F(SessionCoreTest, AStaleEtagIsAbortedAndChangesNothing) {
  absl::StatusOr<api::Session> s = Create("s");
  ASSERT_TRUE(s.ok());
  api::Session renamed = *s;
  renamed.set_title("Renamed");
  ASSERT_TRUE(Update(renamed, {"title"}).ok());
  for (absl::Status st : {Open(s->name(), s->etag()).status(), Delete(s->name(), s->etag()),
                          Update(*s, {"title"}).status()}) {
    EXPECT_EQ(st.code(), absl::StatusCode::kAborted);
    EXPECT_EQ(ReasonOf(st), "ETAG_MISMATCH");
  }
  EXPECT_EQ(Get(s->name())->state(), api::SESSION_STATE_DRAFT);
  EXPECT_EQ(Get(s->name())->title(), "Renamed");
}

TEST_F(SessionCoreTest, UpdateChangesOnlyTheMaskedFields) {
  absl::StatusOr<api::Session> s = Create("s");
  ASSERT_TRUE(s.ok());
  api::Session change;
  change.set_name(s->name());
  change.set_title("New title");
  change.set_description("ignored: not in the mask");
  change.set_model_version(kDraftVersion);
  now_ += absl::Minutes(5);
  absl::StatusOr<api::Session> updated = Update(change, {"title", "model_version", "scope"});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->title(), "New title");
  EXPECT_EQ(updated->model_version(), kDraftVersion);
  EXPECT_EQ(updated->description(), "");
  EXPECT_FALSE(updated->has_scope()) << "a masked field sent empty is cleared";
  EXPECT_EQ(updated->target_overrides_size(), 1);
  EXPECT_EQ(updated->labels().at("quarter"), "q2");
  EXPECT_EQ(updated->update_time().seconds(), 1700000300);
  EXPECT_EQ(updated->create_time().seconds(), 1700000000);
  EXPECT_EQ(Get(s->name())->SerializeAsString(), updated->SerializeAsString());
}

TEST_F(SessionCoreTest, UpdateRefusesBadMasksAndValuesWithFieldPaths) {
  absl::StatusOr<api::Session> s = Create("s");
  ASSERT_TRUE(s.ok());
  api::Session change = *s;
  absl::StatusOr<api::Session> r = Update(change, {});
  EXPECT_THAT(FieldsOf(r.status()), UnorderedElementsAre("update_mask"));
  r = Update(change, {"state", "nonsense"});
  EXPECT_THAT(FieldsOf(r.status()), UnorderedElementsAre("update_mask", "update_mask"));
  change.set_title("");
  change.add_target_overrides()->set_target_score(-1);
  r = Update(change, {"title", "target_overrides"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(r.status()),
              UnorderedElementsAre("session.title", "session.target_overrides[1].area_id",
                                   "session.target_overrides[1].target_score"));
  EXPECT_EQ(Get(s->name())->SerializeAsString(), s->SerializeAsString());
}

TEST_F(SessionCoreTest, WhatMayChangeNarrowsAsTheSessionMovesOn) {
  const api::Session open = InState(api::SESSION_STATE_OPEN, "o");
  api::Session change = open;
  change.clear_etag();  // last writer wins, so each update below is judged on its fields
  change.set_title("Still editable");
  (*change.mutable_labels())["k"] = "v";
  EXPECT_TRUE(Update(change, {"title", "labels"}).ok());
  for (const std::string frozen : {"model_version", "scope", "target_overrides", "anonymous"}) {
    absl::StatusOr<api::Session> r = Update(change, {frozen});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << frozen;
    EXPECT_EQ(ReasonOf(r.status()), "STATE_CONFLICT") << frozen;
    EXPECT_THAT(r.status().message(), HasSubstr("is OPEN")) << frozen;
    EXPECT_THAT(r.status().message(), HasSubstr(frozen)) << frozen;
  }
  const api::Session closed = InState(api::SESSION_STATE_CLOSED, "c");
  change = closed;
  change.clear_etag();
  (*change.mutable_labels())["k"] = "v";
  EXPECT_TRUE(Update(change, {"labels"}).ok());
  EXPECT_EQ(Update(change, {"title"}).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SessionCoreTest, ARetryWithTheSameRequestIdGetsTheFirstReply) {
  absl::StatusOr<api::Session> first = Create("", {}, "req-1");
  ASSERT_TRUE(first.ok());
  now_ += absl::Minutes(1);
  absl::StatusOr<api::Session> retry = Create("", {}, "req-1");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(Stored(), 1u);

  absl::StatusOr<api::Session> open = Open(first->name(), "", "req-2");
  ASSERT_TRUE(open.ok());
  absl::StatusOr<api::Session> reopen = Open(first->name(), "", "req-2");
  ASSERT_TRUE(reopen.ok()) << "a retried open is not a wrong transition: " << reopen.status();
  EXPECT_EQ(reopen->SerializeAsString(), open->SerializeAsString());
  EXPECT_EQ(Open(first->name(), "", "req-3").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SessionCoreTest, ARequestIdReusedForAnotherRequestIsRefused) {
  ASSERT_TRUE(Create("a", {}, "req-1").ok());
  absl::StatusOr<api::Session> other = Create("b", {}, "req-1");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(other.status()), "REQUEST_ID_REUSED");
  EXPECT_EQ(Stored(), 1u);
  EXPECT_EQ(Close("tenants/acme/sessions/a").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SessionCoreTest, DeleteRemovesADraft) {
  absl::StatusOr<api::Session> s = Create("s");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(Delete(s->name(), s->etag()).ok());
  EXPECT_EQ(Get(s->name()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Delete(s->name()).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Open(s->name()).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SessionCoreTest, ListsNewestFirstInPagesAndHidesArchivedUnlessAsked) {
  // Created one second apart, in an order unlike their ids'.
  for (const char* id : {"s3", "s0", "s4", "s1", "s2"}) {
    ASSERT_TRUE(Create(id).ok());
    now_ += absl::Seconds(1);
  }
  InState(api::SESSION_STATE_ARCHIVED, "gone");
  api::ListSessionsRequest req;
  req.set_parent("tenants/acme");
  req.set_page_size(2);
  std::vector<std::string> names;
  for (int page = 0; page < 10; ++page) {
    api::ListSessionsResponse resp;
    ASSERT_TRUE(core_.ListSessions(rc_, req, &resp).ok());
    EXPECT_EQ(resp.total_size(), 5);
    for (const api::Session& s : resp.sessions()) names.push_back(s.name());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("tenants/acme/sessions/s2", "tenants/acme/sessions/s1",
                                            "tenants/acme/sessions/s4", "tenants/acme/sessions/s0",
                                            "tenants/acme/sessions/s3"));

  api::ListSessionsRequest archived;
  archived.set_parent("tenants/acme");
  archived.set_filter("state = ARCHIVED");
  api::ListSessionsResponse resp;
  ASSERT_TRUE(core_.ListSessions(rc_, archived, &resp).ok());
  ASSERT_EQ(resp.sessions_size(), 1);
  EXPECT_EQ(resp.sessions(0).name(), "tenants/acme/sessions/gone");
}

TEST_F(SessionCoreTest, ListFiltersByScopeModelAndLabelsAndOrdersByTitle) {
  api::Session a = Draft();
  a.set_title("Beta review");
  a.mutable_scope()->clear_services();
  a.mutable_scope()->add_services("tenants/acme/services/email");
  (*a.mutable_labels())["team"] = "north";
  ASSERT_TRUE(Create("a", a).ok());
  api::Session b = Draft();
  b.set_title("Alpha review");
  b.mutable_scope()->clear_services();
  b.mutable_scope()->add_services("tenants/acme/services/print");
  b.mutable_scope()->add_customer_organizations("tenants/acme/customerOrganizations/lund");
  (*b.mutable_labels())["team"] = "south";
  ASSERT_TRUE(Create("b", b).ok());
  ASSERT_TRUE(Create("c").ok());
  InState(api::SESSION_STATE_OPEN, "d");

  auto names = [&](const std::string& filter, const std::string& order_by) {
    api::ListSessionsRequest req;
    req.set_parent("tenants/acme");
    req.set_filter(filter);
    req.set_order_by(order_by);
    api::ListSessionsResponse resp;
    absl::Status s = core_.ListSessions(rc_, req, &resp);
    EXPECT_TRUE(s.ok()) << s;
    std::vector<std::string> out;
    for (const api::Session& session : resp.sessions()) {
      out.push_back(std::string(absl::StripPrefix(session.name(), "tenants/acme/sessions/")));
    }
    EXPECT_EQ(resp.total_size(), static_cast<int>(out.size()));
    return out;
  };
  EXPECT_THAT(names("scope.services:\"tenants/acme/services/email\"", ""), ElementsAre("a"));
  EXPECT_THAT(names("scope.customer_organizations:\"tenants/acme/customerOrganizations/lund\"", ""),
              ElementsAre("b"));
  EXPECT_THAT(names("labels.team = south", ""), ElementsAre("b"));
  EXPECT_THAT(names("state = OPEN", ""), ElementsAre("d"));
  EXPECT_THAT(names("state = DRAFT AND labels.team = north", ""), ElementsAre("a"));
  EXPECT_THAT(names("labels.team = south AND state = OPEN", ""), ::testing::IsEmpty());
  EXPECT_THAT(names(absl::StrCat("model_version = \"", Draft().model_version(), "\""), "title"),
              ElementsAre("b", "a", "c", "d"));
}

TEST_F(SessionCoreTest, ListRefusesUnsupportedQueriesAndForeignTokens) {
  api::ListSessionsRequest req;
  req.set_parent("tenants/acme");
  req.set_page_size(-1);
  req.set_filter("description = \"x\"");
  req.set_order_by("state");
  api::ListSessionsResponse resp;
  absl::Status st = core_.ListSessions(rc_, req, &resp);
  EXPECT_THAT(FieldsOf(st), UnorderedElementsAre("page_size", "filter", "order_by"));
  req = api::ListSessionsRequest();
  req.set_parent("tenants/acme");
  req.set_filter("state = PAUSED");
  st = core_.ListSessions(rc_, req, &resp);
  EXPECT_THAT(FieldsOf(st), UnorderedElementsAre("filter"));
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("DRAFT, OPEN, CLOSED, ARCHIVED"));

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Create(absl::StrCat("s", i)).ok());
  api::ListSessionsRequest first;
  first.set_parent("tenants/acme");
  first.set_page_size(1);
  ASSERT_TRUE(core_.ListSessions(rc_, first, &resp).ok());
  ASSERT_FALSE(resp.next_page_token().empty());
  api::ListSessionsRequest other = first;
  other.set_filter("state = DRAFT");
  other.set_page_token(resp.next_page_token());
  st = core_.ListSessions(rc_, other, &resp);
  EXPECT_EQ(ReasonOf(st), "PAGE_TOKEN_INVALID");
  EXPECT_THAT(FieldsOf(st), UnorderedElementsAre("page_token"));
}

}  // namespace
}  // namespace lagom::session
