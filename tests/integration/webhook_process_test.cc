// Webhook events end to end on the service binaries, real Redis and PostgreSQL (issue 8): the
// session service's session.opened and session.closed and the reporting service's
// scorecard.ready and improvement.proposed leave their outboxes, are handed to the
// questionnaire service's internal AuthService.PublishWebhookEvent, and are delivered, signed,
// to a local receiver; a close survives the session service dying before its hand-over; other
// tenants never see an event; only Lagom's own services may hand events over; and without
// --webhook_allow_private_networks a webhook cannot be aimed at a private address.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/auth/authenticator.h"
#include "common/auth/forwarding.h"
#include "common/request_context.h"
#include "common/resource_util.h"
#include "common/testing/integration.h"
#include "lagom/auth/v1/auth.grpc.pb.h"
#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "lagom/reporting/v1/reporting.grpc.pb.h"
#include "lagom/session/v1/session.grpc.pb.h"
#include "lagom/tenancy/v1/tenancy.grpc.pb.h"
#include "services/questionnaire/webhooks/webhook_test_receiver.h"
#include "services/reporting/testing/scorecard_builder.h"
#include "tests/integration/lagom_processes.h"

namespace lagom::testing {
namespace {

namespace session_api = ::lagom::session::v1;
namespace tenancy = ::lagom::tenancy::v1;
namespace auth_api = ::lagom::auth::v1;
using Receiver = ::lagom::questionnaire::webhooks::WebhookTestReceiver;
using reporting::testing::BuildScorecard;
using reporting::testing::ItsmAreas;
using reporting::testing::ScorecardSpec;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kAllowPrivate[] = "--webhook_allow_private_networks";
constexpr absl::Duration kDeliveryTimeout = absl::Seconds(30);

// Requests of `type` among `got`.
std::vector<Receiver::Request> OfType(const std::vector<Receiver::Request>& got,
                                      const std::string& type) {
  std::vector<Receiver::Request> out;
  for (const Receiver::Request& r : got) {
    if (r.event_type == type) out.push_back(r);
  }
  return out;
}

class WebhookProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartQuestionnaireAndSession());
    tenant_ = UniqueTenantId("wh");
    absl::StatusOr<std::string> key = CreateTenant(*questionnaire_.channel, tenant_);
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
  }

  // The questionnaire service letting webhooks reach the loopback receivers, and a session
  // service using it.
  void StartQuestionnaireAndSession() {
    absl::StatusOr<RunningService> q = StartService(Questionnaire(), "", {kAllowPrivate});
    ASSERT_TRUE(q.ok()) << q.status();
    questionnaire_ = *std::move(q);
    absl::StatusOr<RunningService> s = StartService(Session(), questionnaire_.address);
    ASSERT_TRUE(s.ok()) << s.status();
    session_ = *std::move(s);
  }

  // Through `questionnaire` (default: questionnaire_'s channel).
  tenancy::CreateWebhookResponse CreateWebhook(const std::string& key, const std::string& tenant,
                                               const std::string& url,
                                               const std::vector<std::string>& types,
                                               grpc::Status* status = nullptr,
                                               std::shared_ptr<grpc::Channel> questionnaire = {}) {
    auto stub =
        tenancy::TenantService::NewStub(questionnaire ? questionnaire : questionnaire_.channel);
    tenancy::CreateWebhookRequest req;
    req.set_parent("tenants/" + tenant);
    req.mutable_webhook()->set_url(url);
    for (const std::string& t : types) req.mutable_webhook()->add_event_types(t);
    tenancy::CreateWebhookResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    grpc::Status s = stub->CreateWebhook(&ctx, req, &resp);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return resp;
  }

  std::vector<tenancy::WebhookDelivery> Deliveries(const std::string& key,
                                                   const std::string& webhook) {
    auto stub = tenancy::TenantService::NewStub(questionnaire_.channel);
    tenancy::ListWebhookDeliveriesRequest req;
    req.set_parent(webhook);
    tenancy::ListWebhookDeliveriesResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    grpc::Status s = stub->ListWebhookDeliveries(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.webhook_deliveries().begin(), resp.webhook_deliveries().end()};
  }

  // The delivery log once `count` deliveries are SUCCEEDED (the worker stamps each just after
  // the receiver answered), or as it is after 10 s.
  std::vector<tenancy::WebhookDelivery> SucceededDeliveries(const std::string& key,
                                                            const std::string& webhook,
                                                            size_t count) {
    std::vector<tenancy::WebhookDelivery> log;
    for (int i = 0; i < 100; ++i) {
      log = Deliveries(key, webhook);
      if (log.size() >= count &&
          std::all_of(log.begin(), log.end(), [](const tenancy::WebhookDelivery& d) {
            return d.state() == tenancy::WebhookDelivery::STATE_SUCCEEDED;
          })) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    return log;
  }

  // A session of the built-in model for one customer organisation, DRAFT.
  session_api::Session CreateSession(const std::string& id) {
    absl::StatusOr<std::string> org =
        CreateCustomerOrganization(*questionnaire_.channel, key_, tenant_, "contoso", "Contoso");
    EXPECT_TRUE(org.ok()) << org.status();

    auto sessions = session_api::SessionService::NewStub(session_.channel);
    session_api::CreateSessionRequest req;
    req.set_parent("tenants/" + tenant_);
    req.set_session_id(id);
    req.mutable_session()->set_title("Spring service review");
    req.mutable_session()->set_model_version("models/lagom-itsm/versions/1");
    req.mutable_session()->mutable_scope()->add_customer_organizations(org.value_or(""));
    session_api::CreateSessionResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, key_);
    grpc::Status s = sessions->CreateSession(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.session();
  }

  grpc::Status Open(const std::string& name) {
    auto sessions = session_api::SessionService::NewStub(session_.channel);
    session_api::OpenSessionRequest req;
    req.set_name(name);
    session_api::OpenSessionResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, key_);
    return sessions->OpenSession(&ctx, req, &resp);
  }

  // As the tenant's admin, forwarded by Lagom's service token: verified by the session service
  // itself, so it works while the questionnaire service is down.
  grpc::Status CloseAsForwardedAdmin(const std::string& name) {
    auto sessions = session_api::SessionService::NewStub(session_.channel);
    session_api::CloseSessionRequest req;
    req.set_name(name);
    session_api::CloseSessionResponse resp;
    RequestContext rc;
    rc.tenant_id = tenant_;
    rc.principal.set_tenant_id(tenant_);
    rc.principal.set_subject("tenants/" + tenant_ + "/apiKeys/admin");
    rc.principal.set_role(auth_api::PRINCIPAL_ROLE_TENANT_ADMIN);
    rc.principal.set_credential_kind(auth_api::CREDENTIAL_KIND_API_KEY);
    rc.deadline = absl::Now() + absl::Seconds(10);
    grpc::ClientContext ctx;
    auth::ForwardCaller(rc, TestSecrets().service_token, &ctx);
    return sessions->CloseSession(&ctx, req, &resp);
  }

  // The session service's webhooks row for `session_id`: its id, whether handed over, attempts.
  SessionOutboxRow WebhooksOutboxRow(const std::string& session_id, const std::string& topic) {
    absl::StatusOr<SessionOutboxRow> row =
        ReadSessionOutbox(tenant_, session_id, "webhooks", topic);
    EXPECT_TRUE(row.ok()) << row.status();
    return row.value_or(SessionOutboxRow());
  }

  RunningService questionnaire_;
  RunningService session_;
  std::string tenant_;
  std::string key_;
};

TEST_F(WebhookProcessTest, SessionOpenedAndClosedReachTheTenantsWebhookSignedAndNoOtherTenant) {
  Receiver ours, theirs;
  const tenancy::CreateWebhookResponse hook =
      CreateWebhook(key_, tenant_, ours.url(), {"session.opened", "session.closed"});
  ours.set_secret(hook.secret());
  const std::string other = UniqueTenantId("wh-other");
  absl::StatusOr<std::string> other_key = CreateTenant(*questionnaire_.channel, other);
  ASSERT_TRUE(other_key.ok());
  const tenancy::CreateWebhookResponse other_hook = CreateWebhook(
      *other_key, other, theirs.url(),
      {"session.opened", "session.closed", "scorecard.ready", "improvement.proposed"});
  theirs.set_secret(other_hook.secret());

  const session_api::Session session = CreateSession("spring");
  ASSERT_TRUE(Open(session.name()).ok());
  ASSERT_TRUE(CloseAsForwardedAdmin(session.name()).ok());

  std::vector<Receiver::Request> got =
      ours.WaitFor([](const auto& r) { return r.size() >= 2; }, kDeliveryTimeout);
  ASSERT_EQ(got.size(), 2u);
  ASSERT_EQ(OfType(got, "session.opened").size(), 1u);
  ASSERT_EQ(OfType(got, "session.closed").size(), 1u);
  for (const Receiver::Request& r : got) {
    EXPECT_TRUE(r.signature_ok) << r.signature_error;
    EXPECT_THAT(r.event_id, StartsWith("session-"));
    EXPECT_THAT(r.body, HasSubstr(absl::StrCat(R"("resource":")", session.name(), R"(")")));
    EXPECT_THAT(r.body, HasSubstr(R"("title":"Spring service review")"));
  }
  EXPECT_NE(got[0].event_id, got[1].event_id);
  EXPECT_THAT(OfType(got, "session.closed")[0].body,
              HasSubstr(R"("state":"SESSION_STATE_CLOSED")"));
  EXPECT_EQ(OfType(got, "session.closed")[0].event_id,
            absl::StrCat("session-", WebhooksOutboxRow("spring", "session.closed").event_id));
  const std::vector<tenancy::WebhookDelivery> log =
      SucceededDeliveries(key_, hook.webhook().name(), 2);
  ASSERT_EQ(log.size(), 2u);
  for (const tenancy::WebhookDelivery& d : log) {
    EXPECT_EQ(d.state(), tenancy::WebhookDelivery::STATE_SUCCEEDED) << d.DebugString();
  }
  // The other tenant's webhook, subscribed to everything, got nothing.
  EXPECT_THAT(theirs.requests(), IsEmpty());
  EXPECT_THAT(Deliveries(*other_key, other_hook.webhook().name()), IsEmpty());
}

TEST_F(WebhookProcessTest, ARecordedScorecardDeliversScorecardReadyAndImprovementProposals) {
  absl::StatusOr<RunningService> reporting = StartService(Reporting(), questionnaire_.address);
  ASSERT_TRUE(reporting.ok()) << reporting.status();
  Receiver receiver;
  const tenancy::CreateWebhookResponse hook =
      CreateWebhook(key_, tenant_, receiver.url(), {"scorecard.ready", "improvement.proposed"});
  receiver.set_secret(hook.secret());
  ScorecardSpec spec;
  spec.tenant = tenant_;
  spec.session_id = "autumn";
  spec.title = "Autumn review";
  spec.close_time = absl::Now() - absl::Hours(1);
  spec.service_ids = {"email"};
  spec.areas = ItsmAreas(0.7, 0.3);
  reporting::v1::RecordScorecardRequest req;
  req.set_parent("tenants/" + tenant_);
  *req.mutable_scorecard() = BuildScorecard(spec);
  const int improvements = req.scorecard().improvements_size();
  ASSERT_GT(improvements, 0);
  auto stub = reporting::v1::ReportingService::NewStub(reporting->channel);
  reporting::v1::RecordScorecardResponse resp;
  for (int attempt = 0; attempt < 2; ++attempt) {  // scoring retrying: recorded once
    grpc::ClientContext ctx;
    AuthorizeAsScoring(ctx, tenant_);
    grpc::Status s = stub->RecordScorecard(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  const size_t expected = 1 + std::min(improvements, 5);
  std::vector<Receiver::Request> got =
      receiver.WaitFor([&](const auto& r) { return r.size() >= expected; }, kDeliveryTimeout);
  ASSERT_EQ(got.size(), expected);
  ASSERT_EQ(OfType(got, "scorecard.ready").size(), 1u);
  EXPECT_THAT(
      OfType(got, "scorecard.ready")[0].body,
      HasSubstr(absl::StrCat(R"("reportPath":"/v1/)", resp.scorecard().name(), R"(:render")")));
  const std::vector<Receiver::Request> proposals = OfType(got, "improvement.proposed");
  ASSERT_EQ(proposals.size(), expected - 1);
  std::set<std::string> ids;
  for (const Receiver::Request& p : proposals) {
    EXPECT_TRUE(p.signature_ok) << p.signature_error;
    EXPECT_THAT(p.event_id, StartsWith("reporting-"));
    ids.insert(p.event_id);
    EXPECT_THAT(p.body, HasSubstr(R"("title":"Raise )"));
    EXPECT_THAT(p.body, HasSubstr(R"("priority":")"));
    EXPECT_THAT(p.body,
                HasSubstr(absl::StrCat(R"("service":"tenants/)", tenant_, R"(/services/email")")));
    EXPECT_THAT(p.body, HasSubstr(absl::StrCat(R"("resource":")", resp.scorecard().name(),
                                               "/improvements/")));
  }
  EXPECT_EQ(ids.size(), proposals.size());
  // The second recording queued nothing: the log holds the first set, delivered.
  const std::vector<tenancy::WebhookDelivery> log =
      SucceededDeliveries(key_, hook.webhook().name(), expected);
  EXPECT_EQ(log.size(), expected);
  for (const tenancy::WebhookDelivery& d : log) {
    EXPECT_EQ(d.state(), tenancy::WebhookDelivery::STATE_SUCCEEDED) << d.DebugString();
  }
}

TEST_F(WebhookProcessTest, ACloseCommittedBeforeTheSessionServiceDiedIsStillDelivered) {
  Receiver receiver;
  const tenancy::CreateWebhookResponse hook =
      CreateWebhook(key_, tenant_, receiver.url(), {"session.closed"});
  receiver.set_secret(hook.secret());
  const session_api::Session session = CreateSession("crash");
  ASSERT_TRUE(Open(session.name()).ok());

  // The questionnaire service goes down: the close commits, its hand-over cannot happen.
  questionnaire_.process->Signal(SIGKILL);
  questionnaire_.process->WaitForExit(absl::Seconds(5));
  ASSERT_TRUE(CloseAsForwardedAdmin(session.name()).ok());
  SessionOutboxRow row;
  // Until the first attempt's outcome is recorded (the channel itself retries UNAVAILABLE a few
  // times first).
  for (int i = 0; i < 100 && row.last_error.empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    row = WebhooksOutboxRow("crash", "session.closed");
  }
  ASSERT_GE(row.attempts, 1) << "the relay never tried";
  EXPECT_FALSE(row.delivered);
  EXPECT_THAT(row.last_error, HasSubstr("PublishWebhookEvent"));
  // And the session service dies before it could hand the event over.
  session_.process->Signal(SIGKILL);
  session_.process->WaitForExit(absl::Seconds(5));

  ASSERT_NO_FATAL_FAILURE(StartQuestionnaireAndSession());

  std::vector<Receiver::Request> got =
      receiver.WaitFor([](const auto& r) { return !r.empty(); }, kDeliveryTimeout);
  ASSERT_EQ(got.size(), 1u) << "not delivered after the restart";
  EXPECT_TRUE(got[0].signature_ok) << got[0].signature_error;
  EXPECT_EQ(got[0].event_type, "session.closed");
  EXPECT_EQ(got[0].event_id, absl::StrCat("session-", row.event_id));
  EXPECT_TRUE(WebhooksOutboxRow("crash", "session.closed").delivered);
}

TEST_F(WebhookProcessTest, OnlyLagomsOwnServicesMayHandAnEventOver) {
  Receiver receiver;
  const tenancy::CreateWebhookResponse hook =
      CreateWebhook(key_, tenant_, receiver.url(), {"session.closed"});
  receiver.set_secret(hook.secret());
  absl::StatusOr<std::pair<std::string, std::string>> service_key =
      CreateApiKey(*questionnaire_.channel, key_, "ROLE_SERVICE");
  ASSERT_TRUE(service_key.ok());
  auto stub = auth_api::AuthService::NewStub(questionnaire_.channel);
  auth_api::PublishWebhookEventRequest req;
  req.set_tenant_id(tenant_);
  req.set_event_id("forged-1");
  req.set_type("session.closed");
  req.set_resource("tenants/" + tenant_ + "/sessions/forged");
  *req.mutable_event_time() = ToProto(absl::Now());
  for (const std::string& key : {key_, service_key->second}) {
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    auth_api::PublishWebhookEventResponse resp;
    EXPECT_EQ(stub->PublishWebhookEvent(&ctx, req, &resp).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_THAT(Deliveries(key_, hook.webhook().name()), IsEmpty());

  // Lagom's service token, as itself: accepted, once.
  req.set_event_id("internal-1");
  for (const bool duplicate : {false, true}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata(auth::kServiceTokenKey, TestSecrets().service_token);
    auth_api::PublishWebhookEventResponse resp;
    grpc::Status s = stub->PublishWebhookEvent(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.duplicate(), duplicate);
    EXPECT_EQ(resp.deliveries_added(), duplicate ? 0 : 1);
  }
  std::vector<Receiver::Request> got =
      receiver.WaitFor([](const auto& r) { return !r.empty(); }, kDeliveryTimeout);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event_id, "internal-1");
}

TEST_F(WebhookProcessTest, WithoutTheFlagAWebhookCannotTargetAPrivateAddress) {
  absl::StatusOr<RunningService> strict = StartService(Questionnaire(), "");
  ASSERT_TRUE(strict.ok()) << strict.status();
  for (const std::string url : {"http://127.0.0.1:8080/hook", "https://10.1.2.3/hook",
                                "https://169.254.169.254/latest/meta-data", "https://[::1]/h"}) {
    grpc::Status status;
    CreateWebhook(key_, tenant_, url, {"session.closed"}, &status, strict->channel);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << url;
    EXPECT_THAT(status.error_message(), HasSubstr("webhook.url")) << url;
    EXPECT_THAT(status.error_message(), HasSubstr("refused range")) << url;
  }
}

}  // namespace
}  // namespace lagom::testing
