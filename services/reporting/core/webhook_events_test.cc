// What an ITSM platform receives about a recorded scorecard.
#include "services/reporting/core/webhook_events.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/auth/webhook_limits.h"
#include "lagom/auth/v1/auth.pb.h"
#include "services/reporting/testing/scorecard_builder.h"

namespace lagom::reporting {
namespace {

using testing::BuildScorecard;
using ::testing::HasSubstr;
using testing::ItsmAreas;
using testing::ScorecardSpec;
using ::testing::StartsWith;

auth::v1::PublishWebhookEventRequest Parsed(const OutboxEvent& e) {
  auth::v1::PublishWebhookEventRequest req;
  EXPECT_TRUE(req.ParseFromString(e.payload));
  return req;
}

// `service_ids`: ids in the tenant's catalogue.
scoring::v1::Scorecard Recorded(std::vector<std::string> service_ids) {
  ScorecardSpec spec;
  spec.tenant = "acme";
  spec.session_id = "spring";
  spec.title = "Spring review";
  spec.close_time = absl::FromUnixSeconds(1750000000);
  spec.service_ids = std::move(service_ids);
  spec.areas = ItsmAreas(0.7, 0.3);  // customers below target everywhere: many improvements
  scoring::v1::Scorecard s = BuildScorecard(spec);
  s.set_name("tenants/acme/scorecards/spring");
  s.mutable_create_time()->set_seconds(1750000100);
  return s;
}

TEST(PriorityOfTest, RankSetsTheLevelAndAQuickWinRaisesItButNeverToCritical) {
  EXPECT_EQ(PriorityOf(1, false).priority, 2);
  EXPECT_EQ(PriorityOf(3, false).priority, 2);
  EXPECT_EQ(PriorityOf(4, false).priority, 3);
  EXPECT_EQ(PriorityOf(6, false).priority, 3);
  EXPECT_EQ(PriorityOf(7, false).priority, 4);
  EXPECT_EQ(PriorityOf(1, true).priority, 2);
  EXPECT_EQ(PriorityOf(5, true).priority, 2);
  EXPECT_EQ(PriorityOf(9, true).priority, 3);
  // Impact and urgency give the same priority in ServiceNow's default matrix.
  EXPECT_EQ(PriorityOf(1, false).impact, 2);
  EXPECT_EQ(PriorityOf(1, false).urgency, 1);
  EXPECT_EQ(PriorityOf(4, false).jira, "Medium");
  EXPECT_EQ(PriorityOf(8, false).jira, "Low");
}

TEST(ScorecardWebhookEventsTest, ScorecardReadyThenTheTopImprovements) {
  const scoring::v1::Scorecard s = Recorded({"email"});
  ASSERT_GT(s.improvements_size(), kMaxProposedImprovements);
  const std::vector<OutboxEvent> events = ScorecardWebhookEvents("acme", s);
  ASSERT_EQ(events.size(), 1u + kMaxProposedImprovements);

  const auth::v1::PublishWebhookEventRequest ready = Parsed(events[0]);
  EXPECT_EQ(events[0].topic, "scorecard.ready");
  EXPECT_EQ(events[0].scorecard_id, "spring");
  EXPECT_EQ(ready.tenant_id(), "acme");
  EXPECT_EQ(ready.type(), "scorecard.ready");
  EXPECT_EQ(ready.resource(), s.name());
  EXPECT_EQ(ready.event_time().seconds(), 1750000100);
  EXPECT_EQ(ready.data().at("reportPath"), "/v1/tenants/acme/scorecards/spring:render");
  EXPECT_EQ(ready.data().at("improvementCount"), absl::StrCat(s.improvements_size()));
  EXPECT_EQ(ready.data().at("proposedImprovementCount"), absl::StrCat(kMaxProposedImprovements));

  for (int k = 1; k < static_cast<int>(events.size()); ++k) {
    const auth::v1::PublishWebhookEventRequest p = Parsed(events[k]);
    const scoring::v1::Improvement& i = s.improvements(k - 1);
    EXPECT_EQ(p.type(), "improvement.proposed");
    EXPECT_EQ(p.resource(), absl::StrCat(s.name(), "/improvements/", i.rank()));
    EXPECT_EQ(p.data().at("rank"), absl::StrCat(i.rank()));
    EXPECT_EQ(p.data().at("title"), i.title().translations().at("en"));
    EXPECT_THAT(p.data().at("description"), StartsWith(i.rationale().translations().at("en")));
    EXPECT_THAT(p.data().at("description"), HasSubstr("Spring review"));
    EXPECT_EQ(p.data().at("priority"), absl::StrCat(PriorityOf(i.rank(), i.quick_win()).priority));
    EXPECT_EQ(p.data().at("service"), "tenants/acme/services/email");
    EXPECT_EQ(p.data().at("scorecard"), s.name());
    EXPECT_EQ(p.data().at("correlationId"), p.resource());
    EXPECT_EQ(p.data().at("areaId"), i.area_id());
  }
}

TEST(ScorecardWebhookEventsTest, TheCatalogueEntryGivesTheServicesNameAndExternalId) {
  const scoring::v1::Scorecard s = Recorded({"email"});
  const std::vector<OutboxEvent> events =
      ScorecardWebhookEvents("acme", s,
                             CatalogEntry{"tenants/acme/services/email", "Workplace and email",
                                          "7c3f02d1db0a2010a1b2c3d4e5f60002"});
  for (const OutboxEvent& e : events) {
    const auth::v1::PublishWebhookEventRequest p = Parsed(e);
    EXPECT_EQ(p.data().at("serviceName"), "Workplace and email");
    EXPECT_EQ(p.data().at("serviceExternalId"), "7c3f02d1db0a2010a1b2c3d4e5f60002");
  }
  // An entry of another service than the scope's is not used.
  const auth::v1::PublishWebhookEventRequest other = Parsed(
      ScorecardWebhookEvents("acme", s, CatalogEntry{"tenants/acme/services/erp", "ERP", "x"})[1]);
  EXPECT_EQ(other.data().count("serviceName"), 0u);
}

TEST(ScorecardWebhookEventsTest, ServiceOnlyWhenTheScopeHasExactlyOne) {
  const scoring::v1::Scorecard two = Recorded({"email", "erp"});
  const auth::v1::PublishWebhookEventRequest p = Parsed(ScorecardWebhookEvents("acme", two)[1]);
  EXPECT_EQ(p.data().count("service"), 0u);
  EXPECT_EQ(p.data().at("services"), "tenants/acme/services/email,tenants/acme/services/erp");
}

// Whatever the scope and texts, every event is one the hand-over takes: a refused one would
// never reach the platform.
TEST(ScorecardWebhookEventsTest, EveryEventFitsTheHandOversLimitsHoweverLargeTheScope) {
  const std::string id(63, 's');  // ids are at most 63 characters
  std::vector<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.push_back(absl::StrCat(i, id).substr(0, 63));
  scoring::v1::Scorecard s = Recorded(ids);
  s.set_title(std::string(200, 't'));
  for (scoring::v1::Improvement& i : *s.mutable_improvements()) {
    (*i.mutable_title()->mutable_translations())["en"] = std::string(2000, 'i');
    (*i.mutable_rationale()->mutable_translations())["en"] = std::string(2000, 'r');
  }
  const std::vector<OutboxEvent> events = ScorecardWebhookEvents("acme", s);
  ASSERT_EQ(events.size(), 1u + kMaxProposedImprovements);
  for (const OutboxEvent& e : events) {
    const auth::v1::PublishWebhookEventRequest p = Parsed(e);
    EXPECT_LE(p.data_size(), auth::kMaxWebhookDataEntries);
    for (const auto& [key, value] : p.data()) {
      EXPECT_LE(value.size(), auth::kMaxWebhookDataValueChars) << e.topic << " " << key;
    }
    EXPECT_EQ(p.data().at("serviceCount"), "10000");
    const std::string& listed = p.data().at("services");
    EXPECT_THAT(listed, StartsWith(absl::StrCat(s.services(0), ",", s.services(1), ",")));
    EXPECT_GT(listed.size(), auth::kMaxWebhookDataValueChars - 100) << "as many as fit";
  }
}

TEST(ScorecardWebhookEventsTest, NoImprovementsMeansScorecardReadyAlone) {
  scoring::v1::Scorecard s = Recorded({});
  s.clear_improvements();
  const std::vector<OutboxEvent> events = ScorecardWebhookEvents("acme", s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(Parsed(events[0]).data().at("proposedImprovementCount"), "0");
}

}  // namespace
}  // namespace lagom::reporting
