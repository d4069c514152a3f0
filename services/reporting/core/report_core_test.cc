#include "services/reporting/core/report_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "services/reporting/core/fake_scorecard_store.h"
#include "services/reporting/testing/scorecard_builder.h"

namespace lagom::reporting {
namespace {

using testing::BuildScorecard;
using ::testing::HasSubstr;
using testing::ItsmAreas;
using ::testing::Not;
using testing::ScorecardSpec;

const absl::Time kNow = absl::FromUnixSeconds(1750000000);

class NoSources final : public ReportSources {
 public:
  absl::StatusOr<questionnaire::v1::ModelContent> ModelContent(const RequestContext&,
                                                               const std::string&) override {
    return questionnaire::v1::ModelContent();
  }
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> DisplayNames(
      const RequestContext&) override {
    return absl::flat_hash_map<std::string, std::string>();
  }
  absl::StatusOr<std::string> DefaultLanguage(const RequestContext&) override { return "en"; }
  absl::StatusOr<std::vector<ReportComment>> Comments(const RequestContext&,
                                                      const std::string&) override {
    return std::vector<ReportComment>();
  }
};

sapi::Scorecard Card(const std::string& session, std::vector<std::string> services,
                     std::vector<std::string> organizations, absl::Duration ago) {
  ScorecardSpec spec;
  spec.tenant = "acme";
  spec.session_id = session;
  spec.close_time = kNow - ago;
  spec.service_ids = std::move(services);
  spec.organization_ids = std::move(organizations);
  spec.areas = ItsmAreas(0.6, 0.5);
  return BuildScorecard(spec);
}

// The trend beside a scorecard is of assessments of the same services; a report for customers
// shows no earlier session's customer figures but those of its own customers.
TEST(InTrendOfTest, TheSameServicesAndForCustomersOnlyTheirOwnSessions) {
  const sapi::Scorecard card = Card("now", {"email", "print"}, {"north", "south"}, {});
  const sapi::Scorecard same = Card("then", {"print", "email"}, {"north"}, absl::Hours(24));
  const sapi::Scorecard fewer = Card("then", {"email"}, {"north"}, absl::Hours(24));
  const sapi::Scorecard other = Card("then", {"email", "print"}, {"west"}, absl::Hours(24));
  const std::string north = "tenants/acme/customerOrganizations/north";
  const std::string south = "tenants/acme/customerOrganizations/south";

  EXPECT_TRUE(InTrendOf(card, same, false, ""));
  EXPECT_FALSE(InTrendOf(card, fewer, false, ""));
  EXPECT_TRUE(InTrendOf(card, other, false, "")) << "the provider sees every customer";

  EXPECT_TRUE(InTrendOf(card, same, true, north));
  EXPECT_FALSE(InTrendOf(card, same, true, south)) << "south did not take part then";
  EXPECT_TRUE(InTrendOf(card, same, true, ""));
  EXPECT_FALSE(InTrendOf(card, other, true, "")) << "west is not among this session's customers";
}

// A report's ◆ is the score of the scorecard it shows, not the tenant's latest.
TEST(PlaceOnBenchmarkTest, TheScorecardShownIsPlacedNotTheLatest) {
  ScorecardSpec spec;
  spec.tenant = "acme";
  spec.session_id = "older";
  spec.close_time = kNow - absl::Hours(24 * 90);
  spec.areas = {testing::AreaSpec{"change", "lin.change", 0.5, 0.35, 0.6}};
  const sapi::Scorecard older = BuildScorecard(spec);
  api::GetBenchmarkResponse benchmark;
  api::AreaBenchmark* change = benchmark.add_areas();
  change->set_area_lineage_id("lin.change");
  change->set_own_score(0.8);  // the tenant's latest
  api::AreaBenchmark* other = benchmark.add_areas();
  other->set_area_lineage_id("lin.other");
  other->set_own_score(0.6);
  PlaceOnBenchmark(older, benchmark);
  EXPECT_DOUBLE_EQ(benchmark.areas(0).own_score(), 0.35);
  EXPECT_FALSE(benchmark.areas(1).has_own_score()) << "an area the scorecard does not have";
}

class ReportCoreTest : public ::testing::Test {
 protected:
  ReportCoreTest() : history_(store_, settings_, [] { return kNow; }), core_(history_, sources_) {
    settings_.Set("acme", true);
  }

  std::string Record(const sapi::Scorecard& card) {
    api::RecordScorecardRequest req;
    req.set_parent("tenants/acme");
    *req.mutable_scorecard() = card;
    api::RecordScorecardResponse resp;
    RequestContext rc;
    rc.tenant_id = "acme";
    EXPECT_TRUE(history_.RecordScorecard(rc, req, &resp).ok());
    return resp.scorecard().name();
  }

  absl::StatusOr<std::string> Render(const std::string& scorecard, const std::string& org,
                                     const std::string& baseline = "") {
    api::RenderReportRequest req;
    req.set_scorecard(scorecard);
    req.set_audience(api::REPORT_AUDIENCE_CUSTOMER_SHAREABLE);
    req.set_customer_organization(org);
    req.set_baseline_scorecard(baseline);
    api::RenderReportResponse resp;
    RequestContext rc;
    rc.tenant_id = "acme";
    if (absl::Status s = core_.RenderReport(rc, req, &resp); !s.ok()) return s;
    return resp.content();
  }

  FakeScorecardStore store_;
  FakeTenantSettings settings_;
  NoSources sources_;
  ReportingCore history_;
  ReportCore core_;
};

TEST_F(ReportCoreTest, AReportForACustomerDrawsNoTrendOfSessionsItDidNotTakePartIn) {
  const std::string north = "tenants/acme/customerOrganizations/north";
  const std::string south = "tenants/acme/customerOrganizations/south";
  const std::string only_south = Record(Card("q1", {"email"}, {"south"}, absl::Hours(48)));
  Record(Card("q1-print", {"print"}, {"north"}, absl::Hours(36)));
  const std::string now = Record(Card("q2", {"email"}, {"north", "south"}, absl::Hours(1)));

  absl::StatusOr<std::string> for_north = Render(now, north);
  ASSERT_TRUE(for_north.ok()) << for_north.status();
  EXPECT_THAT(*for_north, HasSubstr("class=\"first-assessment\""))
      << "north took part in no earlier session of these services";
  absl::StatusOr<std::string> for_south = Render(now, south);
  ASSERT_TRUE(for_south.ok()) << for_south.status();
  EXPECT_THAT(*for_south, Not(HasSubstr("class=\"first-assessment\"")));
  EXPECT_THAT(*for_south, HasSubstr("class=\"trend\""));

  // Nor may the provider compare north's report with south's session explicitly.
  absl::StatusOr<std::string> compared = Render(now, north, only_south);
  EXPECT_EQ(compared.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(ViolationsOf(compared.status()).size(), 1u);
  EXPECT_EQ(ViolationsOf(compared.status())[0].field, "baseline_scorecard");
  EXPECT_THAT(ViolationsOf(compared.status())[0].description,
              HasSubstr("tenants/acme/customerOrganizations/north did not take part"));
}

// An export goes back in one reply: one larger than a reply holds is refused, saying what
// reads the scorecard instead, rather than failing in gRPC.
TEST_F(ReportCoreTest, AnExportLargerThanAReplyIsRefusedNamingWhatReadsItInstead) {
  sapi::Scorecard card = Card("huge", {"email"}, {"south"}, absl::Hours(1));
  testing::PadScorecard(card, 66);
  const std::string name = Record(card);
  api::ExportScorecardRequest req;
  req.set_name(name);
  req.set_format(api::EXPORT_FORMAT_JSON);
  api::ExportScorecardResponse resp;
  RequestContext rc;
  rc.tenant_id = "acme";
  absl::Status refused = core_.ExportScorecard(rc, req, &resp);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_EQ(ReasonOf(refused), "RESULT_TOO_LARGE");
  EXPECT_THAT(refused.message(), HasSubstr("GetScorecard"));
  EXPECT_TRUE(resp.content().empty());
}

// A baseline is an earlier assessment: the report's own scorecard, or a later one, would draw
// its trend backwards ("since last" with the sign reversed).
TEST_F(ReportCoreTest, ABaselineIsAnEarlierAssessment) {
  const std::string south = "tenants/acme/customerOrganizations/south";
  const std::string before = Record(Card("q1", {"email"}, {"south"}, absl::Hours(48)));
  const std::string now = Record(Card("q2", {"email"}, {"south"}, absl::Hours(24)));
  const std::string later = Record(Card("q3", {"email"}, {"south"}, absl::Hours(1)));
  EXPECT_TRUE(Render(now, south, before).ok());
  for (const std::string& baseline : {now, later}) {
    absl::StatusOr<std::string> refused = Render(now, south, baseline);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << baseline;
    ASSERT_EQ(ViolationsOf(refused.status()).size(), 1u);
    EXPECT_EQ(ViolationsOf(refused.status())[0].field, "baseline_scorecard");
    EXPECT_THAT(ViolationsOf(refused.status())[0].description, HasSubstr("earlier assessment"));
  }
}

}  // namespace
}  // namespace lagom::reporting
