#include "services/session/core/model_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "services/session/core/fake_session_store.h"
#include "services/session/core/session_common.h"

namespace lagom::session {
namespace {

namespace api = ::lagom::session::v1;
namespace type = ::lagom::type::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr auto kProvider = api::PARTICIPANT_PERSPECTIVE_PROVIDER;
constexpr auto kCustomer = api::PARTICIPANT_PERSPECTIVE_CUSTOMER;
constexpr auto kFacilitator = api::PARTICIPANT_PERSPECTIVE_FACILITATOR;

void AddItem(qapi::Area& area, const std::string& id, qapi::ItemPerspective perspective,
             qapi::Scale scale) {
  qapi::Item* item = area.add_items();
  item->set_id(id);
  item->set_perspective(perspective);
  item->set_scale(scale);
}

// incident (required): triage PROVIDER 0-5, feel CUSTOMER Likert with N/A and SERVQUAL both,
// sla BOTH yes/no. knowledge (skippable): reuse BOTH SAMM with descriptors out of order.
qapi::ModelContent Model() {
  qapi::ModelContent content;
  qapi::Area* incident = content.add_areas();
  incident->set_id("incident");
  incident->set_lineage_id("incident-mgmt");
  incident->set_default_target_score(0.6);
  AddItem(*incident, "incident.triage", qapi::ITEM_PERSPECTIVE_PROVIDER, qapi::SCALE_MATURITY_0_5);
  AddItem(*incident, "incident.feel", qapi::ITEM_PERSPECTIVE_CUSTOMER, qapi::SCALE_LIKERT_5);
  incident->mutable_items(1)->set_na_allowed(true);
  incident->mutable_items(1)->set_servqual_aspect(qapi::SERVQUAL_ASPECT_BOTH);
  AddItem(*incident, "incident.sla", qapi::ITEM_PERSPECTIVE_BOTH, qapi::SCALE_YES_NO);

  qapi::Area* knowledge = content.add_areas();
  knowledge->set_id("knowledge");
  knowledge->set_skippable(true);
  knowledge->set_default_target_score(0.5);
  AddItem(*knowledge, "knowledge.reuse", qapi::ITEM_PERSPECTIVE_BOTH, qapi::SCALE_SAMM_4);
  for (double value : {0.5, 0.0, 1.0, 0.25}) {
    knowledge->mutable_items(0)->add_level_descriptors()->set_value(value);
  }
  return content;
}

api::SessionScope Scope(std::vector<std::string> area_ids) {
  api::SessionScope scope;
  for (const std::string& id : area_ids) scope.add_area_ids(id);
  return scope;
}

ModelIndex Index(std::vector<std::string> area_ids = {}) {
  absl::StatusOr<ModelIndex> index = ModelIndex::Build(Model(), Scope(std::move(area_ids)));
  EXPECT_TRUE(index.ok()) << index.status();
  return *std::move(index);
}

api::Answer ValueAnswer(const std::string& item_id, double value) {
  api::Answer answer;
  answer.set_item_id(item_id);
  answer.set_value(value);
  return answer;
}

// Every violation CheckAnswer finds, as "field: description".
std::vector<std::string> Problems(const ModelIndex& index, api::ParticipantPerspective who,
                                  const api::Answer& answer) {
  Violations v;
  index.CheckAnswer(who, answer, "answer", v);
  if (v.empty()) return {};
  std::vector<std::string> problems;
  for (const FieldViolation& f : ViolationsOf(std::move(v).ToStatus("bad answer"))) {
    problems.push_back(f.field + ": " + f.description);
  }
  return problems;
}

TEST(ModelIndexTest, EmptyScopeTakesEveryAreaInModelOrder) {
  ModelIndex index = Index();
  EXPECT_THAT(index.items(),
              ElementsAre("incident.triage", "incident.feel", "incident.sla", "knowledge.reuse"));
  const ItemRule* feel = index.Find("incident.feel");
  ASSERT_NE(feel, nullptr);
  EXPECT_EQ(feel->area_id, "incident");
  EXPECT_TRUE(feel->na_allowed);
  EXPECT_TRUE(feel->wants_expectation);
  EXPECT_FALSE(index.Find("incident.triage")->wants_expectation);
  EXPECT_EQ(index.Find("nope"), nullptr);
}

TEST(ModelIndexTest, ValuesComeFromDescriptorsSortedElseFromTheScale) {
  ModelIndex index = Index();
  EXPECT_THAT(index.Find("knowledge.reuse")->values, ElementsAre(0, 0.25, 0.5, 1));
  EXPECT_THAT(index.Find("incident.triage")->values, ElementsAre(0, 1, 2, 3, 4, 5));
  EXPECT_THAT(index.Find("incident.feel")->values, ElementsAre(1, 2, 3, 4, 5));
  EXPECT_THAT(index.Find("incident.sla")->values, ElementsAre(0, 1));

  qapi::ModelContent samm;
  AddItem(*samm.add_areas(), "s", qapi::ITEM_PERSPECTIVE_BOTH, qapi::SCALE_SAMM_4);
  samm.mutable_areas(0)->set_id("a");
  absl::StatusOr<ModelIndex> index_samm = ModelIndex::Build(samm, {});
  ASSERT_TRUE(index_samm.ok());
  EXPECT_THAT(index_samm->Find("s")->values, ElementsAre(0, 0.25, 0.5, 1));
}

TEST(ModelIndexTest, SkippableAreaCanBeLeftOut) {
  ModelIndex index = Index({"incident"});
  EXPECT_THAT(index.items(), ElementsAre("incident.triage", "incident.feel", "incident.sla"));
  EXPECT_EQ(index.Find("knowledge.reuse"), nullptr);
}

TEST(ModelIndexTest, UnknownAreaAndMissingRequiredAreaAreBothReported) {
  absl::StatusOr<ModelIndex> index = ModelIndex::Build(Model(), Scope({"knowledge", "billing"}));
  ASSERT_EQ(index.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(index.status().message(), HasSubstr("invalid session scope"));
  EXPECT_THAT(ViolationsOf(index.status()),
              UnorderedElementsAre(
                  FieldViolation{"session.scope.area_ids[1]",
                                 "unknown area 'billing'; the model's areas: incident, knowledge"},
                  FieldViolation{"session.scope.area_ids",
                                 "area 'incident' is not skippable and must be in scope"}));
}

TEST(ModelIndexTest, WhoAnswersWhat) {
  EXPECT_TRUE(ModelIndex::Answers(kProvider, qapi::ITEM_PERSPECTIVE_PROVIDER));
  EXPECT_TRUE(ModelIndex::Answers(kProvider, qapi::ITEM_PERSPECTIVE_BOTH));
  EXPECT_FALSE(ModelIndex::Answers(kProvider, qapi::ITEM_PERSPECTIVE_CUSTOMER));
  EXPECT_TRUE(ModelIndex::Answers(kCustomer, qapi::ITEM_PERSPECTIVE_CUSTOMER));
  EXPECT_TRUE(ModelIndex::Answers(kCustomer, qapi::ITEM_PERSPECTIVE_BOTH));
  EXPECT_FALSE(ModelIndex::Answers(kCustomer, qapi::ITEM_PERSPECTIVE_PROVIDER));
  EXPECT_FALSE(ModelIndex::Answers(kFacilitator, qapi::ITEM_PERSPECTIVE_BOTH));

  ModelIndex index = Index();
  EXPECT_THAT(index.ExpectedItems(kProvider),
              ElementsAre("incident.triage", "incident.sla", "knowledge.reuse"));
  EXPECT_THAT(index.ExpectedItems(kCustomer),
              ElementsAre("incident.feel", "incident.sla", "knowledge.reuse"));
  EXPECT_THAT(index.ExpectedItems(kFacilitator), IsEmpty());
}

TEST(ModelIndexTest, AcceptsValidAnswers) {
  ModelIndex index = Index();
  EXPECT_THAT(Problems(index, kProvider, ValueAnswer("incident.triage", 3)), IsEmpty());
  EXPECT_THAT(Problems(index, kCustomer, ValueAnswer("knowledge.reuse", 0.25)), IsEmpty());
  EXPECT_THAT(Problems(index, kProvider, ValueAnswer("incident.sla", 1)), IsEmpty());

  api::Answer servqual = ValueAnswer("incident.feel", 4);
  servqual.set_expectation_value(5);
  servqual.set_comment("Mostly fine");
  servqual.set_evidence_uri("https://wiki.example.com/incidents");
  EXPECT_THAT(Problems(index, kCustomer, servqual), IsEmpty());

  api::Answer na;
  na.set_item_id("incident.feel");
  na.set_not_applicable(true);
  EXPECT_THAT(Problems(index, kCustomer, na), IsEmpty());
}

TEST(ModelIndexTest, ValueOffTheScaleNamesTheAllowedValues) {
  ModelIndex index = Index();
  EXPECT_THAT(
      Problems(index, kProvider, ValueAnswer("incident.triage", 3.5)),
      ElementsAre("answer.value: 3.5 is not on the item's scale; allowed: 0, 1, 2, 3, 4, 5"));
  EXPECT_THAT(
      Problems(index, kProvider, ValueAnswer("knowledge.reuse", 0.3)),
      ElementsAre("answer.value: 0.3 is not on the item's scale; allowed: 0, 0.25, 0.5, 1"));
}

TEST(ModelIndexTest, RejectsItemsTheParticipantCannotAnswer) {
  ModelIndex index = Index({"incident"});
  EXPECT_THAT(Problems(index, kCustomer, ValueAnswer("incident.triage", 3)),
              ElementsAre("answer.item_id: item 'incident.triage' is answered by PROVIDER "
                          "respondents, not CUSTOMER"));
  EXPECT_THAT(Problems(index, kFacilitator, ValueAnswer("incident.sla", 1)),
              ElementsAre("answer.item_id: facilitators do not answer items"));
  EXPECT_THAT(Problems(index, kProvider, ValueAnswer("incident.nope", 1)),
              ElementsAre("answer.item_id: unknown item 'incident.nope' (not in the session's "
                          "model version)"));
  EXPECT_THAT(Problems(index, kProvider, ValueAnswer("knowledge.reuse", 1)),
              ElementsAre("answer.item_id: item 'knowledge.reuse' is not in the session's scope"));
  EXPECT_THAT(Problems(index, kProvider, ValueAnswer("", 1)),
              ElementsAre("answer.item_id: required"));
}

TEST(ModelIndexTest, ResponseMustBeAValueOrAnAllowedNotApplicable) {
  ModelIndex index = Index();
  api::Answer none;
  none.set_item_id("incident.triage");
  EXPECT_THAT(Problems(index, kProvider, none),
              ElementsAre("answer.value: required: a value of the item's scale (allowed: 0, 1, 2, "
                          "3, 4, 5)"));

  api::Answer na_false;
  na_false.set_item_id("incident.feel");
  na_false.set_not_applicable(false);
  EXPECT_THAT(Problems(index, kCustomer, na_false),
              ElementsAre("answer.not_applicable: must be true when set"));

  api::Answer na = na_false;
  na.set_item_id("incident.triage");
  na.set_not_applicable(true);
  EXPECT_THAT(Problems(index, kProvider, na),
              ElementsAre("answer.not_applicable: item 'incident.triage' does not allow N/A"));
}

TEST(ModelIndexTest, ExpectationValueOnlyWhereTheItemTakesOne) {
  ModelIndex index = Index();
  EXPECT_THAT(
      Problems(index, kCustomer, ValueAnswer("incident.feel", 4)),
      ElementsAre(HasSubstr("answer.expectation_value: required for item 'incident.feel'")));

  api::Answer off_scale = ValueAnswer("incident.feel", 4);
  off_scale.set_expectation_value(0);
  EXPECT_THAT(Problems(index, kCustomer, off_scale),
              ElementsAre("answer.expectation_value: 0 is not on the item's scale; allowed: 1, 2, "
                          "3, 4, 5"));

  api::Answer unwanted = ValueAnswer("incident.triage", 2);
  unwanted.set_expectation_value(3);
  EXPECT_THAT(Problems(index, kProvider, unwanted),
              ElementsAre("answer.expectation_value: item 'incident.triage' takes no expectation "
                          "value"));

  // Scoring takes no expectation beside N/A: stored, such an answer stopped its session from
  // ever being scored.
  api::Answer na;
  na.set_item_id("incident.feel");
  na.set_not_applicable(true);
  na.set_expectation_value(4);
  EXPECT_THAT(Problems(index, kCustomer, na),
              ::testing::Contains("answer.expectation_value: an N/A answer has no expectation "
                                  "value"));
}

TEST(ModelIndexTest, ChecksCommentAndEvidenceUri) {
  ModelIndex index = Index();
  api::Answer answer = ValueAnswer("incident.triage", 2);
  answer.set_comment(std::string(2001, 'x'));
  answer.set_evidence_uri("ftp://files.example.com/report");
  EXPECT_THAT(Problems(index, kProvider, answer),
              ElementsAre("answer.comment: at most 2000 characters (got 2001)",
                          "answer.evidence_uri: must be an http:// or https:// URI"));

  answer.set_comment(std::string(2000, 'x'));
  answer.set_evidence_uri("https://");
  EXPECT_THAT(Problems(index, kProvider, answer),
              ElementsAre("answer.evidence_uri: must be an http:// or https:// URI"));

  answer.set_evidence_uri("http://" + std::string(2000, 'a'));
  EXPECT_THAT(Problems(index, kProvider, answer),
              ElementsAre(HasSubstr("answer.evidence_uri: at most 2000 characters")));

  answer.set_evidence_uri(std::string("https://wiki\0.example.com", 25));
  answer.set_comment(std::string("two\r\nlines, then \0", 20));
  EXPECT_THAT(Problems(index, kProvider, answer),
              ElementsAre("answer.comment: must not hold control characters (byte 0x00 at "
                          "offset 17)",
                          "answer.evidence_uri: must not hold control characters (byte 0x00 at "
                          "offset 12)"));
}

TEST(ModelIndexTest, EffectiveTargetsPreferSessionThenTenantLineageThenModel) {
  ModelIndex index = Index();
  auto target = [](const std::string& area, double score) {
    type::AreaTarget t;
    t.set_area_id(area);
    t.set_target_score(score);
    return t;
  };
  // The tenant names areas by lineage: "incident-mgmt" applies, "incident" does not.
  std::vector<type::AreaTarget> tenant = {target("incident", 0.9), target("incident-mgmt", 0.8),
                                          target("knowledge", 0.4)};
  std::vector<type::AreaTarget> session = {target("incident", 0.7)};

  std::vector<type::AreaTarget> effective = index.EffectiveTargets(tenant, session);
  ASSERT_EQ(effective.size(), 2u);
  EXPECT_EQ(effective[0].area_id(), "incident");
  EXPECT_DOUBLE_EQ(effective[0].target_score(), 0.7);
  EXPECT_EQ(effective[0].source(), type::TARGET_SOURCE_SESSION);
  EXPECT_EQ(effective[1].area_id(), "knowledge");
  EXPECT_DOUBLE_EQ(effective[1].target_score(), 0.4);
  EXPECT_EQ(effective[1].source(), type::TARGET_SOURCE_TENANT);

  effective = index.EffectiveTargets(tenant, {});
  EXPECT_DOUBLE_EQ(effective[0].target_score(), 0.8);
  EXPECT_EQ(effective[0].source(), type::TARGET_SOURCE_TENANT);

  effective = index.EffectiveTargets({target("incident", 0.9)}, {});
  EXPECT_DOUBLE_EQ(effective[0].target_score(), 0.6);
  EXPECT_EQ(effective[0].source(), type::TARGET_SOURCE_MODEL_DEFAULT);
  EXPECT_DOUBLE_EQ(effective[1].target_score(), 0.5);
  EXPECT_EQ(effective[1].source(), type::TARGET_SOURCE_MODEL_DEFAULT);
}

// A session deleted and made again with the same id and model but another scope gets the
// index of its own scope, however long the replica has run.
TEST(ModelIndexCacheTest, AnIndexIsOfTheSessionsOwnScope) {
  FakeSessionStore store;
  ModelIndexCache cache;
  RequestContext rc;
  rc.tenant_id = "acme";
  auto index_of = [&](std::vector<std::string> area_ids) {
    api::Session session;
    session.set_name("tenants/acme/sessions/s1");
    session.set_model_content_hash("hash-1");
    *session.mutable_scope() = Scope(std::move(area_ids));
    std::shared_ptr<const ModelIndex> index;
    EXPECT_TRUE(store
                    .InTenant(rc,
                              [&](SessionTransaction& tx) -> absl::Status {
                                if (absl::Status s =
                                        tx.PinModel("s1", "hash-1", Model().SerializeAsString());
                                    !s.ok()) {
                                  return s;
                                }
                                absl::StatusOr<std::shared_ptr<const ModelIndex>> got =
                                    cache.Get(tx, rc, "s1", session);
                                if (!got.ok()) return got.status();
                                index = *std::move(got);
                                return absl::OkStatus();
                              })
                    .ok());
    return index;
  };
  ASSERT_NE(index_of({"incident"}), nullptr);
  EXPECT_EQ(index_of({"incident"})->Find("knowledge.reuse"), nullptr);
  std::shared_ptr<const ModelIndex> wider = index_of({"incident", "knowledge"});
  ASSERT_NE(wider, nullptr);
  EXPECT_NE(wider->Find("knowledge.reuse"), nullptr);
}

}  // namespace
}  // namespace lagom::session
