// The customer-shareable report: no comments, no other organisation, and no figure from fewer
// respondents than the scorecard's min_respondents (3 in the example, where Fjord has 2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "services/reporting/render/report.h"
#include "services/reporting/render/report_fixture.h"
#include "services/reporting/render/report_test_support.h"

namespace lagom::reporting {
namespace {

using namespace ::lagom::reporting::testing;  // NOLINT(build/namespaces): builders of this test
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Figures that only Fjord's two respondents produced (report_fixture.h): its area scores
// 43 %, 37 %, 64 %, 26 % and its response rate 2 of 6.
constexpr const char* kFjordFigures[] = {">43%", ">37%", ">64%", ">26%", ">33%"};
// Nordbank's own area scores and response rate (5 of 8).
constexpr const char* kNordbankFigures[] = {">58%", ">62%", ">71%", ">48%", ">63%"};
constexpr const char* kCommentTexts[] = {"Tickets bounce", "The CAB meets", "The portal is slow"};

class ShareableReportTest : public ::testing::Test {
 protected:
  std::string Render(const std::string& organization) {
    ReportInput input = fixture_.Input();
    input.audience = reporting_api::REPORT_AUDIENCE_CUSTOMER_SHAREABLE;
    input.customer_organization = organization;
    return RenderOk(input);
  }

  ReportFixture fixture_ = ExampleFixture();
};

TEST_F(ShareableReportTest, ForOneOrganisationShowsItsOwnFiguresAndNoOtherOrganisation) {
  const std::string html = Render(kNordbank);
  EXPECT_THAT(html, AllOf(Not(HasSubstr("Fjord")), Not(HasSubstr("fjord"))));
  for (const char* figure : kFjordFigures) EXPECT_THAT(html, Not(HasSubstr(figure))) << figure;
  for (const char* figure : kNordbankFigures) EXPECT_THAT(html, HasSubstr(figure)) << figure;
  EXPECT_THAT(SectionOf(html, "summary"),
              HasSubstr("<dt>Customer organisations</dt><dd>Nordbank AB</dd>"));
  // Columns: the provider, the organisation itself, all customers.
  const std::string heatmap = SectionOf(html, "heatmap");
  EXPECT_EQ(Count(heatmap, "font-weight=\"600\">Provider<"), 1);
  EXPECT_EQ(Count(heatmap, "font-weight=\"600\">Nordbank AB<"), 1);
  EXPECT_EQ(Count(heatmap, "font-weight=\"600\">All customers<"), 1);
  EXPECT_EQ(Count(heatmap, "class=\"cell\""), 4 * 3);
  EXPECT_THAT(XmlError(html), IsEmpty());
}

TEST_F(ShareableReportTest, HasNoCommentsAtAll) {
  const std::string html = Render(kNordbank);
  EXPECT_THAT(html, AllOf(Not(HasSubstr("id=\"comments\"")), Not(HasSubstr("#comments"))));
  for (const char* text : kCommentTexts) EXPECT_THAT(html, Not(HasSubstr(text))) << text;
  EXPECT_THAT(html, HasSubstr("Shareable report: aggregate figures without comments; figures "
                              "from fewer than 3 respondents are withheld."));
}

TEST_F(ShareableReportTest, ProviderReportOfTheSameScorecardHasWhatTheShareableOneLeavesOut) {
  // The guard for the tests above: what they expect to be missing is there to begin with.
  const std::string html = RenderOk(fixture_.Input());
  for (const char* figure : kFjordFigures) EXPECT_THAT(html, HasSubstr(figure)) << figure;
  for (const char* text : kCommentTexts) EXPECT_THAT(html, HasSubstr(text)) << text;
  EXPECT_THAT(html, HasSubstr("Provider 0.35, customers 0.26 against the area target 0.60."));
}

TEST_F(ShareableReportTest, AggregateOnlyNamesNoOrganisation) {
  const std::string html = Render("");
  EXPECT_THAT(html, AllOf(Not(HasSubstr("Nordbank")), Not(HasSubstr("nordbank")),
                          Not(HasSubstr("Fjord")), Not(HasSubstr("fjord"))));
  for (const char* figure : kNordbankFigures) EXPECT_THAT(html, Not(HasSubstr(figure))) << figure;
  EXPECT_THAT(SectionOf(html, "summary"),
              HasSubstr("<dt>Customer organisations</dt><dd>none</dd>"));
  const std::string incident =
      Between(SectionOf(html, "heatmap"), ">Incident management<", ">Change management<");
  EXPECT_THAT(incident, AllOf(HasSubstr(">72%<"), HasSubstr(">53%<")));
  EXPECT_EQ(Count(incident, "class=\"cell\""), 2);
}

TEST_F(ShareableReportTest, WithholdsTheFiguresOfAGroupWithTooFewRespondents) {
  const absl::StatusOr<RenderedFile> file = RenderHtmlReport([&] {
    ReportInput input = fixture_.Input();
    input.audience = reporting_api::REPORT_AUDIENCE_CUSTOMER_SHAREABLE;
    input.customer_organization = kFjord;
    return input;
  }());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->filename, "2025-q1-report-shareable-en.html");
  const std::string& html = file->content;
  // Its respondent counts and response rate (33%) stay: they tell how many, not who.
  for (const char* figure : {">43%", ">37%", ">64%", ">26%"}) {
    EXPECT_THAT(html, Not(HasSubstr(figure))) << figure;
  }
  const std::string heatmap = SectionOf(html, "heatmap");
  EXPECT_EQ(Count(heatmap, "class=\"cell withheld\""), 4);
  EXPECT_EQ(Count(heatmap, ">n&lt;3<"), 4);
  EXPECT_THAT(heatmap, HasSubstr("n&lt;3: withheld: fewer than 3 respondents"));
  const std::string gaps = SectionOf(html, "perception-gap");
  ASSERT_FALSE(gaps.empty()) << "no perception-gap section";
  EXPECT_THAT(gaps, Not(HasSubstr("Fjord Logistik: ")));
  EXPECT_THAT(Between(SectionOf(html, "summary"), "<th>Incident management</th>", "</tr>"),
              HasSubstr("<span class=\"withheld\">n&lt;3</span>"));
}

TEST_F(ShareableReportTest, WithholdsRationalesThatCiteItemFiguresOfTooFewRespondents) {
  // Improvement 3 (knowledge.articles) cites an all-customers mean of two answers.
  const std::string roadmap = SectionOf(Render(""), "roadmap");
  const std::string third = Between(roadmap, "<li value=\"3\">", "</li>");
  EXPECT_THAT(third, HasSubstr("Figures withheld: fewer than 3 respondents."));
  EXPECT_THAT(third, Not(HasSubstr("0.26")));
  // Improvement 1 cites figures of 4 and 7 answers: shown.
  EXPECT_THAT(Between(roadmap, "<li value=\"1\">", "</li>"),
              HasSubstr("Provider 0.72, customers 0.49 against the area target 0.60"));
}

TEST_F(ShareableReportTest, WithholdsTheProviderColumnWhenTooFewProviderStaffAnswered) {
  for (sapi::GroupCoverage& g : *fixture_.scorecard.mutable_coverage()->mutable_groups()) {
    if (g.group().kind() == type::RESPONSE_GROUP_KIND_PROVIDER) g.set_respondent_count(2);
  }
  const std::string html = Render("");
  EXPECT_THAT(html, Not(HasSubstr(">72%<")));
  EXPECT_THAT(SectionOf(html, "radar"), HasSubstr("Provider (n&lt;3)"));
  EXPECT_THAT(SectionOf(html, "radar"), Not(HasSubstr("<g><title>Provider</title>")));
  // Without the provider's score there is no provider-vs-customer gap to show either.
  const std::string gaps = SectionOf(html, "perception-gap");
  ASSERT_FALSE(gaps.empty()) << "no perception-gap section";
  EXPECT_THAT(gaps, Not(HasSubstr("class=\"gap ")));
}

TEST_F(ShareableReportTest, TheBenchmarkPlacesNoWithheldScore) {
  EXPECT_THAT(SectionOf(Render(""), "benchmark"),
              AllOf(HasSubstr("class=\"own\""), HasSubstr("own 53%")));
  for (sapi::GroupCoverage& g : *fixture_.scorecard.mutable_coverage()->mutable_groups()) {
    if (g.group().kind() == type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS) g.set_respondent_count(2);
  }
  const std::string benchmark = SectionOf(Render(""), "benchmark");
  EXPECT_THAT(benchmark, HasSubstr("class=\"box\""));
  EXPECT_THAT(benchmark, Not(HasSubstr("class=\"own\"")));
  EXPECT_THAT(benchmark, Not(HasSubstr("own 53%")));
}

}  // namespace
}  // namespace lagom::reporting
