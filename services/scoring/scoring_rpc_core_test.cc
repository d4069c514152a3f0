// The scoring RPC layer's rules, with the other services faked: which sessions are scored and
// recorded, who records, what is refused and how, and that supplied answers are checked.
#include "services/scoring/scoring_rpc_core.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/channel.h"
#include "common/status.h"
#include "services/scoring/core/scoring_core.h"
#include "services/scoring/core/test_support.h"

namespace lagom::scoring {
namespace {

using namespace ::lagom::scoring::testing;  // NOLINT(build/namespaces): builders of this test
using ::google::protobuf::util::MessageDifferencer;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kSession[] = "tenants/acme/sessions/review";
constexpr char kVersion[] = "tenants/acme/models/itsm/versions/v1";

class FakeSessions final : public SessionReader {
 public:
  absl::StatusOr<session_api::Session> GetSession(const RequestContext&,
                                                  const std::string& name) override {
    ++reads;
    auto it = sessions.find(name);
    if (it == sessions.end()) return absl::NotFoundError(name + " not found");
    return it->second;
  }
  // `answers` in pages of `page_size`, as the session service pages them.
  absl::Status ReadAnswers(const RequestContext&, const session_api::Session&,
                           const std::vector<std::string>& item_ids,
                           const AnswerPageSink& take) override {
    asked_items = item_ids;
    for (size_t at = 0; at < answers.size(); at += page_size) {
      ++pages_read;
      const size_t end = std::min(answers.size(), at + page_size);
      if (absl::Status s = take({answers.begin() + at, answers.begin() + end}); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<sapi::ExpectedRespondents>> CountInvited(const RequestContext&,
                                                                      const std::string&) override {
    return invited;
  }

  std::map<std::string, session_api::Session> sessions;
  std::vector<ScoringAnswer> answers;
  std::vector<sapi::ExpectedRespondents> invited;
  size_t page_size = 3;
  std::vector<std::string> asked_items;
  int reads = 0;
  int pages_read = 0;
};

class FakeModels final : public QuestionnaireReader {
 public:
  absl::StatusOr<qapi::ModelVersion> GetModelVersion(const RequestContext&,
                                                     const std::string& name) override {
    auto it = versions.find(name);
    if (it == versions.end()) return absl::NotFoundError(name + " not found");
    return it->second;
  }
  absl::StatusOr<int> MinRespondents(const RequestContext&) override { return min_respondents; }

  std::map<std::string, qapi::ModelVersion> versions;
  int min_respondents = 0;
};

// Records as reporting does: one scorecard per session, the first; every later call for the
// session returns it.
class FakeRecorder final : public ScorecardRecorder {
 public:
  struct Call {
    RequestContext rc;
    sapi::Scorecard scorecard;
    std::string request_id;
  };
  absl::StatusOr<sapi::Scorecard> Record(const RequestContext& rc, const sapi::Scorecard& scorecard,
                                         const std::string& request_id) override {
    calls.push_back({rc, scorecard, request_id});
    auto [first, inserted] = first_of_session.try_emplace(scorecard.session(), scorecard);
    if (inserted) {
      first->second.set_name(
          absl::StrCat("tenants/acme/scorecards/review-", first_of_session.size()));
      stored[first->second.name()] = first->second;
    }
    return first->second;
  }
  absl::StatusOr<sapi::Scorecard> Get(const RequestContext&, const std::string& name) override {
    auto it = stored.find(name);
    if (it == stored.end()) return absl::NotFoundError(name + " not found");
    return it->second;
  }

  std::vector<Call> calls;
  std::map<std::string, sapi::Scorecard> first_of_session;  // by session name
  std::map<std::string, sapi::Scorecard> stored;            // by scorecard name
};

RequestContext Facilitator(const std::string& tenant = "acme") {
  RequestContext rc;
  rc.tenant_id = tenant;
  rc.principal.set_tenant_id(tenant);
  rc.principal.set_subject("fran");
  rc.principal.set_role(auth::v1::PRINCIPAL_ROLE_FACILITATOR);
  return rc;
}

class ScoringRpcCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    qapi::ModelVersion& version = models_.versions[kVersion];
    version.set_name(kVersion);
    version.set_content_hash("sha256:abc");
    version.set_state(qapi::MODEL_VERSION_STATE_PUBLISHED);
    qapi::Area& area = AddArea(*version.mutable_content(), "incident", 0.6);
    AddPair(area, "triage");

    session_api::Session& s = sessions_.sessions[kSession];
    s.set_name(kSession);
    s.set_title("Spring review");
    s.set_model_version(kVersion);
    s.set_model_content_hash("sha256:abc");
    s.set_state(session_api::SESSION_STATE_CLOSED);
    s.mutable_scope()->add_services("tenants/acme/itServices/desk");
    s.mutable_close_time()->set_seconds(1700000000);
    sessions_.answers = {Provider("p1", "triage.provider", 4), Provider("p2", "triage.provider", 3),
                         Customer("c1", "north", "triage.customer", 2),
                         Customer("c2", "north", "triage.customer", 3)};
    sapi::ExpectedRespondents& invited = sessions_.invited.emplace_back();
    *invited.mutable_group() = ProviderGroup();
    invited.set_invited_count(4);
  }

  session_api::Session& Session() { return sessions_.sessions[kSession]; }

  absl::StatusOr<sapi::Scorecard> ScoreSession(bool preview, const RequestContext& rc,
                                               const std::string& name = kSession) {
    sapi::ScoreSessionRequest req;
    req.set_session(name);
    req.set_preview(preview);
    sapi::ScoreSessionResponse resp;
    absl::Status s = core_.ScoreSession(rc, req, &resp);
    if (!s.ok()) return s;
    return resp.scorecard();
  }

  FakeSessions sessions_;
  FakeModels models_;
  FakeRecorder recorder_;
  ScoringRpcCore core_{sessions_, models_, recorder_,
                       [] { return absl::FromUnixSeconds(1800000000); }};
};

TEST_F(ScoringRpcCoreTest, AClosedSessionIsScoredAndRecordedByTheScoringService) {
  absl::StatusOr<sapi::Scorecard> card = ScoreSession(false, Facilitator());
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(card->name(), "tenants/acme/scorecards/review-1");
  ASSERT_THAT(recorder_.calls, SizeIs(1));
  const FakeRecorder::Call& call = recorder_.calls[0];
  // Reporting takes scorecards from services only: the facilitator's call records as the
  // tenant's scoring service.
  EXPECT_EQ(call.rc.principal.role(), auth::v1::PRINCIPAL_ROLE_SERVICE);
  EXPECT_EQ(call.rc.principal.tenant_id(), "acme");
  EXPECT_THAT(call.request_id, IsEmpty());
  EXPECT_THAT(sessions_.asked_items, ::testing::ElementsAre("triage.provider", "triage.customer"));
  const sapi::Scorecard& sent = call.scorecard;
  EXPECT_EQ(sent.session(), kSession);
  EXPECT_EQ(sent.title(), "Spring review");
  EXPECT_THAT(sent.services(), Contains("tenants/acme/itServices/desk"));
  EXPECT_FALSE(sent.preview());
  EXPECT_EQ(sent.session_close_time().seconds(), 1700000000);
  EXPECT_EQ(sent.score_time().seconds(), 1800000000);
  EXPECT_EQ(sent.model_version(), kVersion);
  const sapi::AreaScore* provider = FindArea(sent, "incident", ProviderGroup());
  ASSERT_NE(provider, nullptr);
  EXPECT_DOUBLE_EQ(provider->score(), 0.7);  // mean of 4 and 3 on 0–5
  const sapi::GroupCoverage* coverage = FindCoverage(sent, ProviderGroup());
  ASSERT_NE(coverage, nullptr);
  EXPECT_EQ(coverage->invited_count(), 4);
  EXPECT_DOUBLE_EQ(coverage->response_rate(), 0.5);
}

TEST_F(ScoringRpcCoreTest, ARetryRecordsWithoutARequestIdSoReportingKeepsTheFirst) {
  sapi::ScoreSessionRequest req;
  req.set_session(kSession);
  req.set_request_id("session-closed-42");
  sapi::ScoreSessionResponse first;
  ASSERT_TRUE(core_.ScoreSession(Facilitator(), req, &first).ok());
  // The second scoring computes other figures (an answer more, a later score time); the
  // caller gets the scorecard reporting recorded first, not the one just computed.
  sessions_.answers.push_back(Provider("p3", "triage.provider", 0));
  ScoringRpcCore later(sessions_, models_, recorder_,
                       [] { return absl::FromUnixSeconds(1900000000); });
  sapi::ScoreSessionResponse second;
  ASSERT_TRUE(later.ScoreSession(Facilitator(), req, &second).ok());
  ASSERT_THAT(recorder_.calls, SizeIs(2));
  EXPECT_THAT(recorder_.calls[0].request_id, IsEmpty());
  EXPECT_THAT(recorder_.calls[1].request_id, IsEmpty());
  const sapi::AreaScore* computed =
      FindArea(recorder_.calls[1].scorecard, "incident", ProviderGroup());
  ASSERT_NE(computed, nullptr);
  EXPECT_NEAR(computed->score(), 7.0 / 15, 1e-12);  // 4, 3 and 0 on 0–5: what was sent

  EXPECT_EQ(second.scorecard().name(), "tenants/acme/scorecards/review-1");
  EXPECT_EQ(second.scorecard().score_time().seconds(), 1800000000);
  const sapi::AreaScore* returned = FindArea(second.scorecard(), "incident", ProviderGroup());
  ASSERT_NE(returned, nullptr);
  EXPECT_DOUBLE_EQ(returned->score(), 0.7);  // 4 and 3: the first recording's
  EXPECT_TRUE(MessageDifferencer::Equals(second.scorecard(), first.scorecard()));
}

TEST_F(ScoringRpcCoreTest, AnOpenSessionIsOnlyPreviewedAndNothingIsRecorded) {
  Session().set_state(session_api::SESSION_STATE_OPEN);
  Session().clear_close_time();
  absl::StatusOr<sapi::Scorecard> refused = ScoreSession(false, Facilitator());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("is OPEN"));
  EXPECT_THAT(refused.status().message(), HasSubstr("preview"));

  absl::StatusOr<sapi::Scorecard> preview = ScoreSession(true, Facilitator());
  ASSERT_TRUE(preview.ok()) << preview.status();
  EXPECT_TRUE(preview->preview());
  EXPECT_THAT(preview->name(), IsEmpty());
  EXPECT_THAT(preview->area_scores(), Not(IsEmpty()));
  EXPECT_THAT(recorder_.calls, IsEmpty());
}

// `preview` says whether the scorecard was recorded: a preview of a CLOSED or ARCHIVED session
// is not, so it says preview like an OPEN session's.
TEST_F(ScoringRpcCoreTest, APreviewOfAClosedSessionRecordsNothingAndSaysSo) {
  for (const auto state :
       {session_api::SESSION_STATE_CLOSED, session_api::SESSION_STATE_ARCHIVED}) {
    Session().set_state(state);
    absl::StatusOr<sapi::Scorecard> preview = ScoreSession(true, Facilitator());
    ASSERT_TRUE(preview.ok()) << preview.status();
    EXPECT_TRUE(preview->preview()) << session_api::SessionState_Name(state);
    EXPECT_THAT(preview->name(), IsEmpty());
    EXPECT_THAT(preview->area_scores(), Not(IsEmpty()));
    EXPECT_THAT(recorder_.calls, IsEmpty());
  }
  absl::StatusOr<sapi::Scorecard> recorded = ScoreSession(false, Facilitator());
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_FALSE(recorded->preview());
  EXPECT_THAT(recorded->name(), Not(IsEmpty()));
  EXPECT_THAT(recorder_.calls, SizeIs(1));
}

TEST_F(ScoringRpcCoreTest, ADraftSessionIsRefusedWithItsState) {
  Session().set_state(session_api::SESSION_STATE_DRAFT);
  absl::StatusOr<sapi::Scorecard> card = ScoreSession(true, Facilitator());
  EXPECT_EQ(card.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(card.status().message(), HasSubstr("is DRAFT"));
}

TEST_F(ScoringRpcCoreTest, AnotherTenantsSessionIsNotFoundWithoutBeingRead) {
  absl::StatusOr<sapi::Scorecard> card = ScoreSession(false, Facilitator("globex"));
  EXPECT_EQ(card.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(sessions_.reads, 0);
  EXPECT_THAT(recorder_.calls, IsEmpty());
}

TEST_F(ScoringRpcCoreTest, AMalformedSessionNameNamesTheField) {
  absl::StatusOr<sapi::Scorecard> card = ScoreSession(false, Facilitator(), "sessions/review");
  EXPECT_EQ(card.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(card.status()), Contains(Field(&FieldViolation::field, "session")));
  EXPECT_EQ(sessions_.reads, 0);
}

TEST_F(ScoringRpcCoreTest, ASessionWithoutAnswersSaysSo) {
  sessions_.answers.clear();
  absl::StatusOr<sapi::Scorecard> card = ScoreSession(false, Facilitator());
  EXPECT_EQ(card.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(card.status()), "NO_ANSWERS");
  EXPECT_THAT(recorder_.calls, IsEmpty());
}

TEST_F(ScoringRpcCoreTest, AModelVersionWhoseContentChangedIsRefused) {
  models_.versions[kVersion].set_content_hash("sha256:other");
  absl::StatusOr<sapi::Scorecard> card = ScoreSession(false, Facilitator());
  EXPECT_EQ(card.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(card.status().message(), HasSubstr("sha256:other"));
}

TEST_F(ScoringRpcCoreTest, TheTenantsMinimumRespondentsApplies) {
  models_.min_respondents = 5;
  absl::StatusOr<sapi::Scorecard> card = ScoreSession(false, Facilitator());
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(card->coverage().min_respondents(), 5);
  const sapi::AreaScore* provider = FindArea(*card, "incident", ProviderGroup());
  ASSERT_NE(provider, nullptr);
  EXPECT_TRUE(provider->low_confidence());  // 2 respondents < 5
}

// `count` answers to the customer half of pairs q0, q1, … (`per_respondent` each), from
// respondents c0, c1, … of organisations org-0, org-1, … (`organizations` of them, in turn).
std::vector<ScoringAnswer> CustomerAnswers(int count, int per_respondent, int organizations) {
  std::vector<ScoringAnswer> out;
  out.reserve(count);
  for (int i = 0; i < count; ++i) {
    const int respondent = i / per_respondent;
    out.push_back(Customer(absl::StrCat("c", respondent),
                           absl::StrCat("org-", respondent % organizations),
                           absl::StrCat("q", i % per_respondent, ".customer"), 3));
  }
  return out;
}

// A session refused as too large to score, with `message`; nothing recorded.
void ExpectTooLarge(const absl::StatusOr<sapi::Scorecard>& card, const FakeRecorder& recorder,
                    const std::string& message) {
  EXPECT_EQ(card.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(card.status()), "SESSION_TOO_LARGE");
  EXPECT_EQ(card.status().message(), message);
  EXPECT_THAT(recorder.calls, IsEmpty());
}

TEST_F(ScoringRpcCoreTest, ASessionAtEveryLimitOfScoreResponsesIsScored) {
  qapi::Area& area = *models_.versions[kVersion].mutable_content()->mutable_areas(0);
  for (int i = 0; i < 20; ++i) AddPair(area, absl::StrCat("q", i));
  sessions_.answers = CustomerAnswers(kMaxSuppliedAnswers, 20, kMaxSuppliedOrganizations);
  sessions_.page_size = 10000;
  sessions_.invited.clear();
  for (int i = 0; i < kMaxSuppliedOrganizations; ++i) {
    sapi::ExpectedRespondents& e = sessions_.invited.emplace_back();
    *e.mutable_group() = Organization(absl::StrCat("org-", i));
    e.set_invited_count(10);
  }
  absl::StatusOr<sapi::Scorecard> card = ScoreSession(false, Facilitator());
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_EQ(sessions_.pages_read, 10);
  const sapi::GroupCoverage* customers = FindCoverage(*card, AllCustomers());
  ASSERT_NE(customers, nullptr);
  EXPECT_EQ(customers->respondent_count(), kMaxSuppliedRespondents);
  EXPECT_NE(FindCoverage(*card, Organization("org-499")), nullptr);
}

TEST_F(ScoringRpcCoreTest, ASessionPastALimitIsRefusedAtThePageThatPassesIt) {
  struct Case {
    std::vector<ScoringAnswer> answers;
    size_t page_size;
    int pages_read;  // of all the session's pages
    std::string what;
  };
  const Case cases[] = {
      // 150 000 answers in 15 pages: the eleventh passes 100 000.
      {CustomerAnswers(150000, 30, 10), 10000, 11,
       "has more than 100000 answers to the items in scope; a session is scored from at most "
       "100000 answers"},
      // 8 000 respondents in 8 pages: the sixth has the 5 001st.
      {CustomerAnswers(8000, 1, 10), 1000, 6,
       "has answers from more than 5000 participants; a session is scored from at most 5000 "
       "respondents"},
      // 1 000 organisations in 10 pages: the sixth has the 501st.
      {CustomerAnswers(1000, 1, 1000), 100, 6,
       "has answers from more than 500 customer organisations; a session is scored from at most "
       "500 customer organisations"},
  };
  for (const Case& c : cases) {
    sessions_.answers = c.answers;
    sessions_.page_size = c.page_size;
    sessions_.pages_read = 0;
    for (const bool preview : {false, true}) {
      ExpectTooLarge(
          ScoreSession(preview, Facilitator()), recorder_,
          absl::StrCat("session ", kSession, " ", c.what, " (the limits of ScoreResponses)"));
    }
    EXPECT_EQ(sessions_.pages_read, 2 * c.pages_read) << c.what;
  }
}

TEST_F(ScoringRpcCoreTest, ASessionWithParticipantsOfTooManyOrganisationsIsRefused) {
  for (int i = 0; i <= kMaxSuppliedOrganizations; ++i) {
    *sessions_.invited.emplace_back().mutable_group() = Organization(absl::StrCat("org-", i));
  }
  ExpectTooLarge(ScoreSession(false, Facilitator()), recorder_,
                 absl::StrCat("session ", kSession,
                              " has participants of 501 customer organisations; a session is "
                              "scored from at most 500 customer organisations (the limits of "
                              "ScoreResponses)"));
}

sapi::ScoreResponsesRequest Responses() {
  sapi::ScoreResponsesRequest req;
  req.set_parent("tenants/acme");
  req.set_model_version(kVersion);
  sapi::SuppliedAnswer* a = req.add_answers();
  a->set_respondent_id("r1");
  a->set_perspective(type::PERSPECTIVE_PROVIDER);
  a->set_item_id("triage.provider");
  a->set_value(5);
  return req;
}

TEST_F(ScoringRpcCoreTest, SuppliedAnswersAreScoredAgainstAReadableVersion) {
  sapi::ScoreResponsesResponse resp;
  absl::Status s = core_.ScoreResponses(Facilitator(), Responses(), &resp);
  ASSERT_TRUE(s.ok()) << s;
  const sapi::AreaScore* provider = FindArea(resp.scorecard(), "incident", ProviderGroup());
  ASSERT_NE(provider, nullptr);
  EXPECT_DOUBLE_EQ(provider->score(), 1.0);
  EXPECT_EQ(resp.scorecard().model_content_hash(), "sha256:abc");
  EXPECT_THAT(resp.scorecard().name(), IsEmpty());
  EXPECT_THAT(recorder_.calls, IsEmpty());
}

TEST_F(ScoringRpcCoreTest, BadSuppliedAnswersNameTheirFields) {
  sapi::ScoreResponsesRequest req = Responses();
  req.mutable_answers(0)->clear_value();
  req.add_answers()->set_not_applicable(false);
  sapi::ScoreResponsesResponse resp;
  absl::Status s = core_.ScoreResponses(Facilitator(), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(s), Contains(Field(&FieldViolation::field, "answers[0]")));
  EXPECT_THAT(ViolationsOf(s),
              Contains(Field(&FieldViolation::field, "answers[1].not_applicable")));

  req = Responses();
  req.mutable_answers(0)->set_item_id("nope");
  s = core_.ScoreResponses(Facilitator(), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(s), Contains(Field(&FieldViolation::field, "answers[0].item_id")));

  req = Responses();
  type::AreaTarget* target = req.add_targets();
  target->set_area_id("incident");
  target->set_target_score(1.5);
  s = core_.ScoreResponses(Facilitator(), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("targets[0]"));
}

TEST_F(ScoringRpcCoreTest, AModelIsRequiredAndAnInlineOneIsValidated) {
  sapi::ScoreResponsesRequest req = Responses();
  req.clear_model_version();
  sapi::ScoreResponsesResponse resp;
  absl::Status s = core_.ScoreResponses(Facilitator(), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(s), Contains(Field(&FieldViolation::field, "model")));

  // An inline model without areas breaks the questionnaire's own rules, reported by path.
  req.mutable_inline_model_version()->mutable_content()->set_default_language_tag("en");
  s = core_.ScoreResponses(Facilitator(), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("inline_model_version.content"));
}

// A model the scoring core would sum to NaN is not a model: an inline one with a weight past
// the bound is refused by the questionnaire's own rules, naming the field.
TEST_F(ScoringRpcCoreTest, AnInlineModelWithAWeightPastTheBoundIsRefused) {
  sapi::ScoreResponsesRequest req = Responses();
  qapi::ModelVersion& inline_version = *req.mutable_inline_model_version();
  *inline_version.mutable_content() = models_.versions[kVersion].content();
  inline_version.mutable_content()->mutable_areas(0)->mutable_items(0)->set_weight(1e308);
  sapi::ScoreResponsesResponse resp;
  absl::Status s = core_.ScoreResponses(Facilitator(), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      ViolationsOf(s),
      Contains(AllOf(
          Field(&FieldViolation::field, "inline_model_version.content.areas[0].items[0].weight"),
          Field(&FieldViolation::description, HasSubstr("allowed: a number from 0.001 to 1000")))));
  EXPECT_FALSE(resp.has_scorecard());
}

// A customer's answer to the pair's customer half.
void AddCustomerAnswer(sapi::ScoreResponsesRequest& req, const std::string& respondent,
                       const std::string& organization) {
  sapi::SuppliedAnswer* a = req.add_answers();
  a->set_respondent_id(respondent);
  a->set_perspective(type::PERSPECTIVE_CUSTOMER);
  a->set_customer_organization(organization);
  a->set_item_id("triage.customer");
  a->set_value(3);
}

// The one violation of a refused ScoreResponses call, as "field: description".
std::string Refusal(ScoringRpcCore& core, const sapi::ScoreResponsesRequest& req) {
  sapi::ScoreResponsesResponse resp;
  absl::Status s = core.ScoreResponses(Facilitator(), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_FALSE(resp.has_scorecard());
  std::vector<FieldViolation> violations = ViolationsOf(s);
  EXPECT_THAT(violations, SizeIs(1)) << s;
  return violations.empty() ? "" : violations[0].field + ": " + violations[0].description;
}

TEST_F(ScoringRpcCoreTest, SuppliedAnswersUpToTheLimitsAreScored) {
  sapi::ScoreResponsesRequest req = Responses();
  for (int i = 1; i < kMaxSuppliedRespondents; ++i) {
    AddCustomerAnswer(req, absl::StrCat("c", i),
                      absl::StrCat("org-", i % kMaxSuppliedOrganizations));
  }
  sapi::ExpectedRespondents* provider = req.add_expected_respondents();
  *provider->mutable_group() = ProviderGroup();
  *req.add_expected_respondents()->mutable_group() = AllCustomers();
  for (int i = 0; i < kMaxSuppliedOrganizations; ++i) {
    *req.add_expected_respondents()->mutable_group() = Organization(absl::StrCat("org-", i));
  }
  ASSERT_EQ(req.expected_respondents_size(), kMaxExpectedRespondents);
  sapi::ScoreResponsesResponse resp;
  absl::Status s = core_.ScoreResponses(Facilitator(), req, &resp);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_NE(FindArea(resp.scorecard(), "incident", Organization("org-499")), nullptr);
}

TEST_F(ScoringRpcCoreTest, TooManySuppliedAnswersAreRefusedNamingTheLimit) {
  sapi::ScoreResponsesRequest req = Responses();
  for (int i = 1; i <= kMaxSuppliedAnswers; ++i) AddCustomerAnswer(req, "c1", "north");
  EXPECT_EQ(Refusal(core_, req), "answers: 100001 answers; at most 100000 per call");
}

TEST_F(ScoringRpcCoreTest, TooManySuppliedRespondentsAreRefusedAtTheFirstPastTheLimit) {
  sapi::ScoreResponsesRequest req = Responses();  // respondent r1
  for (int i = 1; i <= kMaxSuppliedRespondents; ++i) {
    AddCustomerAnswer(req, absl::StrCat("c", i), "north");
  }
  EXPECT_EQ(Refusal(core_, req),
            "answers[5000].respondent_id: respondent 5001 of the call; at most 5000 distinct "
            "respondent ids per call");
}

TEST_F(ScoringRpcCoreTest, TooManySuppliedOrganizationsAreRefusedAtTheFirstPastTheLimit) {
  sapi::ScoreResponsesRequest req = Responses();
  for (int i = 0; i <= kMaxSuppliedOrganizations; ++i) {
    AddCustomerAnswer(req, "c1", absl::StrCat("org-", i));
  }
  EXPECT_EQ(Refusal(core_, req),
            "answers[501].customer_organization: organisation 501 of the call; at most 500 "
            "distinct customer organisations per call");
}

TEST_F(ScoringRpcCoreTest, TooManyExpectedRespondentsAreRefusedNamingTheLimit) {
  sapi::ScoreResponsesRequest req = Responses();
  for (int i = 0; i <= kMaxExpectedRespondents; ++i) {
    *req.add_expected_respondents()->mutable_group() = Organization(absl::StrCat("org-", i));
  }
  EXPECT_EQ(Refusal(core_, req),
            "expected_respondents: 503 entries; at most 502 (PROVIDER, ALL_CUSTOMERS and up to "
            "500 organisations)");
}

TEST_F(ScoringRpcCoreTest, SuppliedAnswersForAnotherTenantAreNotFound) {
  sapi::ScoreResponsesResponse resp;
  EXPECT_EQ(core_.ScoreResponses(Facilitator("globex"), Responses(), &resp).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ScoringRpcCoreTest, ARecordedScorecardsFigureIsExplainedFromItsSession) {
  ASSERT_TRUE(ScoreSession(false, Facilitator()).ok());
  sapi::ExplainScoreRequest req;
  req.set_parent("tenants/acme");
  req.set_scorecard("tenants/acme/scorecards/review-1");
  req.mutable_figure()->set_kind(sapi::FIGURE_KIND_AREA_SCORE);
  req.mutable_figure()->set_area_id("incident");
  *req.mutable_figure()->mutable_group() = ProviderGroup();
  sapi::ExplainScoreResponse resp;
  absl::Status s = core_.ExplainScore(Facilitator(), req, &resp);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_DOUBLE_EQ(resp.explanation().value(), 0.7);
  EXPECT_THAT(resp.explanation().answers(), SizeIs(2));

  req.clear_figure();
  EXPECT_EQ(core_.ExplainScore(Facilitator(), req, &resp).code(),
            absl::StatusCode::kInvalidArgument);
  req.mutable_figure()->set_kind(sapi::FIGURE_KIND_AREA_SCORE);
  req.mutable_figure()->set_area_id("incident");
  req.set_scorecard("tenants/acme/scorecards/missing");
  EXPECT_EQ(core_.ExplainScore(Facilitator(), req, &resp).code(), absl::StatusCode::kNotFound);
}

TEST_F(ScoringRpcCoreTest, ARecordedScorecardIsExplainedWithTheThresholdItWasScoredWith) {
  models_.min_respondents = 5;
  absl::StatusOr<sapi::Scorecard> card = ScoreSession(false, Facilitator());
  ASSERT_TRUE(card.ok()) << card.status();
  models_.min_respondents = 1;  // the tenant lowers its threshold after the close

  sapi::ExplainScoreRequest req;
  req.set_parent("tenants/acme");
  req.set_scorecard("tenants/acme/scorecards/review-1");
  req.mutable_figure()->set_kind(sapi::FIGURE_KIND_COVERAGE);
  *req.mutable_figure()->mutable_group() = ProviderGroup();
  auto min_respondents_in = [&](const sapi::ExplainScoreRequest& r) -> double {
    sapi::ExplainScoreResponse resp;
    absl::Status s = core_.ExplainScore(Facilitator(), r, &resp);
    EXPECT_TRUE(s.ok()) << s;
    for (const auto& v : resp.explanation().intermediate_values()) {
      if (v.label() == "min_respondents") return v.value();
    }
    ADD_FAILURE() << "no min_respondents in " << resp.DebugString();
    return -1;
  };
  EXPECT_EQ(min_respondents_in(req), 5);
  // The session itself, scored now, takes the tenant's current threshold.
  req.set_session(card->session());
  EXPECT_EQ(min_respondents_in(req), 1);
}

// The largest scorecard the limits above allow is a message every Lagom service sends and every
// channel between them receives (common/channel.h): 300 items (the most a model holds), all
// answered by both perspectives, 500 organisations of one respondent each answering about two
// thirds of the items (so nearly every answer is a figure of its own), 10 provider respondents,
// and names as long as ids allow for 10 000 services and every organisation.
TEST(ScorecardSizeTest, TheLargestScorecardTheLimitsAllowIsAMessageServicesExchange) {
  RandomShape shape;
  shape.areas = 30;
  shape.items_per_area = 10;
  shape.providers = 10;
  shape.customers = kMaxSuppliedOrganizations;
  shape.organizations = kMaxSuppliedOrganizations;
  shape.answer_probability = 0.63;
  shape.na_probability = 0.05;
  shape.all_both = true;
  shape.revote_probability = 0;
  std::mt19937 random(20261124);
  const ScoringInput input = RandomInput(shape, random);
  ASSERT_LE(input.answers.size(), size_t{kMaxSuppliedAnswers});
  ASSERT_GT(input.answers.size(), size_t{kMaxSuppliedAnswers} * 9 / 10);
  absl::StatusOr<sapi::Scorecard> card = Score(input);
  ASSERT_TRUE(card.ok()) << card.status();
  const std::string id(63, 'x');  // ids are at most 63 characters
  const std::string tenant = absl::StrCat("tenants/", id);
  for (int i = 0; i < 10000; ++i) card->add_services(absl::StrCat(tenant, "/services/", id));
  for (int i = 0; i < kMaxSuppliedOrganizations; ++i) {
    card->add_customer_organizations(absl::StrCat(tenant, "/customerOrganizations/", id));
  }
  card->set_name(absl::StrCat(tenant, "/scorecards/", id));
  card->set_session(absl::StrCat(tenant, "/sessions/", id));
  card->set_title(std::string(200, 'x'));
  const size_t bytes = card->ByteSizeLong();
  // Measured at about 19 MB: the limit leaves room for more than three times as much.
  EXPECT_GT(bytes, size_t{10} << 20) << "no longer the largest: the shape above needs a look";
  EXPECT_LT(bytes, size_t{kMaxMessageBytes} * 3 / 10) << bytes << " bytes";
}

}  // namespace
}  // namespace lagom::scoring
