// Deleting a tenant on the service binaries, real Redis and PostgreSQL: without force, a tenant
// that keeps data in any service is refused, naming what it keeps, and nothing changes; with
// force, every service deletes its share (the session service also the tenant's live state in
// Redis), while another tenant keeps all of its own. A service that cannot be asked stops a
// delete without force.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/redis.h"
#include "common/status.h"
#include "common/testing/integration.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"
#include "lagom/reporting/v1/reporting.grpc.pb.h"
#include "lagom/scoring/v1/scoring.grpc.pb.h"
#include "lagom/session/v1/session.grpc.pb.h"
#include "lagom/tenancy/v1/tenancy.grpc.pb.h"
#include "services/reporting/testing/scorecard_builder.h"
#include "tests/integration/lagom_processes.h"

namespace lagom::testing {
namespace {

namespace api = ::lagom::session::v1;
namespace tenancy = ::lagom::tenancy::v1;
using ::testing::HasSubstr;

constexpr char kModel[] = "models/lagom-itsm/versions/1";
constexpr char kCustomerItem[] = "catalogue.services.customer";

// Rows of `tenant` in every table of the services' schemas that has a tenant_id column, by
// "schema.table" (tables without any left out), read as the test's superuser (no row-level
// security). The tenant's record and audit log, and the purge events, are meant to stay.
std::map<std::string, int> RowsOf(const std::string& tenant) {
  pqxx::connection conn(TestServicesPostgresUrl("postgres"));
  pqxx::work tx(conn);
  std::map<std::string, int> rows;
  for (const pqxx::row& table :
       tx.exec("SELECT table_schema, table_name FROM information_schema.columns"
               " WHERE column_name = 'tenant_id'"
               "   AND table_schema IN ('questionnaire', 'session', 'reporting')"
               " ORDER BY 1, 2")) {
    const std::string name =
        absl::StrCat(table[0].as<std::string>(), ".", table[1].as<std::string>());
    const int n =
        tx.exec_params1(absl::StrCat("SELECT count(*) FROM ", tx.quote_name(table[0].c_str()), ".",
                                     tx.quote_name(table[1].c_str()), " WHERE tenant_id = $1"),
                        tenant)[0]
            .as<int>();
    if (n > 0) rows[name] = n;
  }
  return rows;
}

// The tenant's keys in Redis.
int RedisKeysOf(const std::string& tenant) {
  absl::StatusOr<std::unique_ptr<RedisClient>> redis =
      RedisClient::Connect(TestRedisAddress(), absl::Seconds(5));
  EXPECT_TRUE(redis.ok()) << redis.status();
  if (!redis.ok()) return -1;
  int keys = 0;
  std::string cursor = "0";
  do {
    absl::StatusOr<RedisReply> page = (*redis)->Command(
        {"SCAN", cursor, "MATCH", absl::StrCat("lagom:", tenant, ":*"), "COUNT", "1000"});
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok() || page->elements.size() != 2) return -1;
    cursor = page->elements[0].str;
    keys += static_cast<int>(page->elements[1].elements.size());
  } while (cursor != "0");
  return keys;
}

class TenantDataProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<ServiceStack>> stack = StartServiceStack();
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = stack->release();
  }
  static void TearDownTestSuite() { delete stack_; }

  static grpc::Status DeleteTenant(grpc::Channel& questionnaire, const std::string& tenant,
                                   bool force) {
    auto tenants = tenancy::TenantService::NewStub(
        std::shared_ptr<grpc::Channel>(&questionnaire, [](grpc::Channel*) {}));
    tenancy::DeleteTenantRequest req;
    req.set_name("tenants/" + tenant);
    req.set_force(force);
    tenancy::DeleteTenantResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, TestSecrets().operator_token);
    return tenants->DeleteTenant(&ctx, req, &resp);
  }

  static tenancy::Tenant::State StateOf(const std::string& tenant) {
    auto tenants = tenancy::TenantService::NewStub(stack_->questionnaire.channel);
    tenancy::GetTenantRequest req;
    req.set_name("tenants/" + tenant);
    tenancy::GetTenantResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, TestSecrets().operator_token);
    grpc::Status s = tenants->GetTenant(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.tenant().state();
  }

  // ListSessions of `tenant` with its API key `key`.
  static grpc::Status ListSessionsWith(const std::string& key, const std::string& tenant) {
    auto sessions = api::SessionService::NewStub(stack_->session.channel);
    api::ListSessionsRequest req;
    req.set_parent("tenants/" + tenant);
    api::ListSessionsResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    return sessions->ListSessions(&ctx, req, &resp);
  }

  // The same until it is refused UNAUTHENTICATED, at most 5 s (each service keeps a key's
  // verdict for half a second): the last answer.
  static grpc::Status AwaitRefused(const std::string& key, const std::string& tenant) {
    grpc::Status read;
    for (absl::Time give_up = absl::Now() + absl::Seconds(5); absl::Now() < give_up;) {
      read = ListSessionsWith(key, tenant);
      if (read.error_code() == grpc::StatusCode::UNAUTHENTICATED) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return read;
  }

  // A tenant with data in every service: a customer organisation, a published model of its
  // own (whose versions are immutable to the services), a closed session with a respondent's
  // answer, and its recorded scorecard. Returns the admin key.
  static std::string TenantWithData(const std::string& tenant) {
    absl::StatusOr<std::string> key = CreateTenant(*stack_->questionnaire.channel, tenant);
    EXPECT_TRUE(key.ok()) << key.status();
    absl::StatusOr<std::string> org = CreateCustomerOrganization(
        *stack_->questionnaire.channel, *key, tenant, "contoso", "Contoso");
    EXPECT_TRUE(org.ok()) << org.status();
    auto models = questionnaire::v1::QuestionnaireService::NewStub(stack_->questionnaire.channel);
    using Models = questionnaire::v1::QuestionnaireService::Stub;
    auto sessions = api::SessionService::NewStub(stack_->session.channel);
    using Sessions = api::SessionService::Stub;
    // One call as the admin (its API key) or a respondent (an invite token), expected to succeed.
    auto call = [](auto& stub, auto method, const auto& req, auto* resp, const std::string& api_key,
                   const std::string& invite_token = "") {
      grpc::ClientContext ctx;
      if (invite_token.empty()) {
        Authorize(ctx, api_key);
      } else {
        ctx.AddMetadata("x-lagom-invite-token", invite_token);
      }
      grpc::Status s = (stub.*method)(&ctx, req, resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
    };
    questionnaire::v1::CreateModelRequest model;
    model.set_parent("tenants/" + tenant);
    model.set_model_id("own");
    (*model.mutable_model()->mutable_display_name()->mutable_translations())["en"] = "Own";
    questionnaire::v1::CreateModelResponse modelled;
    call(*models, &Models::CreateModel, model, &modelled, *key);
    questionnaire::v1::CreateModelVersionRequest version;
    version.set_parent(modelled.model().name());
    version.set_source_version(kModel);
    questionnaire::v1::CreateModelVersionResponse drafted;
    call(*models, &Models::CreateModelVersion, version, &drafted, *key);
    questionnaire::v1::PublishModelVersionRequest publish;
    publish.set_name(drafted.model_version().name());
    questionnaire::v1::PublishModelVersionResponse published;
    call(*models, &Models::PublishModelVersion, publish, &published, *key);
    api::CreateSessionRequest create;
    create.set_parent("tenants/" + tenant);
    create.set_session_id("review");
    create.mutable_session()->set_title("Review");
    create.mutable_session()->set_model_version(kModel);
    create.mutable_session()->mutable_scope()->add_customer_organizations(*org);
    api::CreateSessionResponse created;
    call(*sessions, &Sessions::CreateSession, create, &created, *key);
    const std::string session = created.session().name();
    api::OpenSessionRequest open;
    open.set_name(session);
    api::OpenSessionResponse opened;
    call(*sessions, &Sessions::OpenSession, open, &opened, *key);
    api::CreateParticipantRequest add;
    add.set_parent(session);
    add.set_participant_id("ann");
    add.mutable_participant()->set_display_name("Ann");
    add.mutable_participant()->set_perspective(api::PARTICIPANT_PERSPECTIVE_CUSTOMER);
    add.mutable_participant()->set_customer_organization(*org);
    api::CreateParticipantResponse added;
    call(*sessions, &Sessions::CreateParticipant, add, &added, *key);
    api::CreateInvitationRequest invite;
    invite.set_parent(session);
    invite.mutable_invitation()->set_participant(added.participant().name());
    api::CreateInvitationResponse invited;
    call(*sessions, &Sessions::CreateInvitation, invite, &invited, *key);
    api::SubmitAnswerRequest answer;
    answer.set_parent(added.participant().name());
    answer.mutable_answer()->set_item_id(kCustomerItem);
    answer.mutable_answer()->set_value(4);
    api::SubmitAnswerResponse answered;
    call(*sessions, &Sessions::SubmitAnswer, answer, &answered, "", invited.token());
    api::CloseSessionRequest close;
    close.set_name(session);
    api::CloseSessionResponse closed;
    call(*sessions, &Sessions::CloseSession, close, &closed, *key);
    auto scoring = scoring::v1::ScoringService::NewStub(stack_->scoring.channel);
    scoring::v1::ScoreSessionRequest score;
    score.set_session(session);
    scoring::v1::ScoreSessionResponse scored;
    call(*scoring, &scoring::v1::ScoringService::Stub::ScoreSession, score, &scored, *key);
    return *key;
  }

  static ServiceStack* stack_;
};

ServiceStack* TenantDataProcessTest::stack_ = nullptr;

TEST_F(TenantDataProcessTest, ATenantWithDataGoesOnlyWithForceAndThenEntirely) {
  const std::string doomed = UniqueTenantId("doomed");
  const std::string kept = UniqueTenantId("kept");
  const std::string doomed_key = TenantWithData(doomed);
  TenantWithData(kept);
  const std::map<std::string, int> kept_before = RowsOf(kept);
  const std::map<std::string, int> before = RowsOf(doomed);
  for (const char* table :
       {"questionnaire.catalog_resources", "questionnaire.api_keys", "questionnaire.model_versions",
        "session.sessions", "session.answers", "session.invitations", "reporting.scorecards",
        "reporting.area_figures"}) {
    EXPECT_GT(before.count(table) ? before.at(table) : 0, 0)
        << table << " should hold the tenant's data to delete";
  }
  const int before_keys = RedisKeysOf(doomed);
  ASSERT_GT(before_keys, 0) << "the session's live state should be in Redis";

  // Without force: refused, naming what each service keeps; nothing changes.
  grpc::Status refused = DeleteTenant(*stack_->questionnaire.channel, doomed, false);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(refused), "RESOURCE_IN_USE");
  EXPECT_THAT(refused.error_message(), HasSubstr("questionnaire: 1 customer_organizations"));
  EXPECT_THAT(refused.error_message(), HasSubstr("session: 1 answers, 1 participants, 1 sessions"));
  EXPECT_THAT(refused.error_message(), HasSubstr("reporting: 1 scorecards"));
  EXPECT_THAT(refused.error_message(), HasSubstr("force=true"));
  EXPECT_EQ(StateOf(doomed), tenancy::Tenant::STATE_ACTIVE);
  EXPECT_EQ(RowsOf(doomed), before);
  EXPECT_EQ(RedisKeysOf(doomed), before_keys);
  EXPECT_TRUE(ListSessionsWith(doomed_key, doomed).ok());

  // With force: DELETED at once, its data gone from every service soon after.
  grpc::Status deleted = DeleteTenant(*stack_->questionnaire.channel, doomed, true);
  ASSERT_TRUE(deleted.ok()) << deleted.error_message();
  EXPECT_EQ(StateOf(doomed), tenancy::Tenant::STATE_DELETED);
  // What stays: who deleted the tenant, the purges' record, reporting's mark that it purged
  // the tenant (and, keyed by id, its row in questionnaire.tenants: the record that it
  // existed, now DELETED).
  const auto what_stays = ::testing::UnorderedElementsAre(
      ::testing::Key("questionnaire.audit_events"), ::testing::Pair("questionnaire.outbox", 3),
      ::testing::Pair("reporting.purged_tenants", 1));
  auto purges_delivered = [&] {
    pqxx::connection conn(TestServicesPostgresUrl("postgres"));
    pqxx::work tx(conn);
    return tx
        .exec_params1(
            "SELECT count(*) FROM questionnaire.outbox"
            " WHERE tenant_id = $1 AND deliver_time IS NOT NULL",
            doomed)[0]
        .as<int>();
  };
  std::map<std::string, int> left = RowsOf(doomed);
  for (absl::Time give_up = absl::Now() + absl::Seconds(30);
       (!::testing::Value(left, what_stays) || RedisKeysOf(doomed) > 0 || purges_delivered() < 3) &&
       absl::Now() < give_up;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    left = RowsOf(doomed);
  }
  EXPECT_THAT(left, what_stays);
  EXPECT_EQ(RedisKeysOf(doomed), 0);
  EXPECT_EQ(purges_delivered(), 3) << "each service's purge is marked delivered";
  // Its credentials no longer work.
  grpc::Status read = AwaitRefused(doomed_key, doomed);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::UNAUTHENTICATED) << read.error_message();

  // The scoring service acts for a tenant with Lagom's own credential: a close of the tenant
  // scored late is refused by reporting, and brings none of its data back.
  {
    auto reporting = reporting::v1::ReportingService::NewStub(stack_->reporting.channel);
    reporting::testing::ScorecardSpec spec;
    spec.tenant = doomed;
    spec.session_id = "review";
    spec.close_time = absl::Now() - absl::Minutes(2);
    spec.areas = reporting::testing::ItsmAreas(0.6, 0.5);
    reporting::v1::RecordScorecardRequest late;
    late.set_parent("tenants/" + doomed);
    *late.mutable_scorecard() = reporting::testing::BuildScorecard(spec);
    late.set_request_id("4f1d0c9e-7a52-4e0b-9a61-2d4c8b7e5f30");
    grpc::ClientContext ctx;
    AuthorizeAsScoring(ctx, doomed);
    reporting::v1::RecordScorecardResponse recorded;
    grpc::Status s = reporting->RecordScorecard(&ctx, late, &recorded);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_EQ(ReasonOf(s), "TENANT_INACTIVE");
    EXPECT_THAT(s.error_message(), HasSubstr("was deleted and its data purged"));
    EXPECT_THAT(RowsOf(doomed), what_stays);
  }

  // The other tenant keeps everything, in PostgreSQL and in Redis (its webhook events may
  // still be arriving: at least as much as before).
  const std::map<std::string, int> kept_after = RowsOf(kept);
  for (const auto& [table, n] : kept_before) {
    EXPECT_GE(kept_after.count(table) ? kept_after.at(table) : 0, n) << table;
  }
  EXPECT_GT(RedisKeysOf(kept), 0);
  // Deleting again (a retry) is fine, with or without force.
  EXPECT_TRUE(DeleteTenant(*stack_->questionnaire.channel, doomed, true).ok());
  EXPECT_TRUE(DeleteTenant(*stack_->questionnaire.channel, doomed, false).ok());
}

TEST_F(TenantDataProcessTest, WithoutForceATenantWithoutDataGoes) {
  const std::string empty = UniqueTenantId("empty");
  absl::StatusOr<std::string> key = CreateTenant(*stack_->questionnaire.channel, empty);
  ASSERT_TRUE(key.ok()) << key.status();
  ASSERT_TRUE(ListSessionsWith(*key, empty).ok());
  grpc::Status deleted = DeleteTenant(*stack_->questionnaire.channel, empty, false);
  ASSERT_TRUE(deleted.ok()) << deleted.error_message();
  EXPECT_EQ(StateOf(empty), tenancy::Tenant::STATE_DELETED);
  // Its admin key is not data: deleted without force, it stays, and no longer works.
  EXPECT_THAT(RowsOf(empty), ::testing::Contains(::testing::Key("questionnaire.api_keys")));
  grpc::Status read = AwaitRefused(*key, empty);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::UNAUTHENTICATED) << read.error_message();
}

// A questionnaire replica that cannot reach the session service cannot tell whether the tenant
// keeps data there: it refuses, and the tenant stays as it was.
TEST_F(TenantDataProcessTest, WhenAServiceCannotBeAskedNothingChanges) {
  absl::StatusOr<RunningService> cut_off =
      StartService(Questionnaire(), "",
                   {absl::StrCat("--session_addr=127.0.0.1:", ReservedLoopbackPort()),
                    "--reporting_addr=" + stack_->reporting.address});
  ASSERT_TRUE(cut_off.ok()) << cut_off.status();
  const std::string tenant = UniqueTenantId("cut");
  absl::StatusOr<std::string> key = CreateTenant(*cut_off->channel, tenant);
  ASSERT_TRUE(key.ok()) << key.status();
  const std::map<std::string, int> before = RowsOf(tenant);
  grpc::Status refused = DeleteTenant(*cut_off->channel, tenant, false);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("session service"));
  EXPECT_THAT(refused.error_message(), HasSubstr("nothing was changed"));
  EXPECT_EQ(StateOf(tenant), tenancy::Tenant::STATE_ACTIVE);
  EXPECT_EQ(RowsOf(tenant), before);
  // Its admin key still works.
  grpc::Status read = ListSessionsWith(*key, tenant);
  EXPECT_TRUE(read.ok()) << read.error_message();
}

}  // namespace
}  // namespace lagom::testing
