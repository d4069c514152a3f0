// A collaborative session end to end on the service binaries, real Redis and PostgreSQL: two
// session-service replicas, watchers on both, invitations, answers right and wrong, retries,
// Redis losing everything (FLUSHALL, and SIGKILL under load), a resumed watch, close, and the
// close event surviving a crash of the replica that should deliver it.
#include <gmock/gmock.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <latch>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/postgres.h"
#include "common/redis.h"
#include "common/redis_shards.h"
#include "common/status.h"
#include "common/testing/at_once.h"
#include "common/testing/integration.h"
#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"
#include "lagom/scoring/v1/scoring.grpc.pb.h"
#include "lagom/session/v1/session.grpc.pb.h"
#include "lagom/tenancy/v1/tenancy.grpc.pb.h"
#include "services/session/core/participant_core.h"
#include "services/session/live/redis_live_state.h"
#include "tests/integration/lagom_processes.h"

namespace lagom::testing {
namespace {

namespace api = ::lagom::session::v1;
namespace catalog = ::lagom::catalog::v1;
namespace tenancy = ::lagom::tenancy::v1;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

constexpr char kModel[] = "models/lagom-itsm/versions/1";
// Built-in model items: a provider item on the 0-5 maturity scale, and a customer item.
constexpr char kProviderItem[] = "catalogue.services.provider";
constexpr char kCustomerItem[] = "catalogue.services.customer";

// Every event one watcher received, until the stream ended.
struct Watch {
  std::unique_ptr<grpc::ClientContext> ctx = std::make_unique<grpc::ClientContext>();
  std::vector<api::WatchSessionResponse> events;
  grpc::Status status;
  bool ended = false;  // with status
  std::thread reader;
  absl::Mutex mu;

  size_t Count() {
    absl::MutexLock lock(&mu);
    return events.size();
  }
  ~Watch() {
    if (reader.joinable()) {
      ctx->TryCancel();
      reader.join();
    }
  }
};

struct IdleReplica;

class SessionProcessTest : public ::testing::Test {
 protected:
  // Starts `own` (a replica whose live state expires after `idle_ttl` unused) and points a_
  // and b_ at it.
  void UseIdleReplica(absl::Duration idle_ttl, IdleReplica* own);

  static void SetUpTestSuite() {
    absl::StatusOr<RunningService> q = StartService(Questionnaire(), "");
    ASSERT_TRUE(q.ok()) << q.status();
    questionnaire_ = new RunningService(*std::move(q));
    for (RunningService** replica : {&replica_a_, &replica_b_}) {
      absl::StatusOr<RunningService> s = StartService(Session(), questionnaire_->address);
      ASSERT_TRUE(s.ok()) << s.status();
      *replica = new RunningService(*std::move(s));
    }
  }
  static void TearDownTestSuite() {
    delete replica_a_;
    delete replica_b_;
    delete questionnaire_;
  }

  void SetUp() override {
    tenant_ = UniqueTenantId("s");
    absl::StatusOr<std::string> key = CreateTenant(*questionnaire_->channel, tenant_);
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    a_ = api::SessionService::NewStub(replica_a_->channel);
    b_ = api::SessionService::NewStub(replica_b_->channel);
    auto orgs = catalog::CatalogService::NewStub(questionnaire_->channel);
    catalog::CreateCustomerOrganizationRequest req;
    req.set_parent("tenants/" + tenant_);
    req.set_customer_organization_id("contoso");
    req.mutable_customer_organization()->set_display_name("Contoso");
    catalog::CreateCustomerOrganizationResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, key_);
    ASSERT_TRUE(orgs->CreateCustomerOrganization(&ctx, req, &resp).ok());
    org_ = resp.customer_organization().name();
  }

  // Calls `method` on `stub` with the admin key (or an invite token).
  template <typename Req, typename Resp, typename Method>
  grpc::Status Call(api::SessionService::Stub& stub, Method method, const Req& req, Resp* resp,
                    const std::string& invite_token = "") {
    grpc::ClientContext ctx;
    if (invite_token.empty()) {
      Authorize(ctx, key_);
    } else {
      ctx.AddMetadata("x-lagom-invite-token", invite_token);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    }
    return (stub.*method)(&ctx, req, resp);
  }

  api::Session CreateSession(const std::string& id, bool anonymous) {
    api::CreateSessionRequest req;
    req.set_parent("tenants/" + tenant_);
    req.set_session_id(id);
    req.mutable_session()->set_title("Spring service review");
    req.mutable_session()->set_model_version(kModel);
    req.mutable_session()->set_anonymous(anonymous);
    req.mutable_session()->set_rounds_enabled(true);
    req.mutable_session()->mutable_scope()->add_customer_organizations(org_);
    api::CreateSessionResponse resp;
    grpc::Status s = Call(*a_, &api::SessionService::Stub::CreateSession, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.session();
  }

  api::Session Open(const std::string& name) {
    api::OpenSessionRequest req;
    req.set_name(name);
    api::OpenSessionResponse resp;
    grpc::Status s = Call(*b_, &api::SessionService::Stub::OpenSession, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.session();
  }

  // A participant and its invite token.
  std::pair<api::Participant, std::string> Invite(const std::string& session, const std::string& id,
                                                  api::ParticipantPerspective perspective) {
    api::CreateParticipantRequest req;
    req.set_parent(session);
    req.set_participant_id(id);
    req.mutable_participant()->set_display_name("Person " + id);
    req.mutable_participant()->set_perspective(perspective);
    if (perspective == api::PARTICIPANT_PERSPECTIVE_CUSTOMER) {
      req.mutable_participant()->set_customer_organization(org_);
    }
    api::CreateParticipantResponse created;
    grpc::Status s = Call(*a_, &api::SessionService::Stub::CreateParticipant, req, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    api::CreateInvitationRequest inv;
    inv.set_parent(session);
    inv.mutable_invitation()->set_participant(created.participant().name());
    api::CreateInvitationResponse invited;
    s = Call(*a_, &api::SessionService::Stub::CreateInvitation, inv, &invited);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {created.participant(), invited.token()};
  }

  grpc::Status Submit(const std::string& participant, const std::string& token,
                      const std::string& item, std::optional<double> value,
                      api::SubmitAnswerResponse* resp, const std::string& request_id = "") {
    api::SubmitAnswerRequest req;
    req.set_parent(participant);
    req.mutable_answer()->set_item_id(item);
    if (value) {
      req.mutable_answer()->set_value(*value);
    } else {
      req.mutable_answer()->set_not_applicable(true);
    }
    req.set_request_id(request_id);
    return Call(*a_, &api::SessionService::Stub::SubmitAnswer, req, resp, token);
  }

  // Submits `value` for kProviderItem as `participant` until the outcome is `ok` or 3 s have
  // passed (each replica keeps a tenant's standing for at most half a second); the last one.
  grpc::Status SubmitUntil(const std::string& participant, const std::string& token, double value,
                           bool ok) {
    grpc::Status status;
    for (const absl::Time start = absl::Now(); absl::Now() - start < absl::Seconds(3);
         absl::SleepFor(absl::Milliseconds(50))) {  // polling the replica's cache expiry
      api::SubmitAnswerResponse resp;
      status = Submit(participant, token, kProviderItem, value, &resp);
      if (status.ok() == ok) break;
    }
    return status;
  }

  // An OPEN session `id` whose provider respondent watches it, with its invite token, on a
  // replica of its own that checks streams' credentials every 300 ms.
  struct WatchingRespondent {
    std::optional<RunningService> replica;
    std::unique_ptr<api::SessionService::Stub> stub;
    api::Session session;
    api::Participant participant;
    std::string token;
    std::unique_ptr<Watch> watch;  // ends before the stub and replica it uses
  };
  void StartWatchingRespondent(const std::string& id, WatchingRespondent* out) {
    absl::StatusOr<RunningService> replica =
        StartService(Session(), questionnaire_->address, {"--watch_heartbeat=300ms"});
    ASSERT_TRUE(replica.ok()) << replica.status();
    out->replica.emplace(*std::move(replica));
    out->stub = api::SessionService::NewStub(out->replica->channel);
    out->session = CreateSession(id, /*anonymous=*/false);
    Open(out->session.name());
    std::tie(out->participant, out->token) =
        Invite(out->session.name(), "pat", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
    out->watch = StartWatch(*out->stub, out->session.name(), 0, out->token);
    ASSERT_TRUE(AwaitEvents(*out->watch, 1));
  }

  // The operator makes the test's tenant ACTIVE or SUSPENDED, or deletes it (DELETED; with
  // force, since it has data).
  void SetTenantState(tenancy::Tenant::State state) {
    auto tenants = tenancy::TenantService::NewStub(questionnaire_->channel);
    grpc::ClientContext ctx;
    Authorize(ctx, TestSecrets().operator_token);
    grpc::Status s;
    if (state == tenancy::Tenant::STATE_DELETED) {
      tenancy::DeleteTenantRequest req;
      req.set_name("tenants/" + tenant_);
      req.set_force(true);
      tenancy::DeleteTenantResponse resp;
      s = tenants->DeleteTenant(&ctx, req, &resp);
    } else {
      tenancy::UpdateTenantRequest req;
      req.mutable_tenant()->set_name("tenants/" + tenant_);
      req.mutable_tenant()->set_state(state);
      req.mutable_update_mask()->add_paths("state");
      tenancy::UpdateTenantResponse resp;
      s = tenants->UpdateTenant(&ctx, req, &resp);
    }
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  std::vector<api::Answer> AllAnswers(const std::string& session) {
    api::ListAnswersRequest req;
    req.set_parent(session + "/participants/-");
    api::ListAnswersResponse resp;
    grpc::Status s = Call(*b_, &api::SessionService::Stub::ListAnswers, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.answers().begin(), resp.answers().end()};
  }

  api::ListAnswerValuesResponse AllAnswerValues(const std::string& session) {
    api::ListAnswerValuesRequest req;
    req.set_parent(session);
    api::ListAnswerValuesResponse resp;
    grpc::Status s = Call(*b_, &api::SessionService::Stub::ListAnswerValues, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  // Present participants of the session's first two groups (provider, all customers), once
  // they are `want` or after 5 s.
  std::pair<int, int> AwaitPresent(const std::string& session, std::pair<int, int> want) {
    std::pair<int, int> got;
    for (absl::Time end = absl::Now() + absl::Seconds(5); absl::Now() < end;
         absl::SleepFor(absl::Milliseconds(50))) {
      const api::SessionProgress p = Progress(session);
      got = {p.groups_size() > 0 ? p.groups(0).present_count() : -1,
             p.groups_size() > 1 ? p.groups(1).present_count() : -1};
      if (got == want) break;
    }
    return got;
  }

  void CloseAndArchive(const std::string& session) {
    api::CloseSessionRequest close;
    close.set_name(session);
    api::CloseSessionResponse closed;
    ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::CloseSession, close, &closed).ok());
    api::ArchiveSessionRequest archive;
    archive.set_name(session);
    api::ArchiveSessionResponse archived;
    ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::ArchiveSession, archive, &archived).ok());
  }

  api::SessionProgress Progress(const std::string& session) {
    api::GetSessionProgressRequest req;
    req.set_session(session);
    api::GetSessionProgressResponse resp;
    grpc::Status s = Call(*a_, &api::SessionService::Stub::GetSessionProgress, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.progress();
  }

  // Answers per item (over the item's groups) in the snapshot a new watcher on b is shown.
  // The answers a new watcher's snapshot counts, by item and group kind (every customer
  // organisation's under RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION).
  using ItemAndGroup = std::pair<std::string, type::v1::ResponseGroupKind>;
  std::map<ItemAndGroup, int> SnapshotAnswers(const std::string& session) {
    std::unique_ptr<Watch> w = StartWatch(*b_, session);
    EXPECT_TRUE(AwaitEvents(*w, 1));
    absl::MutexLock lock(&w->mu);
    std::map<ItemAndGroup, int> answers;
    EXPECT_FALSE(w->events.empty()) << "no snapshot";
    if (w->events.empty()) return answers;
    for (const api::ItemDistribution& d : w->events[0].snapshot().distributions()) {
      for (const api::GroupDistribution& g : d.groups()) {
        if (g.answer_count() > 0) answers[{d.item_id(), g.group().kind()}] += g.answer_count();
      }
    }
    return answers;
  }

  std::unique_ptr<Watch> StartWatch(api::SessionService::Stub& stub, const std::string& session,
                                    int64_t resume_cursor = 0, const std::string& invite_token = "",
                                    absl::Duration deadline = absl::Seconds(60)) {
    auto w = std::make_unique<Watch>();
    if (invite_token.empty()) {
      Authorize(*w->ctx, key_);
    } else {
      w->ctx->AddMetadata("x-lagom-invite-token", invite_token);
    }
    w->ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    api::WatchSessionRequest req;
    req.set_session(session);
    req.set_resume_cursor(resume_cursor);
    Watch* raw = w.get();
    w->reader = std::thread([raw, req, &stub] {
      auto reader = stub.WatchSession(raw->ctx.get(), req);
      api::WatchSessionResponse event;
      while (reader->Read(&event)) {
        absl::MutexLock lock(&raw->mu);
        raw->events.push_back(event);
      }
      grpc::Status status = reader->Finish();
      absl::MutexLock lock(&raw->mu);
      raw->status = status;
      raw->ended = true;
    });
    return w;
  }

  // Waits (bounded) until `w`'s stream has ended; whether it has.
  static bool AwaitEnd(Watch& w, absl::Duration timeout) {
    absl::MutexLock lock(&w.mu);
    return w.mu.AwaitWithTimeout(absl::Condition(&w.ended), timeout);
  }

  // Waits (bounded) until `w` has at least `n` events; whether it has.
  [[nodiscard]] static bool AwaitEvents(Watch& w, size_t n) {
    absl::MutexLock lock(&w.mu);
    std::pair<Watch*, size_t> want(&w, n);
    return w.mu.AwaitWithTimeout(
        absl::Condition(
            +[](std::pair<Watch*, size_t>* p) { return p->first->events.size() >= p->second; },
            &want),
        absl::Seconds(20));
  }

  // A session of its own where participant "first" answered kProviderItem with 2, watched on
  // replica b, and a Redis client to stage what a dead replica left behind there.
  struct Answered {
    api::Session session;
    std::unique_ptr<Watch> earlier;  // with `earlier_deadline`
    std::unique_ptr<Watch> watch;
    std::unique_ptr<RedisClient> redis;
    std::string prefix;  // of the session's live keys
  };
  // With `earlier_deadline`, another watch on b comes first and ends after that long.
  void AnswerAndWatch(const std::string& id, Answered* out,
                      absl::Duration earlier_deadline = absl::ZeroDuration()) {
    out->session = CreateSession(id, /*anonymous=*/false);
    Open(out->session.name());
    auto [first, first_token] =
        Invite(out->session.name(), "first", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
    if (earlier_deadline > absl::ZeroDuration()) {
      out->earlier = StartWatch(*b_, out->session.name(), 0, "", earlier_deadline);
      ASSERT_TRUE(AwaitEvents(*out->earlier, 1));
    }
    out->watch = StartWatch(*b_, out->session.name());
    ASSERT_TRUE(AwaitEvents(*out->watch, 1));
    api::SubmitAnswerResponse resp;
    ASSERT_TRUE(Submit(first.name(), first_token, kProviderItem, 2, &resp).ok());
    ASSERT_EQ(Progress(out->session.name()).overall().answered_count(), 1);
    absl::StatusOr<std::unique_ptr<RedisClient>> redis =
        RedisClient::Connect(TestRedisAddress(), absl::Seconds(2));
    ASSERT_TRUE(redis.ok()) << redis.status();
    out->redis = *std::move(redis);
    out->prefix = absl::StrCat("lagom:", tenant_, ":session:{", id, "}:");
  }
  // As a replica that died between its commit and its Redis update leaves it: its
  // announcement outstanding, "first"'s answer in PostgreSQL but not in the live figures.
  void StageDiedBeforeUpdating(const Answered& a) {
    ASSERT_TRUE(a.redis
                    ->Pipeline({{"HSET", a.prefix + "writing", "dead-replica:1", "0"},
                                {"PEXPIRE", a.prefix + "built", "3000", "LT"},
                                {"HDEL", absl::StrCat(a.prefix, "item:", kProviderItem), "first"},
                                {"HDEL", absl::StrCat(a.prefix, "counts:", kProviderItem), "P||2"},
                                {"HINCRBY", a.prefix + "answered", "first", "-1"}})
                    .ok());
    ASSERT_EQ(Progress(a.session.name()).overall().answered_count(), 0) << "the loss is staged";
  }

  // Waits (bounded) for a snapshot, after the first `from` events of `w`, whose progress
  // counts `answered` answers; whether one came.
  static bool AwaitSnapshot(Watch& w, size_t from, int answered) {
    absl::MutexLock lock(&w.mu);
    auto found = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(w.mu) {
      for (size_t i = from; i < w.events.size(); ++i) {
        const api::WatchSessionResponse& e = w.events[i];
        if (e.has_snapshot() && e.snapshot().progress().overall().answered_count() == answered) {
          return true;
        }
      }
      return false;
    };
    return w.mu.AwaitWithTimeout(absl::Condition(&found), absl::Seconds(20));
  }

  static RunningService* questionnaire_;
  static RunningService* replica_a_;
  static RunningService* replica_b_;
  std::string tenant_, key_, org_;
  std::unique_ptr<api::SessionService::Stub> a_, b_;
};

RunningService* SessionProcessTest::questionnaire_ = nullptr;
RunningService* SessionProcessTest::replica_a_ = nullptr;
RunningService* SessionProcessTest::replica_b_ = nullptr;

// The events after the first snapshot, as (cursor, kind), for comparing watchers.
std::vector<std::pair<int64_t, int>> Sequence(Watch& w) {
  absl::MutexLock lock(&w.mu);
  std::vector<std::pair<int64_t, int>> out;
  for (const api::WatchSessionResponse& e : w.events) {
    if (e.has_snapshot() || e.has_heartbeat()) continue;
    out.emplace_back(e.cursor(), e.event_case());
  }
  return out;
}

TEST_F(SessionProcessTest, ACollaborativeSessionRunsAcrossTwoReplicas) {
  const api::Session draft = CreateSession("review", /*anonymous=*/false);
  ASSERT_FALSE(draft.name().empty());
  std::unique_ptr<Watch> on_a = StartWatch(*a_, draft.name());
  std::unique_ptr<Watch> on_b = StartWatch(*b_, draft.name());
  ASSERT_TRUE(AwaitEvents(*on_a, 1));
  ASSERT_TRUE(AwaitEvents(*on_b, 1));
  {
    absl::MutexLock lock(&on_a->mu);
    ASSERT_FALSE(on_a->events.empty()) << on_a->status.error_message();
    EXPECT_TRUE(on_a->events[0].has_snapshot());
  }

  const api::Session open = Open(draft.name());
  EXPECT_EQ(open.state(), api::SESSION_STATE_OPEN);
  EXPECT_THAT(open.model_content_hash(), HasSubstr("sha256:"));
  EXPECT_FALSE(open.effective_targets().empty());

  auto [provider, provider_token] =
      Invite(draft.name(), "pat", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  auto [customer, customer_token] =
      Invite(draft.name(), "cem", api::PARTICIPANT_PERSPECTIVE_CUSTOMER);
  ASSERT_THAT(provider_token, HasSubstr("inv_"));

  // Presence: the customer watching (on the other replica) is present; nobody else yet.
  std::unique_ptr<Watch> customer_watch = StartWatch(*b_, draft.name(), 0, customer_token);
  ASSERT_TRUE(AwaitEvents(*customer_watch, 1));
  EXPECT_EQ(AwaitPresent(draft.name(), {0, 1}), std::make_pair(0, 1));

  // Wrong answers: each refused with the field and what is allowed; nothing stored.
  api::SubmitAnswerResponse resp;
  grpc::Status s = Submit(provider.name(), provider_token, "no.such.item", 3, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("answer.item_id"));
  s = Submit(provider.name(), provider_token, kProviderItem, 3.5, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("0, 1, 2, 3, 4, 5"));
  s = Submit(customer.name(), customer_token, kProviderItem, 3, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("PROVIDER"));
  // Another participant's token reaches nothing of theirs.
  s = Submit(customer.name(), provider_token, kCustomerItem, 3, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  EXPECT_TRUE(AllAnswers(draft.name()).empty());

  // A right answer, and its retry: stored once, same answer back.
  ASSERT_TRUE(Submit(provider.name(), provider_token, kProviderItem, 3, &resp,
                     "9f0e8c1a-2b3d-4e5f-8a7b-1c2d3e4f5a6b")
                  .ok());
  api::SubmitAnswerResponse retry;
  ASSERT_TRUE(Submit(provider.name(), provider_token, kProviderItem, 3, &retry,
                     "9f0e8c1a-2b3d-4e5f-8a7b-1c2d3e4f5a6b")
                  .ok());
  EXPECT_EQ(retry.answer().etag(), resp.answer().etag());
  EXPECT_EQ(resp.answer().round(), 1);
  api::SubmitAnswerResponse customer_resp;
  ASSERT_TRUE(Submit(customer.name(), customer_token, kCustomerItem, 4, &customer_resp).ok());
  EXPECT_EQ(AllAnswers(draft.name()).size(), 2u);

  // Answering makes the provider present too.
  EXPECT_EQ(AwaitPresent(draft.name(), {1, 1}), std::make_pair(1, 1));
  api::SessionProgress progress = Progress(draft.name());
  ASSERT_FALSE(progress.groups().empty());
  EXPECT_EQ(progress.groups(0).group().kind(), type::v1::RESPONSE_GROUP_KIND_PROVIDER);
  EXPECT_EQ(progress.groups(0).progress().answered_count(), 1);
  EXPECT_EQ(progress.groups(0).active_count(), 1);

  // Redis loses everything: the figures come back from PostgreSQL, and watchers get a fresh
  // snapshot.
  absl::StatusOr<std::unique_ptr<RedisClient>> redis =
      RedisClient::Connect(TestRedisAddress(), absl::Seconds(3));
  ASSERT_TRUE(redis.ok());
  ASSERT_TRUE((*redis)->Command({"FLUSHALL"}).ok());
  const api::SessionProgress rebuilt = Progress(draft.name());
  EXPECT_EQ(rebuilt.overall().answered_count(), progress.overall().answered_count());
  EXPECT_EQ(rebuilt.groups(0).progress().answered_count(), 1);
  ASSERT_TRUE(
      Submit(provider.name(), provider_token, "catalogue.plain-language.provider", 2, &resp).ok());
  EXPECT_EQ(Progress(draft.name()).groups(0).progress().answered_count(), 2);

  // Close: answering stops, tokens stop working, every watcher ends.
  api::CloseSessionRequest close;
  close.set_name(draft.name());
  api::CloseSessionResponse closed;
  ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::CloseSession, close, &closed).ok());
  s = Submit(provider.name(), provider_token, kProviderItem, 1, &resp);
  EXPECT_TRUE(s.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
              s.error_code() == grpc::StatusCode::FAILED_PRECONDITION)
      << s.error_message();
  for (Watch* w : {on_a.get(), on_b.get(), customer_watch.get()}) {
    ASSERT_TRUE(AwaitEnd(*w, absl::Seconds(20))) << "a watcher's stream outlived the close";
  }
  on_a->reader.join();
  on_b->reader.join();
  customer_watch->reader.join();
  EXPECT_TRUE(on_a->status.ok()) << on_a->status.error_message();
  EXPECT_TRUE(on_b->status.ok()) << on_b->status.error_message();
  // The customer's invite token stops working with the close; the stream still ends with it.
  EXPECT_TRUE(customer_watch->status.ok()) << customer_watch->status.error_message();

  // Both replicas' watchers saw the same events in the same order, ending with the close.
  const std::vector<std::pair<int64_t, int>> seen_a = Sequence(*on_a);
  const std::vector<std::pair<int64_t, int>> seen_b = Sequence(*on_b);
  EXPECT_EQ(seen_a, seen_b);
  ASSERT_FALSE(seen_a.empty());
  EXPECT_EQ(seen_a.back().second, api::WatchSessionResponse::kSessionStateChanged);
  EXPECT_TRUE(std::is_sorted(seen_a.begin(), seen_a.end()));
  for (Watch* w : {on_a.get(), on_b.get()}) {
    absl::MutexLock lock(&w->mu);
    const int snapshots = std::count_if(w->events.begin(), w->events.end(),
                                        [](const auto& e) { return e.has_snapshot(); });
    EXPECT_GE(snapshots, 2) << "a snapshot at the start and one after Redis lost the stream";
  }

  // The close is in the outbox for scoring (and, in a row of its own, for webhooks).
  absl::StatusOr<std::unique_ptr<PgPool>> pg =
      PgPool::Connect(TestServicesPostgresUrl("postgres"), 1, absl::Seconds(5));
  ASSERT_TRUE(pg.ok());
  RequestContext rc;
  rc.tenant_id = tenant_;
  int outbox = 0, finals = 0;
  ASSERT_TRUE(
      (*pg)
          ->WithTenant(rc,
                       [&](PgTransaction& tx) {
                         outbox = tx.exec_params1(
                                        "SELECT count(*) FROM session.outbox WHERE tenant_id = $1"
                                        " AND topic = 'session.closed' AND session_id = 'review'"
                                        " AND consumer = 'scoring'",
                                        tenant_)[0]
                                      .as<int>();
                         finals =
                             tx.exec_params1(
                                   "SELECT count(*) FROM session.final_answers WHERE tenant_id = $1"
                                   " AND session_id = 'review'",
                                   tenant_)[0]
                                 .as<int>();
                         return absl::OkStatus();
                       })
          .ok());
  EXPECT_EQ(outbox, 1);
  EXPECT_EQ(finals, 3);
}

// A scope names entries of the tenant's catalogue, asked of the questionnaire service: a few
// one by one, more by listing them. An unknown one is refused naming it, and nothing is stored.
TEST_F(SessionProcessTest, AScopeEntryOutsideTheCatalogueIsRefusedNamingIt) {
  std::vector<std::string> orgs = {org_};
  for (int i = 0; i < 9; ++i) {  // more than are looked up one by one
    absl::StatusOr<std::string> org = CreateCustomerOrganization(
        *questionnaire_->channel, key_, tenant_, absl::StrCat("scoped-", i), "Customer");
    ASSERT_TRUE(org.ok()) << org.status();
    orgs.push_back(*org);
  }
  const std::string unknown = "tenants/" + tenant_ + "/customerOrganizations/nowhere";
  for (const size_t size : {size_t{1}, orgs.size()}) {
    api::CreateSessionRequest req;
    req.set_parent("tenants/" + tenant_);
    req.set_session_id(absl::StrCat("scoped-", size));
    req.mutable_session()->set_title("Scoped");
    req.mutable_session()->set_model_version(kModel);
    for (size_t i = 0; i < size; ++i) {
      req.mutable_session()->mutable_scope()->add_customer_organizations(orgs[i]);
    }
    req.mutable_session()->mutable_scope()->add_customer_organizations(unknown);
    api::CreateSessionResponse resp;
    grpc::Status s = Call(*a_, &api::SessionService::Stub::CreateSession, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << size;
    EXPECT_THAT(
        ViolationsOf(s),
        ElementsAre(Field(&FieldViolation::field,
                          absl::StrCat("session.scope.customer_organizations[", size, "]"))))
        << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("no customer organisation '" + unknown + "'"));
    // Without the unknown entry the same session is created.
    req.mutable_session()->mutable_scope()->mutable_customer_organizations()->RemoveLast();
    s = Call(*a_, &api::SessionService::Stub::CreateSession, req, &resp);
    EXPECT_TRUE(s.ok()) << size << ": " << s.error_message();
  }
}

TEST_F(SessionProcessTest, AResumedWatchReplaysWhatFollowedItsCursor) {
  const api::Session draft = CreateSession("resume", /*anonymous=*/false);
  Open(draft.name());
  auto [provider, token] = Invite(draft.name(), "pat", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  std::unique_ptr<Watch> first = StartWatch(*a_, draft.name());
  ASSERT_TRUE(AwaitEvents(*first, 1));
  api::SubmitAnswerResponse resp;
  ASSERT_TRUE(Submit(provider.name(), token, kProviderItem, 1, &resp).ok());
  ASSERT_TRUE(AwaitEvents(*first, 3));  // snapshot, joined, distribution
  int64_t cursor = 0;
  {
    absl::MutexLock lock(&first->mu);
    cursor = first->events.back().cursor();
  }
  first->ctx->TryCancel();
  first->reader.join();
  // Missed while disconnected:
  ASSERT_TRUE(Submit(provider.name(), token, "catalogue.plain-language.provider", 2, &resp).ok());
  ASSERT_TRUE(Submit(provider.name(), token, kProviderItem, 3, &resp).ok());

  std::unique_ptr<Watch> resumed = StartWatch(*b_, draft.name(), cursor);
  ASSERT_TRUE(AwaitEvents(*resumed, 2));
  absl::MutexLock lock(&resumed->mu);
  ASSERT_GE(resumed->events.size(), 2u);
  EXPECT_FALSE(resumed->events[0].has_snapshot()) << "resuming replays instead of a snapshot";
  EXPECT_GT(resumed->events[0].cursor(), cursor);
  EXPECT_EQ(resumed->events[0].item_distribution_changed().distribution().item_id(),
            "catalogue.plain-language.provider");
  EXPECT_EQ(resumed->events[1].item_distribution_changed().distribution().item_id(), kProviderItem);
}

// Concurrent submissions share transactions; each is still checked against its own caller.
TEST_F(SessionProcessTest, ConcurrentRespondentsAreEachAcceptedAsThemselves) {
  const api::Session draft = CreateSession("crowd", /*anonymous=*/false);
  Open(draft.name());
  std::vector<std::pair<api::Participant, std::string>> people;
  for (int i = 0; i < 8; ++i) {
    people.push_back(
        Invite(draft.name(), absl::StrCat("p", i), api::PARTICIPANT_PERSPECTIVE_PROVIDER));
  }
  const std::vector<std::string> items = {kProviderItem, "catalogue.plain-language.provider"};
  // Each answers with values of its own, and also tries to answer as the next one with its own
  // token: those calls are refused, alone, among the others' that are taken.
  auto value_of = [](size_t person, int round) {
    return static_cast<double>((person + round) % 6);
  };
  constexpr int kRounds = 5;
  std::vector<std::thread> threads;
  std::atomic<int> refused{0}, not_refused_as_other{0};
  for (size_t i = 0; i < people.size(); ++i) {
    threads.emplace_back([&, i] {
      const auto& [participant, token] = people[i];
      const std::string& other = people[(i + 1) % people.size()].first.name();
      for (int round = 0; round < kRounds; ++round) {
        for (const std::string& item : items) {
          api::SubmitAnswerResponse resp;
          grpc::Status s = Submit(participant.name(), token, item, value_of(i, round), &resp);
          if (!s.ok()) ++refused;
          grpc::Status as_other = Submit(other, token, item, 5, &resp);
          // NOT_FOUND: a respondent is not told whether another participant exists.
          if (as_other.error_code() != grpc::StatusCode::NOT_FOUND) {
            ++not_refused_as_other;
            ADD_FAILURE() << as_other.error_code() << " " << as_other.error_message();
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(refused.load(), 0);
  EXPECT_EQ(not_refused_as_other.load(), 0);
  const std::vector<api::Answer> answers = AllAnswers(draft.name());
  EXPECT_EQ(answers.size(), people.size() * items.size());
  // Each one's answers are its own last values.
  for (const api::Answer& a : answers) {
    const std::string participant = a.name().substr(0, a.name().find("/answers/"));
    size_t person = 0;
    while (person < people.size() && people[person].first.name() != participant) ++person;
    ASSERT_LT(person, people.size()) << a.name();
    EXPECT_EQ(a.value(), value_of(person, kRounds - 1)) << a.name();
  }
  EXPECT_EQ(Progress(draft.name()).groups(0).progress().answered_count(),
            static_cast<int>(people.size() * items.size()));

  // The compact read for services gives the same answers, values and rounds.
  using Value = std::tuple<std::string, double, int, int>;  // name, value, round, perspective
  std::vector<Value> listed, compact;
  for (const api::Answer& a : AllAnswers(draft.name())) {
    listed.emplace_back(a.name(), a.value(), a.round(), a.perspective());
  }
  const api::ListAnswerValuesResponse values = AllAnswerValues(draft.name());
  for (const api::ParticipantAnswerValues& run : values.participants()) {
    for (const api::AnswerValue& a : run.answers()) {
      compact.emplace_back(absl::StrCat(draft.name(), "/participants/", run.participant_id(),
                                        "/answers/", a.item_id()),
                           a.value(), a.round(), run.perspective());
    }
  }
  EXPECT_EQ(compact, listed);
}

// Callers who send no etag are not refused for each other's changes: edits of one session and
// its opening at the same moment, on two replicas, go one after the other; so do edits of one
// participant and its joining.
TEST_F(SessionProcessTest, ChangesOfOneSessionAtOnceAllSucceedWithoutEtags) {
  const api::Session session = CreateSession("busy", /*anonymous=*/false);
  constexpr int kEdits = 8;
  const std::vector<absl::Status> outcomes =
      lagom::testing::AtOnce(kEdits + 1, [&](int i) -> absl::Status {
        grpc::Status s;
        if (i == kEdits) {
          api::OpenSessionRequest req;
          req.set_name(session.name());
          api::OpenSessionResponse resp;
          s = Call(*b_, &api::SessionService::Stub::OpenSession, req, &resp);
        } else {
          api::UpdateSessionRequest req;
          req.mutable_session()->set_name(session.name());
          req.mutable_session()->set_title(absl::StrCat("Review ", i));
          req.mutable_update_mask()->add_paths("title");
          api::UpdateSessionResponse resp;
          s = Call(i % 2 == 0 ? *a_ : *b_, &api::SessionService::Stub::UpdateSession, req, &resp);
        }
        return s.ok() ? absl::OkStatus() : absl::UnknownError(s.error_message());
      });
  for (const absl::Status& s : outcomes) EXPECT_TRUE(s.ok()) << s;
  api::GetSessionRequest get;
  get.set_name(session.name());
  api::GetSessionResponse got;
  ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::GetSession, get, &got).ok());
  EXPECT_EQ(got.session().state(), api::SESSION_STATE_OPEN);
  ASSERT_EQ(session.etag(), EtagOf(1));
  EXPECT_EQ(got.session().etag(), EtagOf(1 + kEdits + 1))
      << "every edit and the opening made one version each";

  // The same for one participant: edits by the facilitator on two replicas while the
  // participant accepts its invitation.
  auto [participant, token] =
      Invite(session.name(), "edited", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  const std::vector<absl::Status> edits = lagom::testing::AtOnce(kEdits + 1, [&](int i) {
    grpc::Status s;
    if (i == kEdits) {
      api::AcceptInvitationRequest req;
      req.set_token(token);
      api::AcceptInvitationResponse resp;
      s = Call(*b_, &api::SessionService::Stub::AcceptInvitation, req, &resp, token);
    } else {
      api::UpdateParticipantRequest req;
      req.mutable_participant()->set_name(participant.name());
      req.mutable_participant()->set_display_name(absl::StrCat("Edited ", i));
      req.mutable_update_mask()->add_paths("display_name");
      api::UpdateParticipantResponse resp;
      s = Call(i % 2 == 0 ? *a_ : *b_, &api::SessionService::Stub::UpdateParticipant, req, &resp);
    }
    return s.ok() ? absl::OkStatus() : absl::UnknownError(s.error_message());
  });
  for (const absl::Status& s : edits) EXPECT_TRUE(s.ok()) << s;
}

TEST_F(SessionProcessTest, AFullSessionTakesNoMoreParticipantsHoweverManyAddAtOnce) {
  const api::Session session = CreateSession("full", /*anonymous=*/false);
  Open(session.name());
  // Facilitators, who answer nothing: the built-in model's 55 provider items take a session
  // past the answers one scoring takes at 1 819 provider staff, long before 5 000.
  auto add = [&](api::SessionService::Stub& stub, const std::string& id) {
    api::CreateParticipantRequest req;
    req.set_parent(session.name());
    req.set_participant_id(id);
    req.mutable_participant()->set_perspective(api::PARTICIPANT_PERSPECTIVE_FACILITATOR);
    api::CreateParticipantResponse resp;
    return Call(stub, &api::SessionService::Stub::CreateParticipant, req, &resp);
  };
  // All but the last ten places, added through both replicas.
  constexpr int kRoom = 10;
  constexpr int kFillers = 8;
  std::atomic<int> failed{0};
  std::vector<std::thread> fillers;
  for (int t = 0; t < kFillers; ++t) {
    fillers.emplace_back([&, t] {
      for (int i = t; i < session::kMaxParticipantsPerSession - kRoom; i += kFillers) {
        if (!add(i % 2 ? *a_ : *b_, absl::StrCat("p", i)).ok()) ++failed;
      }
    });
  }
  for (std::thread& t : fillers) t.join();
  ASSERT_EQ(failed.load(), 0);

  // Twice as many adds as places, at the same moment on both replicas: exactly the places are
  // taken, and every other add is refused naming the session and the limit.
  std::latch start(2 * kRoom);
  std::vector<grpc::Status> outcomes(2 * kRoom);
  std::vector<std::thread> racers;
  for (int i = 0; i < 2 * kRoom; ++i) {
    racers.emplace_back([&, i] {
      start.arrive_and_wait();
      outcomes[i] = add(i % 2 ? *a_ : *b_, absl::StrCat("late", i));
    });
  }
  for (std::thread& t : racers) t.join();
  int added = 0;
  for (const grpc::Status& s : outcomes) {
    if (s.ok()) {
      ++added;
      continue;
    }
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
    EXPECT_EQ(ReasonOf(s), "QUOTA_EXCEEDED");
    EXPECT_EQ(s.error_message(),
              absl::StrCat("session ", session.name(),
                           " already has 5000 participants, the most a session holds; remove "
                           "one who will not answer, or run another session for the rest"));
  }
  EXPECT_EQ(added, kRoom);
  api::ListParticipantsRequest list;
  list.set_parent(session.name());
  api::ListParticipantsResponse listed;
  ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::ListParticipants, list, &listed).ok());
  EXPECT_EQ(listed.total_size(), session::kMaxParticipantsPerSession);
}

TEST_F(SessionProcessTest, AnonymousSessionsShowNoIdentities) {
  const api::Session draft = CreateSession("anon", /*anonymous=*/true);
  Open(draft.name());
  auto [provider, token] = Invite(draft.name(), "pat", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  api::SubmitAnswerResponse resp;
  ASSERT_TRUE(Submit(provider.name(), token, kProviderItem, 4, &resp).ok());
  // Facilitators with a viewer-level view: answers of the session carry pseudonyms.
  absl::StatusOr<std::pair<std::string, std::string>> viewer =
      CreateApiKey(*questionnaire_->channel, key_, "ROLE_FACILITATOR");
  ASSERT_TRUE(viewer.ok()) << viewer.status();
  api::ListAnswersRequest req;
  req.set_parent(draft.name() + "/participants/-");
  api::ListAnswersResponse answers;
  grpc::ClientContext ctx;
  Authorize(ctx, viewer->second);
  ASSERT_TRUE(b_->ListAnswers(&ctx, req, &answers).ok());
  ASSERT_EQ(answers.answers_size(), 1);
  EXPECT_THAT(answers.answers(0).name(), ::testing::Not(HasSubstr("/participants/pat/")));
  EXPECT_THAT(answers.answers(0).name(), HasSubstr("/participants/anon-"));
  api::GetParticipantRequest get;
  get.set_name(provider.name());
  api::GetParticipantResponse got;
  grpc::ClientContext ctx2;
  Authorize(ctx2, viewer->second);
  ASSERT_TRUE(b_->GetParticipant(&ctx2, get, &got).ok());
  EXPECT_EQ(got.participant().display_name(), "");
  // The completion is still tracked.
  api::CompleteParticipantRequest complete;
  complete.set_name(provider.name());
  api::CompleteParticipantResponse completed;
  ASSERT_TRUE(
      Call(*a_, &api::SessionService::Stub::CompleteParticipant, complete, &completed, token).ok());
  EXPECT_EQ(Progress(draft.name()).groups(0).completed_count(), 1);

  // Naming the participant does not tie their answers to them: only they and tenant admins
  // read one participant's answers.
  auto as_viewer = [&](auto method, const auto& request, auto* response) {
    grpc::ClientContext ctx;
    Authorize(ctx, viewer->second);
    return (b_.get()->*method)(&ctx, request, response);
  };
  api::ListAnswersRequest theirs;
  theirs.set_parent(provider.name());
  api::ListAnswersResponse listed;
  grpc::Status refused = as_viewer(&api::SessionService::Stub::ListAnswers, theirs, &listed);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(), HasSubstr("/participants/-"));
  EXPECT_EQ(listed.answers_size(), 0);
  api::GetAnswerRequest one;
  one.set_name(absl::StrCat(provider.name(), "/answers/", kProviderItem));
  api::GetAnswerResponse answer;
  EXPECT_EQ(as_viewer(&api::SessionService::Stub::GetAnswer, one, &answer).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Call(*a_, &api::SessionService::Stub::GetAnswer, one, &answer, token).error_code(),
            grpc::StatusCode::OK);
  EXPECT_EQ(Call(*a_, &api::SessionService::Stub::ListAnswers, theirs, &listed).error_code(),
            grpc::StatusCode::OK);  // a tenant admin
  EXPECT_EQ(listed.answers_size(), 1);

  // Nor do the replies of changes a facilitator makes show who the participant is.
  api::CompleteParticipantResponse again;
  ASSERT_TRUE(as_viewer(&api::SessionService::Stub::CompleteParticipant, complete, &again).ok());
  EXPECT_EQ(again.participant().display_name(), "");
  api::UpdateParticipantRequest update;
  update.mutable_participant()->set_name(provider.name());
  update.mutable_participant()->set_email("pat@example.com");
  update.mutable_update_mask()->add_paths("email");
  api::UpdateParticipantResponse updated;
  ASSERT_TRUE(as_viewer(&api::SessionService::Stub::UpdateParticipant, update, &updated).ok());
  EXPECT_EQ(updated.participant().display_name(), "");
  EXPECT_EQ(updated.participant().email(), "");
  ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::GetParticipant, get, &got).ok());
  EXPECT_EQ(got.participant().display_name(), "Person pat");  // a tenant admin
  EXPECT_EQ(got.participant().email(), "pat@example.com");

  // A facilitator cannot make themselves the participant: who a participant is changes only
  // by a tenant admin, and even bound to them, a facilitator is no respondent acting as pat.
  update.mutable_participant()->set_principal(viewer->first);
  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("principal");
  grpc::Status rebind = as_viewer(&api::SessionService::Stub::UpdateParticipant, update, &updated);
  EXPECT_EQ(rebind.error_code(), grpc::StatusCode::PERMISSION_DENIED) << rebind.error_message();
  ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::UpdateParticipant, update, &updated).ok());
  EXPECT_EQ(as_viewer(&api::SessionService::Stub::ListAnswers, theirs, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// A respondent signed in with an API key (or a JWT) reads and watches only a session one of
// whose participants is bound to them; the tenant's other sessions do not exist for them.
TEST_F(SessionProcessTest, ARespondentsKeyReachesOnlySessionsTheyTakePartIn) {
  const api::Session session = CreateSession("bound", /*anonymous=*/false);
  Open(session.name());
  absl::StatusOr<std::pair<std::string, std::string>> respondent =
      CreateApiKey(*questionnaire_->channel, key_, "ROLE_CUSTOMER_RESPONDENT");
  ASSERT_TRUE(respondent.ok()) << respondent.status();
  auto get = [&] {
    api::GetSessionRequest req;
    req.set_name(session.name());
    api::GetSessionResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, respondent->second);
    return b_->GetSession(&ctx, req, &resp);
  };
  // The first event of a watch, or how it ended.
  auto watch = [&](api::WatchSessionResponse* first) {
    api::WatchSessionRequest req;
    req.set_session(session.name());
    grpc::ClientContext ctx;
    Authorize(ctx, respondent->second);
    std::unique_ptr<grpc::ClientReader<api::WatchSessionResponse>> reader =
        b_->WatchSession(&ctx, req);
    if (reader->Read(first)) {
      ctx.TryCancel();
      reader->Finish();
      return grpc::Status::OK;
    }
    return reader->Finish();
  };
  api::WatchSessionResponse first;
  EXPECT_EQ(get().error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::Status refused = watch(&first);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::NOT_FOUND) << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr(session.name()));

  api::CreateParticipantRequest req;
  req.set_parent(session.name());
  req.set_participant_id("keyed");
  req.mutable_participant()->set_perspective(api::PARTICIPANT_PERSPECTIVE_CUSTOMER);
  req.mutable_participant()->set_customer_organization(org_);
  req.mutable_participant()->set_principal(respondent->first);
  api::CreateParticipantResponse created;
  ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::CreateParticipant, req, &created).ok());
  grpc::Status read = get();
  EXPECT_TRUE(read.ok()) << read.error_message();
  grpc::Status watched = watch(&first);
  EXPECT_TRUE(watched.ok()) << watched.error_message();
  EXPECT_TRUE(first.has_snapshot());
}

// A watch lasts only as long as its credential: revoking the invitation or removing the
// participant ends a respondent's stream within a heartbeat; other watchers go on.
TEST_F(SessionProcessTest, ARevokedInvitationOrRemovedParticipantStopsWatching) {
  absl::StatusOr<RunningService> quick =
      StartService(Session(), questionnaire_->address, {"--watch_heartbeat=300ms"});
  ASSERT_TRUE(quick.ok()) << quick.status();
  std::unique_ptr<api::SessionService::Stub> stub = api::SessionService::NewStub(quick->channel);
  const api::Session session = CreateSession("revoked", /*anonymous=*/false);
  Open(session.name());
  auto [pat, pat_token] = Invite(session.name(), "pat", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  auto [sam, sam_token] = Invite(session.name(), "sam", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  std::unique_ptr<Watch> pat_watch = StartWatch(*stub, session.name(), 0, pat_token);
  std::unique_ptr<Watch> sam_watch = StartWatch(*stub, session.name(), 0, sam_token);
  std::unique_ptr<Watch> admin_watch = StartWatch(*stub, session.name());
  // Three heartbeats (each a check of the credential) after the snapshot: every stream goes on.
  for (Watch* w : {pat_watch.get(), sam_watch.get(), admin_watch.get()}) {
    ASSERT_TRUE(AwaitEvents(*w, 4));
    absl::MutexLock lock(&w->mu);
    EXPECT_FALSE(w->ended) << w->status.error_message();
    EXPECT_GE(w->events.size(), 4u);
  }

  api::ListInvitationsRequest list;
  list.set_parent(session.name());
  list.set_filter(absl::StrCat("participant = \"", pat.name(), "\""));
  api::ListInvitationsResponse invitations;
  ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::ListInvitations, list, &invitations).ok());
  ASSERT_EQ(invitations.invitations_size(), 1);
  api::RevokeInvitationRequest revoke;
  revoke.set_name(invitations.invitations(0).name());
  api::RevokeInvitationResponse revoked;
  ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::RevokeInvitation, revoke, &revoked).ok());
  api::DeleteParticipantRequest remove;
  remove.set_name(sam.name());
  api::DeleteParticipantResponse removed;
  ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::DeleteParticipant, remove, &removed).ok());

  for (Watch* w : {pat_watch.get(), sam_watch.get()}) {
    ASSERT_TRUE(AwaitEnd(*w, absl::Seconds(10)));
    absl::MutexLock lock(&w->mu);
    EXPECT_EQ(w->status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << w->status.error_message();
  }
  const size_t before = admin_watch->Count();
  ASSERT_TRUE(AwaitEvents(*admin_watch, before + 3));
  absl::MutexLock lock(&admin_watch->mu);
  EXPECT_FALSE(admin_watch->ended) << admin_watch->status.error_message();
  EXPECT_GE(admin_watch->events.size(), before + 3);
}

// An invite token follows its tenant's state as API keys do. While the operator has the tenant
// SUSPENDED, its respondent reads and keeps watching but answers nothing (TENANT_INACTIVE);
// ACTIVE again, the respondent answers.
TEST_F(SessionProcessTest, ASuspendedTenantsRespondentReadsButAnswersNothing) {
  WatchingRespondent w;
  ASSERT_NO_FATAL_FAILURE(StartWatchingRespondent("suspended", &w));

  ASSERT_NO_FATAL_FAILURE(SetTenantState(tenancy::Tenant::STATE_SUSPENDED));
  const grpc::Status refused = SubmitUntil(w.participant.name(), w.token, 2, /*ok=*/false);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << refused.error_message();
  EXPECT_EQ(ReasonOf(refused), "TENANT_INACTIVE");
  EXPECT_THAT(refused.error_message(), HasSubstr("suspended"));
  // Reading goes on: the session, the respondent's own answers (none was stored), the watch
  // through several checks of its credential.
  api::GetSessionRequest get;
  get.set_name(w.session.name());
  api::GetSessionResponse got;
  grpc::Status read = Call(*a_, &api::SessionService::Stub::GetSession, get, &got, w.token);
  EXPECT_TRUE(read.ok()) << read.error_message();
  api::ListAnswersRequest list;
  list.set_parent(w.participant.name());
  api::ListAnswersResponse own;
  read = Call(*a_, &api::SessionService::Stub::ListAnswers, list, &own, w.token);
  EXPECT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(own.answers_size(), 0);
  const size_t seen = w.watch->Count();
  ASSERT_TRUE(AwaitEvents(*w.watch, seen + 4));
  {
    absl::MutexLock lock(&w.watch->mu);
    EXPECT_FALSE(w.watch->ended) << w.watch->status.error_message();
    EXPECT_GE(w.watch->events.size(), seen + 4);
  }

  ASSERT_NO_FATAL_FAILURE(SetTenantState(tenancy::Tenant::STATE_ACTIVE));
  const grpc::Status answered = SubmitUntil(w.participant.name(), w.token, 3, /*ok=*/true);
  EXPECT_TRUE(answered.ok()) << answered.error_message();
  read = Call(*a_, &api::SessionService::Stub::ListAnswers, list, &own, w.token);
  ASSERT_TRUE(read.ok()) << read.error_message();
  ASSERT_EQ(own.answers_size(), 1);
  EXPECT_EQ(own.answers(0).value(), 3);
}

// A DELETED tenant's invite tokens stop working, like its API keys: the respondent is refused
// with a message saying why, and a watch ends at its next check.
TEST_F(SessionProcessTest, ADeletedTenantsRespondentIsRefusedAndStopsWatching) {
  WatchingRespondent w;
  ASSERT_NO_FATAL_FAILURE(StartWatchingRespondent("deleted", &w));
  api::SubmitAnswerResponse resp;
  ASSERT_TRUE(Submit(w.participant.name(), w.token, kProviderItem, 2, &resp).ok());

  ASSERT_NO_FATAL_FAILURE(SetTenantState(tenancy::Tenant::STATE_DELETED));
  const grpc::Status refused = SubmitUntil(w.participant.name(), w.token, 4, /*ok=*/false);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED) << refused.error_message();
  EXPECT_EQ(ReasonOf(refused), "INVITE_TOKEN_INVALID");
  EXPECT_THAT(refused.error_message(), HasSubstr("contact the organisation that invited you"));
  api::GetSessionRequest get;
  get.set_name(w.session.name());
  api::GetSessionResponse got;
  EXPECT_EQ(Call(*a_, &api::SessionService::Stub::GetSession, get, &got, w.token).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(AwaitEnd(*w.watch, absl::Seconds(10)));
  absl::MutexLock lock(&w.watch->mu);
  EXPECT_EQ(w.watch->status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << w.watch->status.error_message();
}

// When the questionnaire service cannot say whether the tenant is in good standing, the
// respondent is not let in on a guess: UNAVAILABLE, to retry, not a verdict on the token.
TEST_F(SessionProcessTest, ARespondentWaitsWhileTheTenantsStandingCannotBeAsked) {
  absl::StatusOr<RunningService> own_questionnaire = StartService(Questionnaire(), "");
  ASSERT_TRUE(own_questionnaire.ok()) << own_questionnaire.status();
  absl::StatusOr<RunningService> replica = StartService(Session(), own_questionnaire->address);
  ASSERT_TRUE(replica.ok()) << replica.status();
  const api::Session session = CreateSession("unasked", /*anonymous=*/false);
  Open(session.name());
  auto [pat, token] = Invite(session.name(), "pat", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  a_ = api::SessionService::NewStub(replica->channel);  // Submit goes to the replica
  api::SubmitAnswerResponse resp;
  grpc::Status answered = Submit(pat.name(), token, kProviderItem, 2, &resp);
  ASSERT_TRUE(answered.ok()) << answered.error_message();

  own_questionnaire->process->Signal(SIGKILL);
  ASSERT_TRUE(own_questionnaire->process->WaitForExit(absl::Seconds(10)).has_value());
  const grpc::Status refused = SubmitUntil(pat.name(), token, 3, /*ok=*/false);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  EXPECT_EQ(ReasonOf(refused), "DEPENDENCY_UNAVAILABLE");
  EXPECT_THAT(refused.error_message(), HasSubstr("questionnaire service"));
}

// A Redis of the test's own, killed and restarted empty at will.
class PrivateRedis {
 public:
  PrivateRedis() : port_(ReservedLoopbackPort()) { Start(); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  void Start() {
    absl::StatusOr<ChildProcess> child = ChildProcess::Start(
        "/usr/bin/redis-server",
        {"--bind", "127.0.0.1", "--port", absl::StrCat(port_), "--save", "", "--appendonly", "no"},
        ScratchDir(), /*address_file=*/false);
    ASSERT_TRUE(child.ok()) << child.status();
    process_ = std::make_unique<ChildProcess>(*std::move(child));
    for (int i = 0; i < 100; ++i) {
      absl::StatusOr<std::unique_ptr<RedisClient>> c =
          RedisClient::Connect(address(), absl::Milliseconds(200));
      if (c.ok() && (*c)->Command({"PING"}).ok()) return;
      absl::SleepFor(absl::Milliseconds(50));
    }
    FAIL() << "redis-server did not start: " << process_->Stderr();
  }
  void Kill() {
    process_->Signal(SIGKILL);
    process_->WaitForExit(absl::Seconds(5));
  }

 private:
  const int port_;
  std::unique_ptr<ChildProcess> process_;
};

// Items of the built-in model a `perspective` respondent answers with a plain value (1 is on
// every scale); with `na_allowed_only`, those that may also be answered N/A.
std::vector<std::string> PlainItems(grpc::Channel& questionnaire, const std::string& key,
                                    questionnaire::v1::ItemPerspective perspective,
                                    bool na_allowed_only = false) {
  auto stub = questionnaire::v1::QuestionnaireService::NewStub(
      std::shared_ptr<grpc::Channel>(&questionnaire, [](grpc::Channel*) {}));
  questionnaire::v1::GetModelVersionRequest req;
  req.set_name(kModel);
  questionnaire::v1::GetModelVersionResponse resp;
  grpc::ClientContext ctx;
  Authorize(ctx, key);
  EXPECT_TRUE(stub->GetModelVersion(&ctx, req, &resp).ok());
  std::vector<std::string> out;
  for (const auto& area : resp.model_version().content().areas()) {
    for (const auto& item : area.items()) {
      if (item.perspective() == perspective &&
          item.servqual_aspect() != questionnaire::v1::SERVQUAL_ASPECT_BOTH &&
          (item.na_allowed() || !na_allowed_only)) {
        out.push_back(item.id());
      }
    }
  }
  return out;
}

// The live distributions follow every kind of change (a new answer, a changed one, N/A, a
// withdrawn one, a removed participant, a new round) exactly as the record has it: what a new
// watcher is shown equals the figures counted by hand, and the figures rebuilt from
// PostgreSQL after Redis lost everything.
TEST_F(SessionProcessTest, LiveDistributionsFollowEveryKindOfChange) {
  const api::Session session = CreateSession("counted", /*anonymous=*/false);
  Open(session.name());
  auto [p1, p1_token] = Invite(session.name(), "p1", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  auto [p2, p2_token] = Invite(session.name(), "p2", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  auto [c1, c1_token] = Invite(session.name(), "c1", api::PARTICIPANT_PERSPECTIVE_CUSTOMER);
  auto [c2, c2_token] = Invite(session.name(), "c2", api::PARTICIPANT_PERSPECTIVE_CUSTOMER);
  // An item a customer may answer N/A.
  const std::vector<std::string> na_items =
      PlainItems(*questionnaire_->channel, key_, questionnaire::v1::ITEM_PERSPECTIVE_CUSTOMER,
                 /*na_allowed_only=*/true);
  const std::string na_item = na_items.empty() ? "" : na_items.front();
  ASSERT_FALSE(na_item.empty()) << "the built-in model has no customer item allowing N/A";

  api::SubmitAnswerResponse resp;
  ASSERT_TRUE(Submit(p1.name(), p1_token, kProviderItem, 2, &resp).ok());
  ASSERT_TRUE(Submit(p2.name(), p2_token, kProviderItem, 3, &resp).ok());
  const std::string p2_answer = resp.answer().name();
  ASSERT_TRUE(Submit(p1.name(), p1_token, kProviderItem, 5, &resp).ok());  // changed
  ASSERT_TRUE(Submit(c1.name(), c1_token, kCustomerItem, 4, &resp).ok());
  ASSERT_TRUE(Submit(c2.name(), c2_token, kCustomerItem, 1, &resp).ok());
  ASSERT_TRUE(Submit(c1.name(), c1_token, na_item, std::nullopt, &resp).ok());
  ASSERT_TRUE(Submit(c2.name(), c2_token, na_item, 2, &resp).ok());
  api::DeleteAnswerRequest withdraw;
  withdraw.set_name(p2_answer);
  api::DeleteAnswerResponse withdrawn;
  ASSERT_TRUE(
      Call(*a_, &api::SessionService::Stub::DeleteAnswer, withdraw, &withdrawn, p2_token).ok());

  // (answers with a value, N/A, mean, round) of an item's first group (PROVIDER or ALL_CUSTOMERS)
  // in what a new watcher is shown, and the whole of what it is shown.
  using Figures = std::map<std::string, std::tuple<int, int, double, int>>;
  auto shown = [&](std::vector<api::ItemDistribution>* all = nullptr) {
    std::unique_ptr<Watch> w = StartWatch(*b_, session.name());
    EXPECT_TRUE(AwaitEvents(*w, 1));
    absl::MutexLock lock(&w->mu);
    Figures out;
    if (w->events.empty()) return out;
    for (const api::ItemDistribution& d : w->events[0].snapshot().distributions()) {
      if (all != nullptr) all->push_back(d);
      if (d.groups_size() == 0) continue;
      const api::GroupDistribution& g = d.groups(0);
      if (g.answer_count() + g.na_count() == 0) continue;
      out[d.item_id()] = {g.answer_count(), g.na_count(), g.mean(), d.round()};
    }
    return out;
  };
  auto flush_redis = [] {
    absl::StatusOr<std::unique_ptr<RedisClient>> redis =
        RedisClient::Connect(TestRedisAddress(), absl::Seconds(3));
    ASSERT_TRUE(redis.ok());
    ASSERT_TRUE((*redis)->Command({"FLUSHALL"}).ok());
  };
  auto same_as_rebuilt = [&](const Figures& expected) {
    std::vector<api::ItemDistribution> live, rebuilt;
    EXPECT_EQ(shown(&live), expected) << "live figures";
    flush_redis();
    EXPECT_EQ(shown(&rebuilt), expected) << "figures rebuilt from PostgreSQL";
    ASSERT_EQ(live.size(), rebuilt.size());
    for (size_t i = 0; i < live.size(); ++i) {
      EXPECT_EQ(live[i].DebugString(), rebuilt[i].DebugString());
    }
  };

  ASSERT_NO_FATAL_FAILURE(same_as_rebuilt({{kProviderItem, {1, 0, 5.0, 1}},
                                           {kCustomerItem, {2, 0, 2.5, 1}},
                                           {na_item, {1, 1, 2.0, 1}}}));

  // After the rebuild the live figures go on counting: a changed answer, a removed
  // participant (their answers leave the figures), a new round of one item.
  ASSERT_TRUE(Submit(c2.name(), c2_token, kCustomerItem, 3, &resp).ok());
  api::DeleteParticipantRequest remove;
  remove.set_name(c1.name());
  api::DeleteParticipantResponse removed;
  ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::DeleteParticipant, remove, &removed).ok());
  api::StartRoundRequest round;
  round.set_parent(session.name());
  round.mutable_round()->add_item_ids(kProviderItem);
  api::StartRoundResponse started;
  grpc::Status s = Call(*a_, &api::SessionService::Stub::StartRound, round, &started);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(Submit(p2.name(), p2_token, kProviderItem, 1, &resp).ok());
  ASSERT_NO_FATAL_FAILURE(same_as_rebuilt({{kProviderItem, {1, 0, 1.0, 2}},
                                           {kCustomerItem, {1, 0, 3.0, 1}},
                                           {na_item, {1, 0, 2.0, 1}}}));

  // The facilitator reveals the new round's item once; an item listed twice is refused.
  api::RevealItemDistributionRequest reveal;
  reveal.set_round(session.name() + "/rounds/2");
  reveal.add_item_ids(kProviderItem);
  reveal.add_item_ids(kProviderItem);
  api::RevealItemDistributionResponse revealed;
  s = Call(*a_, &api::SessionService::Stub::RevealItemDistribution, reveal, &revealed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(ViolationsOf(s).size(), 1u);
  EXPECT_EQ(ViolationsOf(s)[0].field, "item_ids[1]");
  reveal.mutable_item_ids()->RemoveLast();
  s = Call(*a_, &api::SessionService::Stub::RevealItemDistribution, reveal, &revealed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(revealed.distributions_size(), 1);
  EXPECT_TRUE(revealed.distributions(0).revealed());

  // Once archived, the session's rounds no longer change.
  CloseAndArchive(session.name());
  s = Call(*a_, &api::SessionService::Stub::RevealItemDistribution, reveal, &revealed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("ARCHIVED"));
}

// Answers in force, as ListAnswers gives them with in_force (reports read comments so):
// each item's answers in its latest round; an answer not given again in a re-vote is not.
TEST_F(SessionProcessTest, AnswersInForceAreThoseOfEachItemsLatestRound) {
  const api::Session session = CreateSession("in-force", /*anonymous=*/false);
  Open(session.name());
  auto [p, p_token] = Invite(session.name(), "p", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  auto [q, q_token] = Invite(session.name(), "q", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  api::SubmitAnswerResponse resp;
  ASSERT_TRUE(Submit(p.name(), p_token, kProviderItem, 2, &resp).ok());
  ASSERT_TRUE(Submit(q.name(), q_token, kProviderItem, 3, &resp).ok());
  api::StartRoundRequest round;
  round.set_parent(session.name());
  round.mutable_round()->add_item_ids(kProviderItem);
  api::StartRoundResponse started;
  ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::StartRound, round, &started).ok());
  ASSERT_TRUE(Submit(q.name(), q_token, kProviderItem, 4, &resp).ok());
  auto listed = [&](bool in_force) {
    api::ListAnswersRequest req;
    req.set_parent(session.name() + "/participants/-");
    req.set_in_force(in_force);
    api::ListAnswersResponse answers;
    EXPECT_TRUE(Call(*a_, &api::SessionService::Stub::ListAnswers, req, &answers).ok());
    std::vector<std::string> out;
    for (const api::Answer& a : answers.answers()) {
      out.push_back(absl::StrCat(a.name().substr(a.name().find("/participants/") + 14), "@",
                                 a.round(), "=", a.value()));
    }
    return out;
  };
  const std::string item = absl::StrCat("/answers/", kProviderItem);
  EXPECT_THAT(listed(false), ElementsAre("p" + item + "@1=2", "q" + item + "@2=4"));
  EXPECT_THAT(listed(true), ElementsAre("q" + item + "@2=4"));
}

// A session deleted and created again under the same id starts from nothing: its live
// figures do not count the first one's participants and answers.
TEST_F(SessionProcessTest, ASessionCreatedAgainUnderADeletedOnesIdStartsFromNothing) {
  const ItemAndGroup kProvided = {kProviderItem, type::v1::RESPONSE_GROUP_KIND_PROVIDER};
  int first_expected = 0;  // answers the first life's two participants were expected to give
  for (int life = 0; life < 2; ++life) {
    SCOPED_TRACE(absl::StrCat("life ", life));
    const api::Session session = CreateSession("again", /*anonymous=*/false);
    ASSERT_FALSE(session.name().empty());
    Open(session.name());
    auto [p, token] =
        Invite(session.name(), absl::StrCat("p", life), api::PARTICIPANT_PERSPECTIVE_PROVIDER);
    if (life == 0) {
      auto [q, q_token] = Invite(session.name(), "q", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
      api::SubmitAnswerResponse resp;
      ASSERT_TRUE(Submit(p.name(), token, kProviderItem, 2, &resp).ok());
      ASSERT_TRUE(Submit(q.name(), q_token, kProviderItem, 3, &resp).ok());
      const api::SessionProgress progress = Progress(session.name());
      EXPECT_EQ(progress.overall().answered_count(), 2);
      first_expected = progress.overall().expected_count();
      EXPECT_EQ(SnapshotAnswers(session.name())[kProvided], 2);
      CloseAndArchive(session.name());
      api::DeleteSessionRequest del;
      del.set_name(session.name());
      api::DeleteSessionResponse deleted;
      ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::DeleteSession, del, &deleted).ok());
    } else {
      const api::SessionProgress progress = Progress(session.name());
      EXPECT_EQ(progress.overall().answered_count(), 0);
      EXPECT_EQ(progress.overall().expected_count(), first_expected / 2) << "one participant";
      EXPECT_EQ(SnapshotAnswers(session.name())[kProvided], 0);
    }
  }
}

// A session holds at most 64 rounds, so one answer has at most 64 rows in the journal, and
// reads of the latest rounds page through them at any page size.
TEST_F(SessionProcessTest, ASessionHoldsSixtyFourRoundsAndReadsPageThroughThemAll) {
  const api::Session session = CreateSession("many-rounds", /*anonymous=*/false);
  Open(session.name());
  auto [p, token] = Invite(session.name(), "p", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  auto [q, q_token] = Invite(session.name(), "q", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  api::SubmitAnswerResponse resp;
  ASSERT_TRUE(Submit(q.name(), q_token, kProviderItem, 2, &resp).ok());
  api::StartRoundRequest round;
  round.set_parent(session.name());
  round.mutable_round()->add_item_ids(kProviderItem);
  for (int number = 1; number <= session::kMaxRoundsPerSession; ++number) {
    if (number > 1) {
      api::StartRoundResponse started;
      grpc::Status s = Call(*a_, &api::SessionService::Stub::StartRound, round, &started);
      ASSERT_TRUE(s.ok()) << number << ": " << s.error_message();
    }
    ASSERT_TRUE(Submit(p.name(), token, kProviderItem, 1 + number % 5, &resp).ok());
  }
  api::StartRoundResponse started;
  grpc::Status refused = Call(*a_, &api::SessionService::Stub::StartRound, round, &started);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ReasonOf(refused), "QUOTA_EXCEEDED");
  EXPECT_EQ(refused.error_message(),
            absl::StrCat("session ", session.name(),
                         " already has 64 rounds, the most a session holds; re-vote in a new "
                         "session"));

  // The latest round of each answer, one a page: p's 64th round, then q's first.
  for (int page_size : {1, 2, 500}) {
    api::ListAnswersRequest req;
    req.set_parent(session.name() + "/participants/-");
    req.set_page_size(page_size);
    std::vector<std::string> seen;
    for (int page = 0; page < 5; ++page) {
      api::ListAnswersResponse listed;
      grpc::Status s = Call(*b_, &api::SessionService::Stub::ListAnswers, req, &listed);
      ASSERT_TRUE(s.ok()) << page_size << ": " << s.error_message();
      for (const api::Answer& a : listed.answers()) {
        seen.push_back(absl::StrCat(a.name().substr(a.name().find("/participants/")), " ",
                                    a.round(), " ", a.value()));
      }
      if (listed.next_page_token().empty()) break;
      req.set_page_token(listed.next_page_token());
    }
    EXPECT_THAT(seen,
                ::testing::ElementsAre(
                    absl::StrCat("/participants/p/answers/", kProviderItem, " 64 ", 1 + 64 % 5),
                    absl::StrCat("/participants/q/answers/", kProviderItem, " 1 2")))
        << "page size " << page_size;
  }
}

TEST_F(SessionProcessTest, ABusyItemsFiguresGoOutAtMostTwentyTimesASecondAndEndCurrent) {
  const api::Session session = CreateSession("busy-item", /*anonymous=*/false);
  Open(session.name());
  auto [p, token] = Invite(session.name(), "p", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  std::unique_ptr<Watch> w = StartWatch(*b_, session.name());
  ASSERT_TRUE(AwaitEvents(*w, 1));
  const size_t after_snapshot = w->Count();

  // 40 changes of one answer, each in a publish window of its own (the session's windows are
  // 10 ms): without the item's own limit every change would go out.
  constexpr int kChanges = 40;
  const absl::Time start = absl::Now();
  api::SubmitAnswerResponse resp;
  double last = 0;
  for (int i = 0; i < kChanges; ++i) {
    last = 1 + i % 5;
    ASSERT_TRUE(Submit(p.name(), token, kProviderItem, last, &resp).ok());
    absl::SleepFor(absl::Milliseconds(12));
  }
  // The watcher's changes of the item, until one shows the last answer.
  auto item_changes = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu) {
    std::vector<const api::ItemDistribution*> out;
    for (size_t i = after_snapshot; i < w->events.size(); ++i) {
      const api::WatchSessionResponse& e = w->events[i];
      if (e.has_item_distribution_changed() &&
          e.item_distribution_changed().distribution().item_id() == kProviderItem) {
        out.push_back(&e.item_distribution_changed().distribution());
      }
    }
    return out;
  };
  auto current = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu) {
    std::vector<const api::ItemDistribution*> seen = item_changes();
    return !seen.empty() && seen.back()->groups_size() > 0 &&
           seen.back()->groups(0).answer_count() == 1 && seen.back()->groups(0).mean() == last;
  };
  absl::MutexLock lock(&w->mu);
  w->mu.AwaitWithTimeout(absl::Condition(&current), absl::Seconds(20));
  const absl::Duration elapsed = absl::Now() - start;
  ASSERT_TRUE(current()) << "the watcher never got the item's figures with the last answer";
  // Publishes of one item are at least 50 ms apart; their arrivals may bunch a little.
  const int at_most = static_cast<int>(elapsed / absl::Milliseconds(50)) + 2;
  const int changes = static_cast<int>(item_changes().size());
  EXPECT_LE(changes, at_most) << "in " << absl::FormatDuration(elapsed) << " for " << kChanges
                              << " changes";
  EXPECT_GE(changes, 2) << "a change waited for the last one";
}

TEST_F(SessionProcessTest, RedisKilledUnderLoadLosesNoAcknowledgedAnswer) {
  PrivateRedis redis;
  absl::StatusOr<RunningService> replica =
      StartService(Session(), questionnaire_->address, {"--redis_addr=" + redis.address()});
  ASSERT_TRUE(replica.ok()) << replica.status();
  a_ = api::SessionService::NewStub(replica->channel);
  b_ = api::SessionService::NewStub(replica->channel);

  const api::Session session = CreateSession("under-load", /*anonymous=*/false);
  Open(session.name());
  const std::vector<std::string> provider_items =
      PlainItems(*questionnaire_->channel, key_, questionnaire::v1::ITEM_PERSPECTIVE_PROVIDER);
  const std::vector<std::string> customer_items =
      PlainItems(*questionnaire_->channel, key_, questionnaire::v1::ITEM_PERSPECTIVE_CUSTOMER);
  ASSERT_GT(provider_items.size(), 20u);
  ASSERT_GE(customer_items.size(), 15u);

  struct Respondent {
    api::Participant participant;
    std::string token;
    const std::vector<std::string>* items;
    std::map<std::string, double> acknowledged;  // item → value of calls that returned OK
    int refused = 0;
    int tried_while_down = 0;    // calls begun while Redis was down
    int acknowledged_after = 0;  // calls begun after Redis came back that returned OK
  };
  std::vector<Respondent> respondents;
  for (int i = 0; i < 8; ++i) {
    const bool provider = i % 2 == 0;
    auto [p, token] = Invite(
        session.name(), absl::StrCat("r", i),
        provider ? api::PARTICIPANT_PERSPECTIVE_PROVIDER : api::PARTICIPANT_PERSPECTIVE_CUSTOMER);
    respondents.push_back({p, token, provider ? &provider_items : &customer_items, {}, 0, 0, 0});
  }

  // Every respondent answers its items one after another for about three seconds; Redis is
  // killed a little into it and comes back empty while they go on.
  enum Phase { kBefore, kDown, kBack };
  std::atomic<int> phase{kBefore};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (Respondent& r : respondents) {
    threads.emplace_back([&, rp = &r] {
      // Round the items again when done, so that every respondent answers all along.
      for (size_t k = 0; !stop.load(); ++k) {
        const std::string& item = (*rp->items)[k % rp->items->size()];
        const double value = 1;
        const int began = phase.load();
        rp->tried_while_down += began == kDown;
        api::SubmitAnswerResponse resp;
        if (Submit(rp->participant.name(), rp->token, item, value, &resp).ok()) {
          rp->acknowledged[item] = value;
          rp->acknowledged_after += began == kBack;
        } else {
          rp->refused++;
        }
        absl::SleepFor(absl::Milliseconds(40));
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(400));
  redis.Kill();
  phase = kDown;
  absl::SleepFor(absl::Milliseconds(300));
  redis.Start();
  phase = kBack;
  absl::SleepFor(absl::Seconds(2));
  stop = true;
  for (std::thread& t : threads) t.join();

  // Every acknowledged answer is in the record, with its value.
  std::map<std::pair<std::string, std::string>, double> stored;
  for (const api::Answer& a : AllAnswers(session.name())) {
    const std::string participant = a.name().substr(0, a.name().find("/answers/"));
    stored[{participant, a.item_id()}] = a.value();
  }
  int acknowledged = 0, provider_answered = 0, customer_answered = 0;
  for (const Respondent& r : respondents) {
    for (const auto& [item, value] : r.acknowledged) {
      acknowledged++;
      auto it = stored.find({r.participant.name(), item});
      ASSERT_NE(it, stored.end()) << r.participant.name() << " " << item << " acknowledged, lost";
      EXPECT_EQ(it->second, value);
    }
    int in_record = 0;
    for (const auto& [key, value] : stored) in_record += key.first == r.participant.name();
    (r.participant.perspective() == api::PARTICIPANT_PERSPECTIVE_PROVIDER ? provider_answered
                                                                          : customer_answered) +=
        in_record;
  }
  int refused = 0, tried_while_down = 0;
  for (const Respondent& r : respondents) {
    refused += r.refused;
    tried_while_down += r.tried_while_down;
    // Every respondent's answers are taken again once Redis is back.
    EXPECT_GT(r.acknowledged_after, 0) << r.participant.name() << " answered nothing after";
  }
  EXPECT_GT(tried_while_down, 0) << "calls should have been made while Redis was down";
  std::cerr << "answers acknowledged " << acknowledged << ", refused " << refused << ", "
            << tried_while_down << " begun while Redis was down\n";

  // Live progress agrees with the record again.
  const api::SessionProgress progress = Progress(session.name());
  ASSERT_GE(progress.groups_size(), 2);
  EXPECT_EQ(progress.groups(0).group().kind(), type::v1::RESPONSE_GROUP_KIND_PROVIDER);
  EXPECT_EQ(progress.groups(0).progress().answered_count(), provider_answered);
  EXPECT_EQ(progress.groups(1).group().kind(), type::v1::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  EXPECT_EQ(progress.groups(1).progress().answered_count(), customer_answered);
  EXPECT_EQ(progress.overall().answered_count(), provider_answered + customer_answered);
}

// A replica that dies after its answers committed and before it updated the live state leaves
// its announcement behind (`writing`); the figures expire within seconds instead of minutes,
// the next use rebuilds them from PostgreSQL, and watchers get a snapshot with the answer.
TEST_F(SessionProcessTest, AnswersOfAReplicaThatDiedBeforeUpdatingAreRebuiltWithinSeconds) {
  Answered a;
  ASSERT_NO_FATAL_FAILURE(AnswerAndWatch("died-before-update", &a));
  const api::Session& session = a.session;
  auto [second, second_token] =
      Invite(session.name(), "second", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  ASSERT_NO_FATAL_FAILURE(StageDiedBeforeUpdating(a));
  Watch* watch = a.watch.get();
  const size_t before = watch->Count();

  // Another respondent answers after the window: the figures are rebuilt with both answers
  // (by that answer, or before it by the watching replica's check).
  absl::SleepFor(session::kPendingWindow + absl::Milliseconds(500));
  api::SubmitAnswerResponse resp;
  ASSERT_TRUE(Submit(second.name(), second_token, kProviderItem, 3, &resp).ok());
  EXPECT_EQ(Progress(session.name()).overall().answered_count(), 2);
  // Watchers get a snapshot with the lost answer, and then figures with both.
  absl::MutexLock lock(&watch->mu);
  auto both = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(watch->mu) {
    for (size_t i = before; i < watch->events.size(); ++i) {
      const api::WatchSessionResponse& e = watch->events[i];
      const api::SessionProgress* p = e.has_snapshot() ? &e.snapshot().progress()
                                      : e.has_item_distribution_changed()
                                          ? &e.item_distribution_changed().progress()
                                          : nullptr;
      if (p != nullptr && p->overall().answered_count() == 2) return true;
    }
    return false;
  };
  watch->mu.AwaitWithTimeout(absl::Condition(&both), absl::Seconds(20));
  EXPECT_TRUE(both()) << "watchers never saw both answers";
  bool resynced = false;
  for (size_t i = before; i < watch->events.size(); ++i) {
    const api::WatchSessionResponse& e = watch->events[i];
    if (!e.has_snapshot()) continue;
    resynced = true;
    EXPECT_GE(e.snapshot().progress().overall().answered_count(), 1) << "the lost answer";
  }
  EXPECT_TRUE(resynced) << "watchers were not given a snapshot with the rebuilt figures";
  absl::StatusOr<RedisReply> writing = a.redis->Command({"HLEN", a.prefix + "writing"});
  ASSERT_TRUE(writing.ok());
  EXPECT_EQ(writing->integer, 0) << "the dead replica's announcement was left behind";
}

// The same loss when nothing more happens in the session (the replica died on the last
// answers): watched, its figures are rebuilt anyway, and watchers get them.
TEST_F(SessionProcessTest, AWatchedSessionIsRebuiltWithinSecondsWithoutAnotherAnswer) {
  Answered a;
  ASSERT_NO_FATAL_FAILURE(AnswerAndWatch("died-on-the-last-answer", &a));
  ASSERT_NO_FATAL_FAILURE(StageDiedBeforeUpdating(a));
  const absl::Time staged = absl::Now();
  // No answer, no read: only the watch.
  ASSERT_TRUE(AwaitSnapshot(*a.watch, a.watch->Count(), 1))
      << "watchers were not given the rebuilt figures";
  EXPECT_LT(absl::Now() - staged, session::kPendingWindow + absl::Seconds(5))
      << "rebuilt later than the pending window and a check or two";
}

// The same with two watchers, the first of whom has gone (its call's deadline passed): the
// check goes on for the one still watching.
TEST_F(SessionProcessTest, AWatchedSessionIsKeptBuiltAfterTheFirstWatcherLeaves) {
  Answered a;
  ASSERT_NO_FATAL_FAILURE(AnswerAndWatch("first-watcher-left", &a, absl::Seconds(2)));
  a.earlier->reader.join();  // the deadline ended it
  ASSERT_EQ(a.earlier->status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_NO_FATAL_FAILURE(StageDiedBeforeUpdating(a));
  EXPECT_TRUE(AwaitSnapshot(*a.watch, a.watch->Count(), 1))
      << "the remaining watcher was not given the rebuilt figures";
}

// A replica that died after updating the figures but before publishing them (its publisher
// waits up to 10 ms to gather changes): a replica with watchers publishes those items within
// seconds, though nothing else happens in the session.
TEST_F(SessionProcessTest, ChangesLeftUnpublishedByADeadReplicaArePublishedWithinSeconds) {
  Answered a;
  ASSERT_NO_FATAL_FAILURE(AnswerAndWatch("died-before-publishing", &a));
  // As the dead replica left Redis: the answer changed to 3 in the figures (and the item's
  // counts), nothing published.
  const std::string counts = absl::StrCat(a.prefix, "counts:", kProviderItem);
  ASSERT_TRUE(a.redis
                  ->Pipeline({{"HSET", absl::StrCat(a.prefix, "item:", kProviderItem), "first",
                               "999999999999|P||3"},
                              {"HDEL", counts, "P||2"},
                              {"HSET", counts, "P||3", "1"},
                              {"INCR", a.prefix + "ver"},
                              {"SADD", a.prefix + "unpublished", kProviderItem}})
                  .ok());
  Watch* watch = a.watch.get();
  const absl::Time staged = absl::Now();

  absl::MutexLock lock(&watch->mu);
  auto published = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(watch->mu) {
    for (const api::WatchSessionResponse& e : watch->events) {
      if (!e.has_item_distribution_changed()) continue;
      const api::ItemDistribution& d = e.item_distribution_changed().distribution();
      if (d.item_id() == kProviderItem && d.groups_size() > 0 && d.groups(0).mean() == 3) {
        return true;
      }
    }
    return false;
  };
  watch->mu.AwaitWithTimeout(absl::Condition(&published), absl::Seconds(20));
  ASSERT_TRUE(published()) << "watchers never got the unpublished change";
  EXPECT_LT(absl::Now() - staged, absl::Seconds(5)) << "published later than a check or two";
}

// Two independent Redis primaries as shards: each session's live state and event stream live
// on the one its id picks, watchers of sessions on either shard see their answers, and a
// replica given the shards in the other order agrees.
TEST_F(SessionProcessTest, LiveStateIsSpreadOverRedisShards) {
  PrivateRedis first, second;
  const std::vector<std::string> shards = {first.address(), second.address()};
  absl::StatusOr<RunningService> a = StartService(Session(), questionnaire_->address,
                                                  {"--redis_addr=" + shards[0] + "," + shards[1]});
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<RunningService> b = StartService(Session(), questionnaire_->address,
                                                  {"--redis_addr=" + shards[1] + "," + shards[0]});
  ASSERT_TRUE(b.ok()) << b.status();
  a_ = api::SessionService::NewStub(a->channel);
  b_ = api::SessionService::NewStub(b->channel);

  // Four sessions on each shard: ids picked by where they go (the shards' ports, and so the
  // pick, change from run to run; how evenly the pick spreads is the unit tests' matter).
  std::vector<std::string> ids;
  std::map<size_t, int> per_shard;
  for (int i = 0; ids.size() < 8 && i < 1000; ++i) {
    std::string id = absl::StrCat("sharded-", i);
    if (per_shard[RedisShards::Pick(shards, id)]++ < 4) ids.push_back(std::move(id));
  }
  ASSERT_EQ(ids.size(), 8u) << "no ids for both shards among 1000";
  for (const std::string& id : ids) {
    const api::Session session = CreateSession(id, /*anonymous=*/false);
    Open(session.name());
    auto [provider, token] = Invite(session.name(), "pat", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
    std::unique_ptr<Watch> watch = StartWatch(*b_, session.name());  // on the other replica
    ASSERT_TRUE(AwaitEvents(*watch, 1));
    api::SubmitAnswerResponse resp;
    ASSERT_TRUE(Submit(provider.name(), token, kProviderItem, 2, &resp).ok());
    ASSERT_TRUE(AwaitEvents(*watch, 3));  // snapshot, joined, distribution
    {
      absl::MutexLock lock(&watch->mu);
      bool seen = false;
      for (const api::WatchSessionResponse& e : watch->events) {
        seen |= e.has_item_distribution_changed() &&
                e.item_distribution_changed().distribution().item_id() == kProviderItem;
      }
      EXPECT_TRUE(seen) << id << ": the watcher on the other replica saw no distribution";
    }
    EXPECT_EQ(Progress(session.name()).overall().answered_count(), 1) << id;

    // The session's keys are on the shard its id picks, and only there.
    const size_t picked = RedisShards::Pick(shards, id);
    const std::string pattern = absl::StrCat("lagom:", tenant_, ":session:{", id, "}:*");
    for (size_t k = 0; k < shards.size(); ++k) {
      absl::StatusOr<std::unique_ptr<RedisClient>> redis =
          RedisClient::Connect(shards[k], absl::Seconds(2));
      ASSERT_TRUE(redis.ok());
      absl::StatusOr<RedisReply> keys = (*redis)->Command({"KEYS", pattern});
      ASSERT_TRUE(keys.ok());
      if (k == picked) {
        EXPECT_FALSE(keys->elements.empty()) << id << ": nothing on its shard " << shards[k];
      } else {
        EXPECT_TRUE(keys->elements.empty()) << id << ": keys on the other shard " << shards[k];
      }
    }
  }
}

// Stands in for the scoring service: refuses while `down`, records every ScoreSession with the
// identity it was sent under.
class RecordingScoring final : public scoring::v1::ScoringService::CallbackService {
 public:
  grpc::ServerUnaryReactor* ScoreSession(grpc::CallbackServerContext* ctx,
                                         const scoring::v1::ScoreSessionRequest* req,
                                         scoring::v1::ScoreSessionResponse*) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    absl::MutexLock lock(&mu);
    if (down) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "scoring is down"));
      return reactor;
    }
    auth::v1::Principal caller;
    auto on_behalf = ctx->client_metadata().find("x-lagom-on-behalf-of-bin");
    if (on_behalf != ctx->client_metadata().end()) {
      caller.ParseFromArray(on_behalf->second.data(), static_cast<int>(on_behalf->second.size()));
    }
    calls.push_back({*req, caller, ctx->client_metadata().count("x-lagom-service-token") > 0});
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  struct Call {
    scoring::v1::ScoreSessionRequest request;
    auth::v1::Principal caller;
    bool service_token = false;
  };
  absl::Mutex mu;
  bool down ABSL_GUARDED_BY(mu) = true;
  std::vector<Call> calls ABSL_GUARDED_BY(mu);
};

// A replica of its own, with a Redis of its own and live state that expires unused.
struct IdleReplica {
  PrivateRedis redis;
  std::optional<RunningService> replica;
  std::unique_ptr<RedisClient> client;
};

void SessionProcessTest::UseIdleReplica(absl::Duration idle_ttl, IdleReplica* out) {
  absl::StatusOr<RunningService> replica =
      StartService(Session(), questionnaire_->address,
                   {"--redis_addr=" + out->redis.address(),
                    "--live_state_idle_ttl=" + absl::FormatDuration(idle_ttl)});
  ASSERT_TRUE(replica.ok()) << replica.status();
  out->replica.emplace(*std::move(replica));
  absl::StatusOr<std::unique_ptr<RedisClient>> client =
      RedisClient::Connect(out->redis.address(), absl::Seconds(2));
  ASSERT_TRUE(client.ok()) << client.status();
  out->client = *std::move(client);
  a_ = api::SessionService::NewStub(out->replica->channel);
  b_ = api::SessionService::NewStub(out->replica->channel);
}

// Every key in `redis` with its time to live in milliseconds (-1: none).
std::map<std::string, int64_t> KeysAndTtls(RedisClient& redis) {
  std::map<std::string, int64_t> out;
  absl::StatusOr<RedisReply> keys = redis.Command({"KEYS", "*"});
  EXPECT_TRUE(keys.ok()) << keys.status();
  if (!keys.ok()) return out;
  for (const RedisReply& key : keys->elements) {
    absl::StatusOr<RedisReply> ttl = redis.Command({"PTTL", key.str});
    EXPECT_TRUE(ttl.ok()) << ttl.status();
    if (ttl.ok() && ttl->integer != -2) out[key.str] = ttl->integer;  // -2: gone meanwhile
  }
  return out;
}

// A snapshot of one provider's answer to kProviderItem and one customer's (of an
// organisation) to kCustomerItem, each counted once in each of its groups.
auto OneProviderAndOneCustomerAnswer() {
  using ::testing::Pair;
  return ::testing::UnorderedElementsAre(
      Pair(Pair(kCustomerItem, type::v1::RESPONSE_GROUP_KIND_ALL_CUSTOMERS), 1),
      Pair(Pair(kCustomerItem, type::v1::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION), 1),
      Pair(Pair(kProviderItem, type::v1::RESPONSE_GROUP_KIND_PROVIDER), 1));
}

// A session left alone leaves nothing in Redis once its idle time to live has passed, and
// its figures come back from PostgreSQL when it is used again.
TEST_F(SessionProcessTest, AnIdleSessionsLiveStateLeavesRedisAndComesBack) {
  constexpr absl::Duration kIdle = absl::Seconds(3);
  IdleReplica own;
  ASSERT_NO_FATAL_FAILURE(UseIdleReplica(kIdle, &own));

  const api::Session session = CreateSession("left-alone", /*anonymous=*/false);
  Open(session.name());
  auto [p1, p1_token] = Invite(session.name(), "p1", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  auto [c1, c1_token] = Invite(session.name(), "c1", api::PARTICIPANT_PERSPECTIVE_CUSTOMER);
  api::SubmitAnswerResponse resp;
  ASSERT_TRUE(Submit(p1.name(), p1_token, kProviderItem, 4, &resp).ok());
  ASSERT_TRUE(Submit(c1.name(), c1_token, kCustomerItem, 2, &resp).ok());
  // A draft's stream is started by its first watcher's hub.
  const api::Session draft = CreateSession("draft-only", /*anonymous=*/false);
  for (const api::Session* watched : {&session, &draft}) {
    std::unique_ptr<Watch> w = StartWatch(*b_, watched->name());
    ASSERT_TRUE(AwaitEvents(*w, 1));
  }
  ASSERT_EQ(Progress(session.name()).overall().answered_count(), 2);

  // Every key the sessions have in Redis (figures, events, presence) expires within kIdle.
  const std::string prefix = absl::StrCat("lagom:", tenant_, ":session:{left-alone}:");
  const std::map<std::string, int64_t> live = KeysAndTtls(*own.client);
  EXPECT_TRUE(live.count(prefix + "events"));
  EXPECT_TRUE(live.count(absl::StrCat("lagom:", tenant_, ":session:{draft-only}:events")));
  EXPECT_GE(live.size(), 9u);
  for (const auto& [key, ttl] : live) {
    EXPECT_GT(ttl, 0) << key << " never expires";
    EXPECT_LE(ttl, absl::ToInt64Milliseconds(kIdle)) << key;
  }

  absl::SleepFor(kIdle + absl::Milliseconds(1500));
  EXPECT_THAT(KeysAndTtls(*own.client), ::testing::IsEmpty());

  EXPECT_EQ(Progress(session.name()).overall().answered_count(), 2);
  // The snapshot after the rebuild shows both answers, each once.
  EXPECT_THAT(SnapshotAnswers(session.name()), OneProviderAndOneCustomerAnswer());

  // What is left when keys expired one by one (here: one item's answers, `alive` and
  // `built`) is rebuilt from nothing, not merged with: nobody's answer counts twice.
  ASSERT_TRUE(own.client
                  ->Command({"DEL", prefix + "built", prefix + "alive",
                             absl::StrCat(prefix, "item:", kProviderItem)})
                  .ok());
  EXPECT_EQ(Progress(session.name()).overall().answered_count(), 2);
  EXPECT_THAT(SnapshotAnswers(session.name()), OneProviderAndOneCustomerAnswer());
}

// A session in use for longer than the idle time to live keeps every answer in its figures,
// also the answers to items nobody has touched since: figures are rebuilt (and every key
// renewed) before any of their keys can expire.
TEST_F(SessionProcessTest, FiguresOutliveTheIdleTtlOfKeysNobodyWritesAgain) {
  constexpr absl::Duration kIdle = absl::Seconds(2);
  IdleReplica own;
  ASSERT_NO_FATAL_FAILURE(UseIdleReplica(kIdle, &own));

  const api::Session session = CreateSession("long-day", /*anonymous=*/false);
  Open(session.name());
  auto [early, early_token] =
      Invite(session.name(), "early", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  auto [busy, busy_token] = Invite(session.name(), "busy", api::PARTICIPANT_PERSPECTIVE_CUSTOMER);
  api::SubmitAnswerResponse resp;
  ASSERT_TRUE(Submit(early.name(), early_token, kProviderItem, 4, &resp).ok());
  // Another item changes every 200 ms for twice the idle time: the session never idles, but
  // nothing writes kProviderItem's keys again.
  for (absl::Time end = absl::Now() + 2 * kIdle; absl::Now() < end;
       absl::SleepFor(absl::Milliseconds(200))) {
    ASSERT_TRUE(Submit(busy.name(), busy_token, kCustomerItem,
                       1 + (absl::ToUnixMillis(absl::Now()) / 200) % 5, &resp)
                    .ok());
  }
  EXPECT_EQ(Progress(session.name()).overall().answered_count(), 2);
  // The early answer is still in the figures, and the busy one counted once.
  EXPECT_THAT(SnapshotAnswers(session.name()), OneProviderAndOneCustomerAnswer());
}

TEST_F(SessionProcessTest, TheCloseEventSurvivesACrashBeforeDelivery) {
  RecordingScoring scoring;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&scoring);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  const std::string scoring_addr = "--scoring_addr=127.0.0.1:" + std::to_string(port);

  absl::StatusOr<RunningService> first =
      StartService(Session(), questionnaire_->address, {scoring_addr});
  ASSERT_TRUE(first.ok()) << first.status();
  a_ = api::SessionService::NewStub(first->channel);
  b_ = api::SessionService::NewStub(first->channel);
  const api::Session session = CreateSession("crash-before-delivery", /*anonymous=*/false);
  Open(session.name());
  auto [provider, token] = Invite(session.name(), "pat", api::PARTICIPANT_PERSPECTIVE_PROVIDER);
  api::SubmitAnswerResponse answered;
  ASSERT_TRUE(Submit(provider.name(), token, kProviderItem, 2, &answered).ok());
  api::CloseSessionRequest close;
  close.set_name(session.name());
  api::CloseSessionResponse closed;
  ASSERT_TRUE(Call(*a_, &api::SessionService::Stub::CloseSession, close, &closed).ok());

  // The replica tries, scoring is down; then the replica dies before it could deliver.
  auto outbox_row = [&] {
    absl::StatusOr<SessionOutboxRow> row =
        ReadSessionOutbox(tenant_, "crash-before-delivery", "scoring");
    EXPECT_TRUE(row.ok()) << row.status();
    return row.value_or(SessionOutboxRow());
  };
  SessionOutboxRow row;
  // Until the first attempt's outcome is recorded (the channel itself retries a refusal a few
  // times first).
  for (int i = 0; i < 100 && row.last_error.empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    row = outbox_row();
  }
  ASSERT_GE(row.attempts, 1) << "the relay never tried";
  EXPECT_FALSE(row.delivered);
  EXPECT_THAT(row.last_error, HasSubstr("scoring is down"));
  first->process->Signal(SIGKILL);
  first->process->WaitForExit(absl::Seconds(5));

  // Scoring comes back, and so does a replica: the event is delivered, once, as the tenant's
  // session service, with a request_id scoring can deduplicate by.
  {
    absl::MutexLock lock(&scoring.mu);
    scoring.down = false;
  }
  absl::StatusOr<RunningService> second =
      StartService(Session(), questionnaire_->address, {scoring_addr});
  ASSERT_TRUE(second.ok()) << second.status();
  for (int i = 0; i < 200 && !row.delivered; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    row = outbox_row();
  }
  ASSERT_TRUE(row.delivered) << "not delivered after the restart: " << row.last_error;
  absl::MutexLock lock(&scoring.mu);
  std::vector<RecordingScoring::Call> ours;
  for (const auto& call : scoring.calls) {
    if (call.request.session() == session.name()) ours.push_back(call);
  }
  ASSERT_EQ(ours.size(), 1u);
  EXPECT_EQ(ours[0].request.request_id(), absl::StrCat("session-closed-", row.event_id));
  EXPECT_FALSE(ours[0].request.preview());
  EXPECT_TRUE(ours[0].service_token);
  EXPECT_EQ(ours[0].caller.tenant_id(), tenant_);
  EXPECT_EQ(ours[0].caller.role(), auth::v1::PRINCIPAL_ROLE_SERVICE);
}

}  // namespace
}  // namespace lagom::testing
