// Webhooks end to end on real PostgreSQL: endpoints through the RPC core, an event fanned out,
// the delivery worker POSTing with libcurl to a local CivetWeb receiver that verifies the
// signature, retries, a delivery redelivered after its worker died mid-delivery, and the
// delivery log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/pg_transaction.h"
#include "common/postgres.h"
#include "common/status.h"
#include "common/testing/at_once.h"
#include "common/testing/integration.h"
#include "common/testing/service_pool.h"
#include "questionnaire_migrations.h"
#include "services/questionnaire/store/pg_webhook_store.h"
#include "services/questionnaire/webhooks/delivery_worker.h"
#include "services/questionnaire/webhooks/webhook_core.h"
#include "services/questionnaire/webhooks/webhook_rpc_core.h"
#include "services/questionnaire/webhooks/webhook_test_receiver.h"

namespace lagom::questionnaire::webhooks {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

namespace auth_api = ::lagom::auth::v1;

// An hour in the past, for the core (event times), the worker (signatures, retry times) and the
// receiver alike: a retry 10 s after a failure by this clock is due at once by PostgreSQL's, so
// the test never waits, and the 24 h limit is still far away.
absl::Time TestNow() { return absl::Now() - absl::Hours(1); }

std::string Session(const std::string& tenant) { return "tenants/" + tenant + "/sessions/s1"; }

RequestContext TenantRc(const std::string& tenant) {
  RequestContext rc;
  rc.tenant_id = tenant;
  rc.principal.set_tenant_id(tenant);
  rc.principal.set_subject("tenants/" + tenant + "/apiKeys/admin");
  rc.principal.set_role(auth_api::PRINCIPAL_ROLE_TENANT_ADMIN);
  rc.principal.set_credential_kind(auth_api::CREDENTIAL_KIND_API_KEY);
  return rc;
}

// Signatures are checked by the test's clock.
class Receiver final {
 public:
  using Request = WebhookTestReceiver::Request;
  explicit Receiver(std::string secret) : receiver_(std::move(secret), TestNow) {}
  std::string url() const { return receiver_.url(); }
  int port() const { return receiver_.port(); }
  void set_secret(std::string secret) { receiver_.set_secret(std::move(secret)); }
  void QueueStatus(int status) { receiver_.QueueStatus(status); }
  std::vector<Request> requests() { return receiver_.requests(); }

 private:
  WebhookTestReceiver receiver_;
};

class WebhookIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = lagom::testing::ServicePool("questionnaire", Migrations());
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgWebhookStore>(*pool_);
    core_ = std::make_unique<WebhookRpcCore>(
        *store_, WebhookRpcOptions{.allow_private_networks = true}, TestNow);
    queue_ = std::make_unique<PgDeliveryQueue>(*pool_);
  }

  tenancy::CreateWebhookResponse Create(const std::string& url,
                                        std::vector<std::string> types = {"session.closed"}) {
    tenancy::CreateWebhookRequest req;
    req.set_parent("tenants/" + tenant_);
    req.mutable_webhook()->set_url(url);
    for (const std::string& t : types) req.mutable_webhook()->add_event_types(t);
    tenancy::CreateWebhookResponse resp;
    absl::Status s = core_->CreateWebhook(rc_, req, &resp);
    EXPECT_TRUE(s.ok()) << s;
    return resp;
  }

  std::vector<tenancy::WebhookDelivery> Deliveries(const std::string& webhook) {
    tenancy::ListWebhookDeliveriesRequest req;
    req.set_parent(webhook);
    tenancy::ListWebhookDeliveriesResponse resp;
    absl::Status s = core_->ListWebhookDeliveries(rc_, req, &resp);
    EXPECT_TRUE(s.ok()) << s;
    return {resp.webhook_deliveries().begin(), resp.webhook_deliveries().end()};
  }

  // Runs worker passes until `webhook`'s newest delivery is no longer PENDING with the given
  // attempts made (other tests' rows may share the queue), at most 50 passes.
  void DeliverUntil(DeliveryWorker& worker, const std::string& webhook, int attempts) {
    for (int pass = 0; pass < 50; ++pass) {
      ASSERT_TRUE(worker.RunOnce().ok());
      std::vector<tenancy::WebhookDelivery> log = Deliveries(webhook);
      if (!log.empty() && log[0].attempts() >= attempts) return;
    }
    FAIL() << "delivery of " << webhook << " never reached " << attempts << " attempts";
  }

  const std::string tenant_ = lagom::testing::UniqueTenantId("hooks");
  const RequestContext rc_ = TenantRc(tenant_);
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgWebhookStore> store_;
  std::unique_ptr<WebhookRpcCore> core_;
  std::unique_ptr<PgDeliveryQueue> queue_;
  CurlWebhookSender sender_{{.timeout = absl::Seconds(5), .allow_private_networks = true}};
};

TEST_F(WebhookIntegrationTest, SecretIsShownOnceAndNeverListed) {
  tenancy::CreateWebhookRequest req;
  req.set_parent("tenants/" + tenant_);
  req.set_webhook_id("itsm");
  req.set_request_id("7a1c9c1e-3f0b-4c84-9a63-2f3c7a1b0d11");
  req.mutable_webhook()->set_url("https://itsm.example.com/hook");
  req.mutable_webhook()->add_event_types("scorecard.ready");
  tenancy::CreateWebhookResponse first;
  ASSERT_TRUE(core_->CreateWebhook(rc_, req, &first).ok());
  EXPECT_THAT(first.secret(), StartsWith("whsec_"));
  EXPECT_EQ(first.webhook().name(), "tenants/" + tenant_ + "/webhooks/itsm");
  EXPECT_EQ(first.webhook().secret_prefix(), first.secret().substr(0, 12));
  EXPECT_EQ(first.webhook().state(), tenancy::Webhook::STATE_ACTIVE);
  // A retry with the same request_id returns the webhook, not the secret.
  tenancy::CreateWebhookResponse retry;
  ASSERT_TRUE(core_->CreateWebhook(rc_, req, &retry).ok());
  EXPECT_EQ(retry.webhook().name(), first.webhook().name());
  EXPECT_THAT(retry.secret(), IsEmpty());
  // A new request for the same id is a conflict.
  req.clear_request_id();
  tenancy::CreateWebhookResponse again;
  const absl::Status taken = core_->CreateWebhook(rc_, req, &again);
  EXPECT_EQ(taken.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(taken.message(), "webhook tenants/" + tenant_ + "/webhooks/itsm already exists");

  tenancy::ListWebhooksRequest list;
  list.set_parent("tenants/" + tenant_);
  tenancy::ListWebhooksResponse listed;
  ASSERT_TRUE(core_->ListWebhooks(rc_, list, &listed).ok());
  ASSERT_EQ(listed.webhooks_size(), 1);
  EXPECT_THAT(listed.webhooks(0).DebugString(), Not(HasSubstr(first.secret())));
}

TEST_F(WebhookIntegrationTest, WebhooksCreatedAtOnceStopExactlyAtTheQuota) {
  constexpr int kRoom = 5;
  constexpr int kRacers = 4 * kRoom;
  // A connection for each racer.
  auto pool = lagom::testing::ServicePool("questionnaire", Migrations(), kRacers);
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgWebhookStore store(**pool);
  WebhookRpcCore core(store, WebhookRpcOptions{.allow_private_networks = true}, TestNow);
  auto create = [&](const std::string& id) {
    tenancy::CreateWebhookRequest req;
    req.set_parent("tenants/" + tenant_);
    req.set_webhook_id(id);
    req.mutable_webhook()->set_url("https://itsm.example.com/" + id);
    req.mutable_webhook()->add_event_types("session.closed");
    tenancy::CreateWebhookResponse resp;
    return core.CreateWebhook(rc_, req, &resp);
  };
  for (int i = 0; i < kMaxWebhooksPerTenant - kRoom; ++i) {
    ASSERT_TRUE(create(absl::StrCat("hook", i)).ok());
  }

  const std::vector<absl::Status> outcomes =
      lagom::testing::AtOnce(kRacers, [&](int i) { return create(absl::StrCat("racer", i)); });
  EXPECT_EQ(lagom::testing::AcceptedRestOverQuota(
                outcomes, "a tenant holds at most 50 webhooks; delete one first"),
            kRoom);
  tenancy::ListWebhooksRequest list;
  list.set_parent("tenants/" + tenant_);
  list.set_page_size(100);
  tenancy::ListWebhooksResponse listed;
  ASSERT_TRUE(core.ListWebhooks(rc_, list, &listed).ok());
  EXPECT_EQ(listed.webhooks_size(), kMaxWebhooksPerTenant);
}

TEST_F(WebhookIntegrationTest, BadInputNamesEveryFieldAndStoresNothing) {
  tenancy::CreateWebhookRequest req;
  req.set_parent("tenants/" + tenant_);
  req.mutable_webhook()->set_url("http://itsm.example.com/hook");
  req.mutable_webhook()->add_event_types("session.closed");
  req.mutable_webhook()->add_event_types("session.deleted");
  tenancy::CreateWebhookResponse resp;
  absl::Status s = core_->CreateWebhook(rc_, req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(s)) fields.push_back(v.field);
  EXPECT_THAT(fields, ElementsAre("webhook.url", "webhook.event_types[1]"));

  req.mutable_webhook()->clear_event_types();
  req.mutable_webhook()->set_url("https://itsm.example.com/hook");
  s = core_->CreateWebhook(rc_, req, &resp);
  ASSERT_EQ(ViolationsOf(s).size(), 1u);
  EXPECT_EQ(ViolationsOf(s)[0].field, "webhook.event_types");

  // A public name that starts like a loopback address gets no unencrypted payloads, even where
  // local receivers are allowed; a port must be one.
  req.mutable_webhook()->add_event_types("session.closed");
  for (const char* url : {"http://127.attacker.example/hook", "https://itsm.example.com:99999/"}) {
    req.mutable_webhook()->set_url(url);
    s = core_->CreateWebhook(rc_, req, &resp);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << url;
    ASSERT_EQ(ViolationsOf(s).size(), 1u) << url;
    EXPECT_EQ(ViolationsOf(s)[0].field, "webhook.url");
  }

  tenancy::ListWebhooksRequest list;
  list.set_parent("tenants/" + tenant_);
  tenancy::ListWebhooksResponse listed;
  ASSERT_TRUE(core_->ListWebhooks(rc_, list, &listed).ok());
  EXPECT_EQ(listed.webhooks_size(), 0);
}

TEST_F(WebhookIntegrationTest, AnotherTenantSeesNothing) {
  const tenancy::CreateWebhookResponse created = Create("https://itsm.example.com/hook");
  const RequestContext other = TenantRc(lagom::testing::UniqueTenantId("other"));
  tenancy::GetWebhookRequest get;
  get.set_name(created.webhook().name());
  tenancy::GetWebhookResponse got;
  EXPECT_EQ(core_->GetWebhook(other, get, &got).code(), absl::StatusCode::kNotFound);
  tenancy::DeleteWebhookRequest del;
  del.set_name(created.webhook().name());
  tenancy::DeleteWebhookResponse deleted;
  EXPECT_EQ(core_->DeleteWebhook(other, del, &deleted).code(), absl::StatusCode::kNotFound);
  // Its events reach its own endpoints only.
  EXPECT_EQ(
      core_->Publish(other, "ev-other", "session.closed", Session(other.tenant_id), {}).value(), 0);
  EXPECT_TRUE(core_->GetWebhook(rc_, get, &got).ok());
}

TEST_F(WebhookIntegrationTest, EventIsDeliveredSignedAndLogged) {
  Receiver receiver("");
  const tenancy::CreateWebhookResponse hook = Create(receiver.url(), {"session.closed"});
  const tenancy::CreateWebhookResponse other = Create(receiver.url(), {"scorecard.ready"});
  receiver.set_secret(hook.secret());
  const std::string session = "tenants/" + tenant_ + "/sessions/s1";
  EXPECT_EQ(core_->Publish(rc_, "ev-1", "session.closed", session, {{"session", session}}).value(),
            1);
  // Producers retry: the same event id adds nothing.
  EXPECT_EQ(core_->Publish(rc_, "ev-1", "session.closed", session, {}).value(), 0);

  DeliveryWorker worker(*queue_, sender_, {}, TestNow);
  DeliverUntil(worker, hook.webhook().name(), 1);
  std::vector<Receiver::Request> got = receiver.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].signature_ok) << got[0].signature_error;
  EXPECT_EQ(got[0].event_id, "ev-1");
  EXPECT_THAT(got[0].body, HasSubstr(R"("type":"session.closed")"));
  EXPECT_THAT(got[0].body, HasSubstr(absl::StrCat(R"("resource":")", session, R"(")")));

  std::vector<tenancy::WebhookDelivery> log = Deliveries(hook.webhook().name());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].state(), tenancy::WebhookDelivery::STATE_SUCCEEDED);
  EXPECT_EQ(log[0].attempts(), 1);
  EXPECT_EQ(log[0].last_status_code(), 200);
  EXPECT_EQ(log[0].event_type(), "session.closed");
  EXPECT_TRUE(log[0].has_last_attempt_time());
  EXPECT_THAT(Deliveries(other.webhook().name()), IsEmpty());
}

TEST_F(WebhookIntegrationTest, FailedAttemptIsRetriedAndLogged) {
  Receiver receiver("");
  const tenancy::CreateWebhookResponse hook = Create(receiver.url());
  receiver.set_secret(hook.secret());
  receiver.QueueStatus(503);
  ASSERT_EQ(core_->Publish(rc_, "ev-2", "session.closed", Session(tenant_), {}).value(), 1);
  DeliveryWorker worker(*queue_, sender_, {}, TestNow);

  DeliverUntil(worker, hook.webhook().name(), 1);
  std::vector<tenancy::WebhookDelivery> log = Deliveries(hook.webhook().name());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].state(), tenancy::WebhookDelivery::STATE_PENDING);
  EXPECT_EQ(log[0].last_status_code(), 503);
  EXPECT_THAT(log[0].last_error(), HasSubstr("HTTP 503"));
  EXPECT_TRUE(log[0].has_next_attempt_time());

  DeliverUntil(worker, hook.webhook().name(), 2);
  log = Deliveries(hook.webhook().name());
  EXPECT_EQ(log[0].state(), tenancy::WebhookDelivery::STATE_SUCCEEDED);
  EXPECT_EQ(log[0].attempts(), 2);
  ASSERT_EQ(receiver.requests().size(), 2u);
  EXPECT_EQ(receiver.requests()[0].body, receiver.requests()[1].body);
}

TEST_F(WebhookIntegrationTest, DeliveryOfAWorkerThatDiedIsMadeAfterItsLease) {
  Receiver receiver("");
  const tenancy::CreateWebhookResponse hook = Create(receiver.url());
  receiver.set_secret(hook.secret());
  ASSERT_EQ(core_->Publish(rc_, "ev-3", "session.closed", Session(tenant_), {}).value(), 1);
  // A worker claims it and dies before posting or recording anything.
  bool claimed_ours = false;
  for (int pass = 0; pass < 50 && !claimed_ours; ++pass) {
    absl::StatusOr<std::vector<DueDelivery>> claimed = queue_->Claim(16, 16, absl::Milliseconds(1));
    ASSERT_TRUE(claimed.ok()) << claimed.status();
    for (const DueDelivery& d : *claimed)
      claimed_ours |= d.event_id == "ev-3" && d.tenant_id == tenant_;
  }
  ASSERT_TRUE(claimed_ours);
  EXPECT_THAT(receiver.requests(), IsEmpty());
  // Once the lease runs out, another worker delivers it.
  DeliveryWorker survivor(*queue_, sender_, {}, TestNow);
  DeliverUntil(survivor, hook.webhook().name(), 2);
  std::vector<tenancy::WebhookDelivery> log = Deliveries(hook.webhook().name());
  EXPECT_EQ(log[0].state(), tenancy::WebhookDelivery::STATE_SUCCEEDED);
  ASSERT_EQ(receiver.requests().size(), 1u);
  EXPECT_TRUE(receiver.requests()[0].signature_ok);
}

// Where a tenant's events go is an administrative act: the audit log says who pointed them where,
// and keeps it after the webhook and its delivery log are gone.
TEST_F(WebhookIntegrationTest, CreatingAndDeletingAWebhookIsAudited) {
  const tenancy::CreateWebhookResponse hook =
      Create("https://itsm.example.com/audited", {"scorecard.ready"});
  tenancy::DeleteWebhookRequest del;
  del.set_name(hook.webhook().name());
  tenancy::DeleteWebhookResponse deleted;
  ASSERT_TRUE(core_->DeleteWebhook(rc_, del, &deleted).ok());
  // A delete of what is gone is NOT_FOUND and audits nothing more.
  EXPECT_TRUE(absl::IsNotFound(core_->DeleteWebhook(rc_, del, &deleted)));

  std::vector<std::string> lines;
  ASSERT_TRUE(
      pool_
          ->WithTenant(rc_,
                       [&](PgTransaction& tx) {
                         for (const pqxx::row& r :
                              tx.exec_params("SELECT action, resource, detail, principal"
                                             " FROM questionnaire.audit_events WHERE tenant_id = $1"
                                             " ORDER BY action",
                                             tenant_)) {
                           lines.push_back(absl::StrCat(r[0].c_str(), " ", r[1].c_str(), " [",
                                                        r[2].c_str(), "] by ", r[3].c_str()));
                         }
                         return absl::OkStatus();
                       })
          .ok());
  const std::string by = rc_.principal.subject();
  EXPECT_THAT(lines, ElementsAre(absl::StrCat("webhook.created ", hook.webhook().name(),
                                              " [url https://itsm.example.com/audited; events "
                                              "scorecard.ready] by ",
                                              by),
                                 absl::StrCat("webhook.deleted ", hook.webhook().name(),
                                              " [url https://itsm.example.com/audited] by ", by)));
}

// A worker whose lease ran out while it posted (and whose delivery another worker claimed since)
// records nothing: a late failure cannot overwrite the later attempt's success.
TEST_F(WebhookIntegrationTest, AWorkerWhoseLeaseRanOutRecordsNothing) {
  const tenancy::CreateWebhookResponse hook = Create("https://itsm.example.com/late");
  ASSERT_EQ(core_->Publish(rc_, "ev-late", "session.closed", Session(tenant_), {}).value(), 1);
  auto claim_ours = [&]() -> std::optional<DueDelivery> {
    for (int pass = 0; pass < 50; ++pass) {
      absl::StatusOr<std::vector<DueDelivery>> claimed =
          queue_->Claim(1000, 1000, absl::Milliseconds(1));
      EXPECT_TRUE(claimed.ok()) << claimed.status();
      if (!claimed.ok()) return std::nullopt;
      for (const DueDelivery& d : *claimed) {
        if (d.event_id == "ev-late" && d.tenant_id == tenant_) return d;
      }
    }
    return std::nullopt;
  };
  const std::optional<DueDelivery> first = claim_ours();
  ASSERT_TRUE(first.has_value());
  const std::optional<DueDelivery> second = claim_ours();
  ASSERT_TRUE(second.has_value());
  ASSERT_GT(second->attempts, first->attempts);
  EXPECT_TRUE(queue_->Record(*second, 200, "", "SUCCEEDED", std::nullopt).ok());
  absl::Status late = queue_->Record(*first, 500, "HTTP 500: late", "FAILED", std::nullopt);
  EXPECT_TRUE(absl::IsAborted(late)) << late;
  std::vector<tenancy::WebhookDelivery> log = Deliveries(hook.webhook().name());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].state(), tenancy::WebhookDelivery::STATE_SUCCEEDED);
  EXPECT_EQ(log[0].last_status_code(), 200);
}

// One tenant's backlog fills at most `per_tenant` places of a pass.
TEST_F(WebhookIntegrationTest, APassTakesAtMostItsShareOfOneTenantsDeliveries) {
  Create("https://itsm.example.com/busy");
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(
        core_->Publish(rc_, absl::StrCat("ev-busy-", i), "session.closed", Session(tenant_), {})
            .value(),
        1);
  }
  absl::StatusOr<std::vector<DueDelivery>> claimed = queue_->Claim(1000, 4, absl::Milliseconds(1));
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  int ours = 0;
  for (const DueDelivery& d : *claimed) ours += d.tenant_id == tenant_;
  // (Fewer when another process' worker took some first.)
  EXPECT_GE(ours, 1);
  EXPECT_LE(ours, 4) << "a pass took more than its share of one tenant's deliveries";
  std::map<std::string, int> per_tenant;
  for (const DueDelivery& d : *claimed) ++per_tenant[d.tenant_id];
  for (const auto& [tenant, count] : per_tenant) EXPECT_LE(count, 4) << tenant;
}

TEST_F(WebhookIntegrationTest, ARepeatedHandOverStoresNothingEvenForAWebhookCreatedSince) {
  const tenancy::CreateWebhookResponse first = Create("https://itsm.example.com/a");
  auth_api::PublishWebhookEventRequest req;
  req.set_tenant_id(tenant_);
  req.set_event_id("session-7");
  req.set_type("session.closed");
  req.set_resource(Session(tenant_));
  *req.mutable_event_time() = ToProto(TestNow());
  auth_api::PublishWebhookEventResponse resp;
  ASSERT_TRUE(core_->PublishWebhookEvent(RequestContext{}, req, &resp).ok());
  EXPECT_EQ(resp.deliveries_added(), 1);
  EXPECT_FALSE(resp.duplicate());
  const tenancy::CreateWebhookResponse second = Create("https://itsm.example.com/b");
  ASSERT_TRUE(core_->PublishWebhookEvent(RequestContext{}, req, &resp).ok());
  EXPECT_EQ(resp.deliveries_added(), 0);
  EXPECT_TRUE(resp.duplicate());
  EXPECT_EQ(Deliveries(first.webhook().name()).size(), 1u);
  EXPECT_THAT(Deliveries(second.webhook().name()), IsEmpty());
}

// An event handed over after its tenant was deleted (a producer's outbox retrying late) is
// dropped: the tenant's data is being purged, and nothing of it is to grow again.
TEST_F(WebhookIntegrationTest, ADeletedTenantsLateEventIsDropped) {
  const tenancy::CreateWebhookResponse hook = Create("https://itsm.example.com/a");
  {
    pqxx::connection conn(lagom::testing::TestServicesPostgresUrl("postgres"));
    pqxx::work tx(conn);
    tx.exec_params(
        "INSERT INTO questionnaire.tenants (id, version, state, body, create_time, update_time)"
        " VALUES ($1, 1, 'DELETED', ''::bytea, now(), now())",
        tenant_);
    tx.commit();
  }
  auth_api::PublishWebhookEventRequest req;
  req.set_tenant_id(tenant_);
  req.set_event_id("session-8");
  req.set_type("session.closed");
  req.set_resource(Session(tenant_));
  *req.mutable_event_time() = ToProto(TestNow());
  auth_api::PublishWebhookEventResponse resp;
  ASSERT_TRUE(core_->PublishWebhookEvent(RequestContext{}, req, &resp).ok());
  EXPECT_EQ(resp.deliveries_added(), 0);
  EXPECT_THAT(Deliveries(hook.webhook().name()), IsEmpty());
  pqxx::connection conn(lagom::testing::TestServicesPostgresUrl("postgres"));
  pqxx::work tx(conn);
  EXPECT_EQ(
      tx.exec_params1("SELECT count(*) FROM questionnaire.webhook_events WHERE tenant_id = $1",
                      tenant_)[0]
          .as<int>(),
      0);
}

TEST_F(WebhookIntegrationTest, ABadHandOverNamesEveryFieldAndStoresNothing) {
  const tenancy::CreateWebhookResponse hook = Create("https://itsm.example.com/a");
  auth_api::PublishWebhookEventRequest req;
  req.set_tenant_id(tenant_);
  req.set_event_id("session 7");
  req.set_type("session.reopened");
  req.set_resource("tenants/someone-else/sessions/s1");
  auth_api::PublishWebhookEventResponse resp;
  absl::Status s = core_->PublishWebhookEvent(RequestContext{}, req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(s)) fields.push_back(v.field);
  EXPECT_THAT(fields, ElementsAre("event_id", "type", "resource", "event_time"));
  EXPECT_THAT(Deliveries(hook.webhook().name()), IsEmpty());
  // A caller acting for one tenant hands over that tenant's events only.
  req = auth_api::PublishWebhookEventRequest();
  req.set_tenant_id(tenant_);
  req.set_event_id("session-8");
  req.set_type("session.closed");
  req.set_resource(Session(tenant_));
  *req.mutable_event_time() = ToProto(TestNow());
  s = core_->PublishWebhookEvent(TenantRc(lagom::testing::UniqueTenantId("other")), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Deliveries(hook.webhook().name()), IsEmpty());
  // An event from far ahead of the clock would be retried for ever: it is refused.
  *req.mutable_event_time() =
      ToProto(absl::FromCivil(absl::CivilSecond(3000, 1, 1), absl::UTCTimeZone()));
  s = core_->PublishWebhookEvent(RequestContext{}, req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(ViolationsOf(s).size(), 1u);
  EXPECT_EQ(ViolationsOf(s)[0].field, "event_time");
  EXPECT_THAT(Deliveries(hook.webhook().name()), IsEmpty());
}

TEST_F(WebhookIntegrationTest, AHostResolvingToAPrivateAddressIsRefusedAtDeliveryAndLogged) {
  Receiver receiver("");
  // Not a literal address, so creation accepts it; libcurl resolves *.localhost to loopback.
  const tenancy::CreateWebhookResponse hook =
      Create(absl::StrCat("https://hooks.localhost:", receiver.port(), "/hooks/lagom"));
  ASSERT_EQ(core_->Publish(rc_, "ev-private", "session.closed", Session(tenant_), {}).value(), 1);
  CurlWebhookSender strict({.timeout = absl::Seconds(5), .allow_private_networks = false});
  DeliveryWorker worker(*queue_, strict, {}, TestNow);
  DeliverUntil(worker, hook.webhook().name(), 1);
  std::vector<tenancy::WebhookDelivery> log = Deliveries(hook.webhook().name());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].state(), tenancy::WebhookDelivery::STATE_PENDING);
  EXPECT_EQ(log[0].last_status_code(), 0);
  EXPECT_THAT(log[0].last_error(), StartsWith("refused: "));
  EXPECT_THAT(log[0].last_error(), HasSubstr("loopback"));
  EXPECT_THAT(log[0].last_error(), HasSubstr("--webhook_allow_private_networks"));
  // The ranges, not the addresses the name resolved to inside the hosting network.
  EXPECT_THAT(log[0].last_error(), Not(HasSubstr("127.0.0.1 (")));
  EXPECT_THAT(log[0].last_error(), Not(HasSubstr("::1 (")));
  EXPECT_THAT(receiver.requests(), IsEmpty());
}

}  // namespace
}  // namespace lagom::questionnaire::webhooks
