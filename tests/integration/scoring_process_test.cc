// Scoring on the service binaries, real Redis and PostgreSQL: scoring reads the session and
// its answers from the session service and the model from the questionnaire service over gRPC,
// previews open sessions, records closed ones in reporting once, explains figures, scores
// supplied answers, and scores a session as soon as it closes (the session's outbox relay).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/testing/integration.h"
#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"
#include "lagom/reporting/v1/reporting.grpc.pb.h"
#include "lagom/scoring/v1/scoring.grpc.pb.h"
#include "lagom/session/v1/session.grpc.pb.h"
#include "tests/integration/lagom_processes.h"

namespace lagom::testing {
namespace {

namespace api = ::lagom::session::v1;
namespace sc = ::lagom::scoring::v1;
namespace rep = ::lagom::reporting::v1;
namespace type = ::lagom::type::v1;
using ::testing::HasSubstr;

constexpr char kModel[] = "models/lagom-itsm/versions/1";
// A pair of the built-in model: provider maturity 0–5, customer Likert 1–5.
constexpr char kProviderItem[] = "catalogue.services.provider";
constexpr char kCustomerItem[] = "catalogue.services.customer";

class ScoringProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<RunningService> q = StartService(Questionnaire(), "");
    ASSERT_TRUE(q.ok()) << q.status();
    questionnaire_ = new RunningService(*std::move(q));
    absl::StatusOr<RunningService> r = StartService(Reporting(), questionnaire_->address);
    ASSERT_TRUE(r.ok()) << r.status();
    reporting_ = new RunningService(*std::move(r));
    absl::StatusOr<RunningService> s = StartService(Session(), questionnaire_->address);
    ASSERT_TRUE(s.ok()) << s.status();
    session_ = new RunningService(*std::move(s));
    absl::StatusOr<RunningService> sc = StartService(
        Scoring(), questionnaire_->address,
        {"--session_addr=" + session_->address, "--reporting_addr=" + reporting_->address});
    ASSERT_TRUE(sc.ok()) << sc.status();
    scoring_ = new RunningService(*std::move(sc));
  }
  static void TearDownTestSuite() {
    delete scoring_;
    delete session_;
    delete reporting_;
    delete questionnaire_;
  }

  void SetUp() override {
    tenant_ = UniqueTenantId("sc");
    absl::StatusOr<std::string> key = CreateTenant(*questionnaire_->channel, tenant_);
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    sessions_ = api::SessionService::NewStub(session_->channel);
    scorer_ = sc::ScoringService::NewStub(scoring_->channel);
    absl::StatusOr<std::string> org =
        CreateCustomerOrganization(*questionnaire_->channel, key_, tenant_, "contoso", "Contoso");
    ASSERT_TRUE(org.ok()) << org.status();
    org_ = *org;
  }

  template <typename Stub, typename Req, typename Resp, typename Method>
  grpc::Status Call(Stub& stub, Method method, const Req& req, Resp* resp,
                    const std::string& token = "") {
    grpc::ClientContext ctx;
    if (token.empty()) {
      Authorize(ctx, key_);
    } else {
      ctx.AddMetadata("x-lagom-invite-token", token);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    }
    return (stub.*method)(&ctx, req, resp);
  }

  // An OPEN session "Autumn review" on the built-in model for `organizations`; its name.
  std::string OpenSession(const std::string& id, const std::vector<std::string>& organizations) {
    api::CreateSessionRequest create;
    create.set_parent("tenants/" + tenant_);
    create.set_session_id(id);
    create.mutable_session()->set_title("Autumn review");
    create.mutable_session()->set_model_version(kModel);
    for (const std::string& organization : organizations) {
      create.mutable_session()->mutable_scope()->add_customer_organizations(organization);
    }
    api::CreateSessionResponse created;
    EXPECT_TRUE(Call(*sessions_, &api::SessionService::Stub::CreateSession, create, &created).ok());
    api::OpenSessionRequest open;
    open.set_name(created.session().name());
    api::OpenSessionResponse opened;
    EXPECT_TRUE(Call(*sessions_, &api::SessionService::Stub::OpenSession, open, &opened).ok());
    return created.session().name();
  }

  // An OPEN session on the built-in model: three provider staff answer the provider item 4, 4
  // and 2; three Contoso customers answer the customer item 2, 3 and 4.
  std::string OpenSessionWithAnswers(const std::string& id) {
    const std::string name = OpenSession(id, {org_});
    const std::vector<std::pair<api::ParticipantPerspective, double>> people = {
        {api::PARTICIPANT_PERSPECTIVE_PROVIDER, 4}, {api::PARTICIPANT_PERSPECTIVE_PROVIDER, 4},
        {api::PARTICIPANT_PERSPECTIVE_PROVIDER, 2}, {api::PARTICIPANT_PERSPECTIVE_CUSTOMER, 2},
        {api::PARTICIPANT_PERSPECTIVE_CUSTOMER, 3}, {api::PARTICIPANT_PERSPECTIVE_CUSTOMER, 4}};
    for (size_t i = 0; i < people.size(); ++i) {
      const auto [perspective, value] = people[i];
      api::CreateParticipantRequest add;
      add.set_parent(name);
      add.set_participant_id(absl::StrCat("person-", i));
      add.mutable_participant()->set_display_name(absl::StrCat("Person ", i));
      add.mutable_participant()->set_perspective(perspective);
      if (perspective == api::PARTICIPANT_PERSPECTIVE_CUSTOMER) {
        add.mutable_participant()->set_customer_organization(org_);
      }
      api::CreateParticipantResponse added;
      EXPECT_TRUE(
          Call(*sessions_, &api::SessionService::Stub::CreateParticipant, add, &added).ok());
      api::CreateInvitationRequest invite;
      invite.set_parent(name);
      invite.mutable_invitation()->set_participant(added.participant().name());
      api::CreateInvitationResponse invited;
      EXPECT_TRUE(
          Call(*sessions_, &api::SessionService::Stub::CreateInvitation, invite, &invited).ok());
      api::SubmitAnswerRequest answer;
      answer.set_parent(added.participant().name());
      answer.mutable_answer()->set_item_id(
          perspective == api::PARTICIPANT_PERSPECTIVE_PROVIDER ? kProviderItem : kCustomerItem);
      answer.mutable_answer()->set_value(value);
      api::SubmitAnswerResponse answered;
      grpc::Status s = Call(*sessions_, &api::SessionService::Stub::SubmitAnswer, answer, &answered,
                            invited.token());
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return name;
  }

  void Close(const std::string& name) {
    api::CloseSessionRequest close;
    close.set_name(name);
    api::CloseSessionResponse closed;
    grpc::Status s = Call(*sessions_, &api::SessionService::Stub::CloseSession, close, &closed);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  grpc::Status Score(const std::string& session, bool preview, sc::Scorecard* card,
                     const std::string& key = "") {
    sc::ScoreSessionRequest req;
    req.set_session(session);
    req.set_preview(preview);
    sc::ScoreSessionResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, key.empty() ? key_ : key);
    grpc::Status s = scorer_->ScoreSession(&ctx, req, &resp);
    *card = resp.scorecard();
    return s;
  }

  static const sc::ItemScore* Item(const sc::Scorecard& card, const std::string& item,
                                   type::ResponseGroupKind kind) {
    for (const sc::ItemScore& s : card.item_scores()) {
      if (s.item_id() == item && s.group().kind() == kind) return &s;
    }
    return nullptr;
  }

  static const sc::PerceptionGap* PairGap(const sc::Scorecard& card) {
    for (const sc::PerceptionGap& g : card.perception_gaps()) {
      if (g.subject_kind() == sc::GAP_SUBJECT_KIND_ITEM_PAIR &&
          g.subject_id() == "catalogue.services" &&
          g.customer_group().kind() == type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS) {
        return &g;
      }
    }
    return nullptr;
  }

  static RunningService* questionnaire_;
  static RunningService* reporting_;
  static RunningService* session_;
  static RunningService* scoring_;
  std::string tenant_, key_, org_;
  std::unique_ptr<api::SessionService::Stub> sessions_;
  std::unique_ptr<sc::ScoringService::Stub> scorer_;
};

RunningService* ScoringProcessTest::questionnaire_ = nullptr;
RunningService* ScoringProcessTest::reporting_ = nullptr;
RunningService* ScoringProcessTest::session_ = nullptr;
RunningService* ScoringProcessTest::scoring_ = nullptr;

TEST_F(ScoringProcessTest, AnOpenSessionIsPreviewedFromTheSessionsAnswers) {
  const std::string session = OpenSessionWithAnswers("preview");
  sc::Scorecard card;
  grpc::Status s = Score(session, /*preview=*/true, &card);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(card.preview());
  EXPECT_TRUE(card.name().empty());
  EXPECT_EQ(card.session(), session);
  EXPECT_EQ(card.title(), "Autumn review");
  const sc::ItemScore* provider = Item(card, kProviderItem, type::RESPONSE_GROUP_KIND_PROVIDER);
  ASSERT_NE(provider, nullptr);
  EXPECT_EQ(provider->statistics().n(), 3);
  EXPECT_NEAR(provider->statistics().mean(), 10.0 / 3, 1e-9);
  const sc::ItemScore* customers =
      Item(card, kCustomerItem, type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  ASSERT_NE(customers, nullptr);
  EXPECT_NEAR(customers->statistics().normalized_mean(), 0.5, 1e-9);  // (2, 3, 4 − 1) / 4
  const sc::PerceptionGap* gap = PairGap(card);
  ASSERT_NE(gap, nullptr);
  EXPECT_NEAR(gap->gap(), 0.5 - 10.0 / 15, 1e-9);  // customers see it worse than the provider

  // Without preview an open session is refused, naming its state.
  s = Score(session, /*preview=*/false, &card);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("is OPEN"));
}

TEST_F(ScoringProcessTest, AnotherTenantsSessionIsNotFound) {
  const std::string session = OpenSessionWithAnswers("private");
  absl::StatusOr<std::string> other = CreateTenant(*questionnaire_->channel, UniqueTenantId("sx"));
  ASSERT_TRUE(other.ok()) << other.status();
  sc::Scorecard card;
  EXPECT_EQ(Score(session, true, &card, *other).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ScoringProcessTest, AClosedSessionIsRecordedOnceAndItsFiguresExplained) {
  const std::string session = OpenSessionWithAnswers("closed");
  Close(session);
  sc::Scorecard first, second;
  grpc::Status s = Score(session, false, &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(first.name(), HasSubstr("tenants/" + tenant_ + "/scorecards/"));
  EXPECT_FALSE(first.preview());
  EXPECT_TRUE(first.has_session_close_time());
  s = Score(session, false, &second);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(second.name(), first.name());

  auto reporting = rep::ReportingService::NewStub(reporting_->channel);
  rep::GetScorecardRequest get;
  get.set_name(first.name());
  rep::GetScorecardResponse got;
  s = Call(*reporting, &rep::ReportingService::Stub::GetScorecard, get, &got);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(got.scorecard().session(), session);

  // The recorded scorecard as a report and as files.
  rep::RenderReportRequest render;
  render.set_scorecard(first.name());
  render.set_language_tag("sv");
  rep::RenderReportResponse rendered;
  s = Call(*reporting, &rep::ReportingService::Stub::RenderReport, render, &rendered);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(rendered.content_type(), HasSubstr("text/html"));
  EXPECT_THAT(rendered.content(), HasSubstr("id=\"heatmap\""));
  EXPECT_THAT(rendered.content(), HasSubstr("Contoso"));  // the organisation's display name
  render.set_language_tag("de");
  s = Call(*reporting, &rep::ReportingService::Stub::RenderReport, render, &rendered);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  rep::ExportScorecardRequest csv;
  csv.set_name(first.name());
  csv.set_format(rep::EXPORT_FORMAT_CSV);
  rep::ExportScorecardResponse exported;
  s = Call(*reporting, &rep::ReportingService::Stub::ExportScorecard, csv, &exported);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(exported.content(), ::testing::StartsWith("kind,area_id,item_id,group,metric,value"));

  sc::ExplainScoreRequest explain;
  explain.set_parent("tenants/" + tenant_);
  explain.set_scorecard(first.name());
  explain.mutable_figure()->set_kind(sc::FIGURE_KIND_ITEM_STATISTIC);
  explain.mutable_figure()->set_item_id(kProviderItem);
  explain.mutable_figure()->mutable_group()->set_kind(type::RESPONSE_GROUP_KIND_PROVIDER);
  explain.mutable_figure()->set_metric("mean");
  sc::ExplainScoreResponse explained;
  s = Call(*scorer_, &sc::ScoringService::Stub::ExplainScore, explain, &explained);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NEAR(explained.explanation().value(), 10.0 / 3, 1e-9);
  ASSERT_EQ(explained.explanation().answers_size(), 3);
  // Each contributing answer by its resource name, as the session service names it.
  for (const sc::ContributingAnswer& a : explained.explanation().answers()) {
    EXPECT_THAT(a.answer(), ::testing::StartsWith(session + "/participants/"));
    EXPECT_THAT(a.answer(), ::testing::EndsWith("/answers/" + std::string(kProviderItem)));
  }

  explain.mutable_figure()->set_item_id("no.such.item");
  s = Call(*scorer_, &sc::ScoringService::Stub::ExplainScore, explain, &explained);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ScoringProcessTest, ClosingASessionScoresAndRecordsItThroughTheOutbox) {
  // A replica with a relay: it hands session.closed to scoring, which records the scorecard.
  absl::StatusOr<RunningService> relay =
      StartService(Session(), questionnaire_->address, {"--scoring_addr=" + scoring_->address});
  ASSERT_TRUE(relay.ok()) << relay.status();
  const std::string session = OpenSessionWithAnswers("relayed");
  Close(session);
  auto reporting = rep::ReportingService::NewStub(reporting_->channel);
  rep::ListScorecardsRequest list;
  list.set_parent("tenants/" + tenant_);
  list.mutable_selector()->set_session(session);
  rep::ListScorecardsResponse found;
  for (int i = 0; i < 100 && found.scorecards().empty(); ++i) {
    grpc::Status s = Call(*reporting, &rep::ReportingService::Stub::ListScorecards, list, &found);
    ASSERT_TRUE(s.ok()) << s.error_message();
    if (found.scorecards().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(found.scorecards_size(), 1);
  EXPECT_EQ(found.scorecards(0).session(), session);
}

TEST_F(ScoringProcessTest, ASessionTooLargeToScoreIsRefusedAndItsCloseSettledNotRetried) {
  absl::StatusOr<RunningService> relay =
      StartService(Session(), questionnaire_->address, {"--scoring_addr=" + scoring_->address});
  ASSERT_TRUE(relay.ok()) << relay.status();
  // One more customer organisation than a scoring takes, each with a customer who answers.
  constexpr int kOrganizations = 501;
  std::vector<std::string> organizations(kOrganizations);
  {
    // A scope names organisations of the catalogue.
    std::vector<std::thread> creators;
    for (int t = 0; t < 8; ++t) {
      creators.emplace_back([&, t] {
        for (int i = t; i < kOrganizations; i += 8) {
          absl::StatusOr<std::string> org = CreateCustomerOrganization(
              *questionnaire_->channel, key_, tenant_, absl::StrCat("o", i), "Customer");
          EXPECT_TRUE(org.ok()) << org.status();
          if (org.ok()) organizations[i] = *org;
        }
      });
    }
    for (std::thread& t : creators) t.join();
  }
  // CreateSession now refuses a scope wider than scoring takes ...
  api::CreateSessionRequest wide;
  wide.set_parent("tenants/" + tenant_);
  wide.mutable_session()->set_title("Too wide");
  wide.mutable_session()->set_model_version(kModel);
  for (const std::string& organization : organizations) {
    wide.mutable_session()->mutable_scope()->add_customer_organizations(organization);
  }
  api::CreateSessionResponse refused;
  grpc::Status too_wide =
      Call(*sessions_, &api::SessionService::Stub::CreateSession, wide, &refused);
  EXPECT_EQ(too_wide.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(too_wide.error_details(), HasSubstr("session.scope.customer_organizations"));
  // ... but a session stored before it did may hold one: the 501st organisation added to the
  // stored scope of one at the limit.
  const std::string name = OpenSession(
      "crowded", std::vector<std::string>(organizations.begin(), organizations.end() - 1));
  ASSERT_TRUE(EditStoredSession(tenant_, "crowded", [&](api::Session& s) {
                s.mutable_scope()->add_customer_organizations(organizations.back());
              }).ok());
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kOrganizations; i += 8) {
        api::CreateParticipantRequest add;
        add.set_parent(name);
        add.set_participant_id(absl::StrCat("c", i));
        add.mutable_participant()->set_perspective(api::PARTICIPANT_PERSPECTIVE_CUSTOMER);
        add.mutable_participant()->set_customer_organization(organizations[i]);
        api::CreateParticipantResponse added;
        api::CreateInvitationRequest invite;
        invite.set_parent(name);
        invite.mutable_invitation()->set_participant(absl::StrCat(name, "/participants/c", i));
        api::CreateInvitationResponse invited;
        api::SubmitAnswerRequest answer;
        answer.set_parent(invite.invitation().participant());
        answer.mutable_answer()->set_item_id(kCustomerItem);
        answer.mutable_answer()->set_value(3);
        api::SubmitAnswerResponse answered;
        if (!Call(*sessions_, &api::SessionService::Stub::CreateParticipant, add, &added).ok() ||
            !Call(*sessions_, &api::SessionService::Stub::CreateInvitation, invite, &invited)
                 .ok() ||
            !Call(*sessions_, &api::SessionService::Stub::SubmitAnswer, answer, &answered,
                  invited.token())
                 .ok()) {
          ++failed;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failed.load(), 0);

  const std::string refusal = absl::StrCat(
      "session ", name,
      " has answers from more than 500 customer organisations; a session is scored from at "
      "most 500 customer organisations (the limits of ScoreResponses)");
  sc::Scorecard card;
  grpc::Status s = Score(name, /*preview=*/true, &card);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "SESSION_TOO_LARGE");
  EXPECT_EQ(s.error_message(), refusal);

  // Closed, it is offered to scoring once and the event settled with the refusal.
  Close(name);
  SessionOutboxRow row;
  for (int i = 0; i < 100 && !row.delivered; ++i) {
    absl::StatusOr<SessionOutboxRow> read = ReadSessionOutbox(tenant_, "crowded", "scoring");
    ASSERT_TRUE(read.ok()) << read.status();
    row = *read;
    if (!row.delivered) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(row.delivered) << "the close event is still pending after " << row.attempts
                             << " attempts: " << row.last_error;
  EXPECT_EQ(row.attempts, 1);
  EXPECT_THAT(row.last_error, HasSubstr(refusal));
  auto reporting = rep::ReportingService::NewStub(reporting_->channel);
  rep::ListScorecardsRequest list;
  list.set_parent("tenants/" + tenant_);
  list.mutable_selector()->set_session(name);
  rep::ListScorecardsResponse found;
  ASSERT_TRUE(Call(*reporting, &rep::ReportingService::Stub::ListScorecards, list, &found).ok());
  EXPECT_THAT(found.scorecards(), ::testing::IsEmpty());
}

TEST_F(ScoringProcessTest, SuppliedAnswersAreScoredAgainstAnInlineModel) {
  auto models = questionnaire::v1::QuestionnaireService::NewStub(questionnaire_->channel);
  questionnaire::v1::GetModelVersionRequest get;
  get.set_name(kModel);
  questionnaire::v1::GetModelVersionResponse builtin;
  ASSERT_TRUE(
      Call(*models, &questionnaire::v1::QuestionnaireService::Stub::GetModelVersion, get, &builtin)
          .ok());

  sc::ScoreResponsesRequest req;
  req.set_parent("tenants/" + tenant_);
  *req.mutable_inline_model_version()->mutable_content() = builtin.model_version().content();
  for (int i = 0; i < 3; ++i) {
    sc::SuppliedAnswer* a = req.add_answers();
    a->set_respondent_id(absl::StrCat("r", i));
    a->set_perspective(type::PERSPECTIVE_PROVIDER);
    a->set_item_id(kProviderItem);
    a->set_value(5);
  }
  sc::ScoreResponsesResponse resp;
  grpc::Status s = Call(*scorer_, &sc::ScoringService::Stub::ScoreResponses, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const sc::ItemScore* provider =
      Item(resp.scorecard(), kProviderItem, type::RESPONSE_GROUP_KIND_PROVIDER);
  ASSERT_NE(provider, nullptr);
  EXPECT_DOUBLE_EQ(provider->statistics().normalized_mean(), 1.0);

  req.mutable_answers(1)->set_item_id("no.such.item");
  req.mutable_answers(2)->set_value(7);
  s = Call(*scorer_, &sc::ScoringService::Stub::ScoreResponses, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(s)) fields.push_back(v.field);
  EXPECT_THAT(fields, ::testing::IsSupersetOf({"answers[1].item_id", "answers[2].value"}));
}

}  // namespace
}  // namespace lagom::testing
