// What the session core's unit tests share: a fake store, model cache and live state for the
// tenant "acme", and helpers that put sessions and participants straight into the store.
#ifndef LAGOM_SERVICES_SESSION_CORE_TESTING_SESSION_FIXTURE_H_
#define LAGOM_SERVICES_SESSION_CORE_TESTING_SESSION_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/request_context.h"
#include "services/session/core/fake_session_store.h"
#include "services/session/core/live_state.h"
#include "services/session/core/model_index.h"
#include "services/session/core/session_common.h"

namespace lagom::session::testing {

// Records what the cores tell the live state and answers participants' progress from
// SetAnswered. It can also hold the answer writers: after HoldWriters, a writer that has
// taken a batch waits in AnswersPending until ReleaseWriters, so what is submitted meanwhile
// queues behind that batch. Thread-safe: the answer writers call it on their own threads.
class FakeLiveState final : public LiveState {
 public:
  struct ParticipantUpdate {
    std::string participant;
    api::ParticipantState state;
    bool removed;
    bool has_model;
  };
  struct AnswerUpdate {
    std::string session_id;
    std::vector<AnswerChange> changes;
    std::string settle_token;
    // The last journal sequence number committed in the store when the update came.
    int64_t committed_seq;
  };
  // An AnswersPending or AnswersSettled call.
  struct Notice {
    std::vector<std::string> session_ids;
    std::string token;
  };

  explicit FakeLiveState(FakeSessionStore& store) : store_(store) {}

  Announcement AnswersPending(const RequestContext& rc,
                              const std::vector<std::string>& session_ids) override;
  void AnswersChanged(const RequestContext& rc, const LiveSession& s,
                      const std::vector<AnswerChange>& changes,
                      const std::string& settle_token) override;
  void AnswersSettled(const RequestContext& rc, const std::vector<std::string>& session_ids,
                      const std::string& token) override;
  void ParticipantChanged(const RequestContext& rc, const LiveSession& s,
                          const api::Participant& participant, bool removed) override;
  void Publish(const RequestContext&, const LiveSession&,
               const api::WatchSessionResponse&) override {}
  void Seen(const RequestContext&, const std::string&, const std::vector<std::string>&) override {}
  absl::StatusOr<api::SessionProgress> Progress(const RequestContext&,
                                                const LiveSession&) override {
    return api::SessionProgress();
  }
  absl::StatusOr<std::vector<std::pair<std::string, int>>> AnsweredCounts(
      const RequestContext& rc, const LiveSession& s) override;
  absl::StatusOr<std::vector<api::ItemDistribution>> Distributions(
      const RequestContext&, const LiveSession&, const std::vector<std::string>&) override {
    return std::vector<api::ItemDistribution>();
  }

  void HoldWriters();
  void AwaitHeldWriter();  // until a writer waits in AnswersPending
  void ReleaseWriters();

  std::vector<ParticipantUpdate> ParticipantUpdates();
  void ForgetParticipantUpdates();
  std::vector<AnswerUpdate> AnswerUpdates();
  std::vector<Notice> Announcements();
  std::vector<Notice> Settlements();

  // What AnsweredCounts returns, or UNAVAILABLE when !available; how often it was asked.
  void SetAnswered(std::vector<std::pair<std::string, int>> answered);
  void SetAvailable(bool available);
  int AnsweredCountCalls();

 private:
  FakeSessionStore& store_;
  absl::Mutex mu_;
  bool AWriterWaits() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return waiting_ > 0; }

  bool released_ ABSL_GUARDED_BY(mu_) = true;  // false from HoldWriters to ReleaseWriters
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;       // writers held in AnswersPending
  std::vector<Notice> announcements_ ABSL_GUARDED_BY(mu_);
  std::vector<ParticipantUpdate> participant_updates_ ABSL_GUARDED_BY(mu_);
  std::vector<AnswerUpdate> answer_updates_ ABSL_GUARDED_BY(mu_);
  std::vector<Notice> settlements_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, int>> answered_ ABSL_GUARDED_BY(mu_);
  bool available_ ABSL_GUARDED_BY(mu_) = true;
  int answered_count_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

// The store, models and live state of a core under test, a facilitator's request context of
// tenant acme, and a clock that moves only when the test moves now_.
class SessionFixture : public ::testing::Test {
 protected:
  static constexpr char kTenant[] = "acme";
  static constexpr char kS1[] = "tenants/acme/sessions/s1";
  static constexpr char kNorth[] = "tenants/acme/customerOrganizations/north";
  static constexpr char kSouth[] = "tenants/acme/customerOrganizations/south";

  static std::string Alice();  // participant alice of s1
  static std::string Bob();    // participant bob of s1

  // The field paths of a refusal's violations, and the description of one of them.
  static std::vector<std::string> FieldsOf(const absl::Status& status);
  static std::string DescriptionOf(const absl::Status& status, const std::string& field);

  SessionFixture();

  // Stores session `id` directly, in `state`; with `model`, pins a model as an OPEN session
  // would: one area with yes/no items of perspective PROVIDER (incident.triage), CUSTOMER
  // (incident.feel) and BOTH (incident.sla), so each answering perspective expects 2.
  void PutSession(const std::string& id, api::SessionState state,
                  std::vector<std::string> orgs = {kNorth, kSouth}, bool anonymous = false,
                  bool model = false);
  // Pins to session `id` (stored by PutSession) a model of one area with `provider_items`
  // PROVIDER and `customer_items` CUSTOMER yes/no items instead.
  void PinModel(const std::string& id, int provider_items, int customer_items);
  // Stores participant `name` (tenants/acme/sessions/{s}/participants/{p}) directly, INVITED.
  void PutParticipant(const std::string& name, const api::Participant& p);

  static api::Participant Person(api::ParticipantPerspective perspective,
                                 const std::string& org = "");
  // How a respondent holding an invite token for `participant` calls.
  static RequestContext Invitee(const std::string& participant);

  FakeSessionStore::TenantData Stored() { return store_.Snapshot(kTenant); }

  FakeSessionStore store_;
  ModelIndexCache models_;
  FakeLiveState live_{store_};
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  RequestContext rc_;
};

}  // namespace lagom::session::testing

#endif  // LAGOM_SERVICES_SESSION_CORE_TESTING_SESSION_FIXTURE_H_
