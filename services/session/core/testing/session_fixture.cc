#include "services/session/core/testing/session_fixture.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "lagom/auth/v1/auth.pb.h"
#include "services/session/core/session_common.h"

namespace lagom::session::testing {

namespace auth_api = ::lagom::auth::v1;

namespace {

qapi::ModelContent Model() {
  qapi::ModelContent content;
  qapi::Area* area = content.add_areas();
  area->set_id("incident");
  area->set_lineage_id("incident-mgmt");
  area->set_default_target_score(0.6);
  for (auto [id, perspective] : std::vector<std::pair<std::string, qapi::ItemPerspective>>{
           {"incident.triage", qapi::ITEM_PERSPECTIVE_PROVIDER},
           {"incident.feel", qapi::ITEM_PERSPECTIVE_CUSTOMER},
           {"incident.sla", qapi::ITEM_PERSPECTIVE_BOTH}}) {
    qapi::Item* item = area->add_items();
    item->set_id(id);
    item->set_perspective(perspective);
    item->set_scale(qapi::SCALE_YES_NO);
  }
  return content;
}

qapi::ModelContent ModelOf(int provider_items, int customer_items) {
  qapi::ModelContent content;
  qapi::Area* area = content.add_areas();
  area->set_id("incident");
  area->set_lineage_id("incident-mgmt");
  area->set_default_target_score(0.6);
  for (int i = 0; i < provider_items + customer_items; ++i) {
    qapi::Item* item = area->add_items();
    item->set_id(absl::StrCat("incident.q", i));
    item->set_perspective(i < provider_items ? qapi::ITEM_PERSPECTIVE_PROVIDER
                                             : qapi::ITEM_PERSPECTIVE_CUSTOMER);
    item->set_scale(qapi::SCALE_YES_NO);
  }
  return content;
}

}  // namespace

// --- FakeLiveState ---------------------------------------------------------------------------

LiveState::Announcement FakeLiveState::AnswersPending(const RequestContext&,
                                                      const std::vector<std::string>& session_ids) {
  absl::MutexLock lock(&mu_);
  ++waiting_;
  mu_.Await(absl::Condition(&released_));
  --waiting_;
  const std::string token = absl::StrCat("pending-", announcements_.size() + 1);
  announcements_.push_back({session_ids, token});
  return {token};
}

void FakeLiveState::AnswersChanged(const RequestContext& rc, const LiveSession& s,
                                   const std::vector<AnswerChange>& changes,
                                   const std::string& settle_token) {
  // Read without waiting for a running transaction: an update heard inside one (before its
  // commit) sees the journal as it was.
  const int64_t committed = store_.CommittedSeq(rc.tenant_id);
  absl::MutexLock lock(&mu_);
  answer_updates_.push_back({s.session_id, changes, settle_token, committed});
}

void FakeLiveState::AnswersSettled(const RequestContext&,
                                   const std::vector<std::string>& session_ids,
                                   const std::string& token) {
  absl::MutexLock lock(&mu_);
  settlements_.push_back({session_ids, token});
}

void FakeLiveState::ParticipantChanged(const RequestContext&, const LiveSession& s,
                                       const api::Participant& p, bool removed) {
  absl::MutexLock lock(&mu_);
  participant_updates_.push_back({p.name(), p.state(), removed, s.model != nullptr});
}

absl::StatusOr<std::vector<std::pair<std::string, int>>> FakeLiveState::AnsweredCounts(
    const RequestContext&, const LiveSession&) {
  absl::MutexLock lock(&mu_);
  ++answered_count_calls_;
  if (!available_) return absl::UnavailableError("live store down");
  return answered_;
}

void FakeLiveState::HoldWriters() {
  absl::MutexLock lock(&mu_);
  released_ = false;
}

void FakeLiveState::AwaitHeldWriter() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &FakeLiveState::AWriterWaits));
}

void FakeLiveState::ReleaseWriters() {
  absl::MutexLock lock(&mu_);
  released_ = true;
}

std::vector<FakeLiveState::ParticipantUpdate> FakeLiveState::ParticipantUpdates() {
  absl::MutexLock lock(&mu_);
  return participant_updates_;
}

void FakeLiveState::ForgetParticipantUpdates() {
  absl::MutexLock lock(&mu_);
  participant_updates_.clear();
}

std::vector<FakeLiveState::AnswerUpdate> FakeLiveState::AnswerUpdates() {
  absl::MutexLock lock(&mu_);
  return answer_updates_;
}

std::vector<FakeLiveState::Notice> FakeLiveState::Announcements() {
  absl::MutexLock lock(&mu_);
  return announcements_;
}

std::vector<FakeLiveState::Notice> FakeLiveState::Settlements() {
  absl::MutexLock lock(&mu_);
  return settlements_;
}

void FakeLiveState::SetAnswered(std::vector<std::pair<std::string, int>> answered) {
  absl::MutexLock lock(&mu_);
  answered_ = std::move(answered);
}

void FakeLiveState::SetAvailable(bool available) {
  absl::MutexLock lock(&mu_);
  available_ = available;
}

int FakeLiveState::AnsweredCountCalls() {
  absl::MutexLock lock(&mu_);
  return answered_count_calls_;
}

// --- SessionFixture --------------------------------------------------------------------------

std::string SessionFixture::Alice() { return absl::StrCat(kS1, "/participants/alice"); }
std::string SessionFixture::Bob() { return absl::StrCat(kS1, "/participants/bob"); }

std::vector<std::string> SessionFixture::FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(status)) fields.push_back(v.field);
  return fields;
}

std::string SessionFixture::DescriptionOf(const absl::Status& status, const std::string& field) {
  for (const FieldViolation& v : ViolationsOf(status)) {
    if (v.field == field) return v.description;
  }
  return "";
}

SessionFixture::SessionFixture() {
  rc_.tenant_id = kTenant;
  rc_.principal.set_tenant_id(kTenant);
  rc_.principal.set_subject("tenants/acme/apiKeys/facilitator");
  rc_.principal.set_role(auth_api::PRINCIPAL_ROLE_FACILITATOR);
  rc_.principal.set_credential_kind(auth_api::CREDENTIAL_KIND_API_KEY);
}

void SessionFixture::PutSession(const std::string& id, api::SessionState state,
                                std::vector<std::string> orgs, bool anonymous, bool model) {
  api::Session s;
  s.set_name(absl::StrCat("tenants/acme/sessions/", id));
  s.set_title("Spring review");
  s.set_state(state);
  s.set_anonymous(anonymous);
  for (const std::string& org : orgs) s.mutable_scope()->add_customer_organizations(org);
  if (model) s.set_model_content_hash("hash-1");
  absl::Status stored = store_.InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<SessionRecord>> old = tx.Get(id);
    if (!old.ok()) return old.status();
    SessionRecord r{id, 1, StateName(state), "", s.SerializeAsString(), now_};
    if (old->has_value()) {
      r.version = (*old)->version + 1;
      if (absl::Status u = tx.Update(r, (*old)->version); !u.ok()) return u;
    } else if (absl::Status i = tx.Insert(r); !i.ok()) {
      return i;
    }
    if (!model) return absl::OkStatus();
    return tx.PinModel(id, "hash-1", Model().SerializeAsString());
  });
  ASSERT_TRUE(stored.ok()) << stored;
}

void SessionFixture::PinModel(const std::string& id, int provider_items, int customer_items) {
  const std::string hash = absl::StrCat("hash-", provider_items, "-", customer_items);
  absl::Status pinned = store_.InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<SessionRecord>> r = tx.Get(id);
    if (!r.ok()) return r.status();
    if (!r->has_value()) return absl::NotFoundError(id);
    SessionRecord record = **r;
    api::Session s;
    if (!s.ParseFromString(record.body)) return absl::DataLossError(id);
    s.set_model_content_hash(hash);
    record.body = s.SerializeAsString();
    ++record.version;
    if (absl::Status u = tx.Update(record, record.version - 1); !u.ok()) return u;
    return tx.PinModel(id, hash, ModelOf(provider_items, customer_items).SerializeAsString());
  });
  ASSERT_TRUE(pinned.ok()) << pinned;
}

void SessionFixture::PutParticipant(const std::string& name, const api::Participant& p) {
  absl::StatusOr<std::pair<std::string, std::string>> ids =
      ChildOf(rc_, name, "name", "participants");
  ASSERT_TRUE(ids.ok()) << ids.status();
  const auto& [session_id, participant_id] = *ids;
  api::Participant body = p;
  body.set_name(name);
  body.set_state(api::PARTICIPANT_STATE_INVITED);
  *body.mutable_create_time() = ToProto(now_);
  *body.mutable_update_time() = ToProto(now_);
  const ParticipantRecord record{participant_id, 1, body.principal(), body.SerializeAsString(),
                                 now_};
  absl::Status stored = store_.InTenant(
      rc_, [&](SessionTransaction& tx) { return tx.InsertParticipant(session_id, record); });
  ASSERT_TRUE(stored.ok()) << stored;
}

api::Participant SessionFixture::Person(api::ParticipantPerspective perspective,
                                        const std::string& org) {
  api::Participant p;
  p.set_display_name("Alice Andersson");
  p.set_email("alice@example.com");
  p.set_principal("users/alice");
  p.set_perspective(perspective);
  p.set_customer_organization(org);
  return p;
}

RequestContext SessionFixture::Invitee(const std::string& participant) {
  RequestContext rc;
  rc.tenant_id = kTenant;
  rc.principal.set_tenant_id(kTenant);
  rc.principal.set_subject(participant);
  rc.principal.set_role(auth_api::PRINCIPAL_ROLE_PROVIDER_RESPONDENT);
  rc.principal.set_credential_kind(auth_api::CREDENTIAL_KIND_INVITE_TOKEN);
  rc.principal.set_session(participant.substr(0, participant.find("/participants/")));
  rc.principal.set_participant(participant);
  return rc;
}

}  // namespace lagom::session::testing
