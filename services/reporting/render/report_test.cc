// The provider report: sections, figures as printed, languages, escaping, well-formed SVG and the
// errors for bad input. Figures of the example are in report_fixture.h.
#include "services/reporting/render/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "services/reporting/render/report_fixture.h"
#include "services/reporting/render/report_test_support.h"

namespace lagom::reporting {
namespace {

using namespace ::lagom::reporting::testing;  // NOLINT(build/namespaces): builders of this test
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr const char* kSectionIds[] = {"summary", "heatmap",  "perception-gap", "radar",   "trend",
                                       "roadmap", "coverage", "benchmark",      "comments"};

// `parts` occur in `text` in this order.
::testing::AssertionResult InOrder(const std::string& text, const std::vector<std::string>& parts) {
  size_t at = 0;
  for (const std::string& part : parts) {
    const size_t found = text.find(part, at);
    if (found == std::string::npos) {
      return ::testing::AssertionFailure()
             << "'" << part << "' missing after offset " << at << " in:\n"
             << text;
    }
    at = found + part.size();
  }
  return ::testing::AssertionSuccess();
}

// The x and width of the first <rect> after `marker`.
std::pair<double, double> RectAfter(const std::string& html, const std::string& marker) {
  const std::string rect = Between(html.substr(html.find(marker)), "<rect", "/>");
  std::smatch x;
  std::smatch width;
  std::regex_search(rect, x, std::regex(" x=\"([-0-9.]+)\""));
  std::regex_search(rect, width, std::regex(" width=\"([-0-9.]+)\""));
  return {std::stod(x[1]), std::stod(width[1])};
}

class ReportTest : public ::testing::Test {
 protected:
  ReportFixture fixture_ = ExampleFixture();
};

TEST_F(ReportTest, ProviderReportHasEverySectionOnceWithItsId) {
  const absl::StatusOr<RenderedFile> file = RenderHtmlReport(fixture_.Input());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(file->filename, "2025-q1-report-en.html");
  for (const char* id : kSectionIds) {
    EXPECT_EQ(Count(file->content, absl::StrCat("<section id=\"", id, "\"")), 1) << id;
    EXPECT_THAT(file->content, HasSubstr(absl::StrCat("<a href=\"#", id, "\">"))) << id;
  }
  EXPECT_THAT(file->content, HasSubstr("<h1>Service review Q1 2025</h1>"));
}

TEST_F(ReportTest, PageIsSelfContainedWithAPrintStylesheet) {
  const std::string html = RenderOk(fixture_.Input());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
  EXPECT_THAT(html,
              AllOf(Not(HasSubstr("<script")), Not(HasSubstr("<link")), Not(HasSubstr("src=")),
                    Not(HasSubstr("@import")), Not(HasSubstr("url(http"))));
  EXPECT_EQ(Count(html, "href=\""), Count(html, "href=\"#")) << "only in-page links";
  const std::string print = Between(html, "@media print", "\n}\n");
  EXPECT_THAT(print, AllOf(HasSubstr("break-before: page"), HasSubstr("background: none")));
}

TEST_F(ReportTest, BenchmarkSectionOnlyWithABenchmark) {
  ReportInput input = fixture_.Input();
  input.benchmark = nullptr;
  const std::string html = RenderOk(input);
  EXPECT_THAT(html, Not(HasSubstr("id=\"benchmark\"")));
  EXPECT_THAT(html, Not(HasSubstr("href=\"#benchmark\"")));
  EXPECT_THAT(html, HasSubstr("<section id=\"coverage\""));
}

TEST_F(ReportTest, SummaryNamesWhatWasAssessed) {
  const std::string summary = SectionOf(RenderOk(fixture_.Input()), "summary");
  EXPECT_TRUE(
      InOrder(summary, {"<dt>Model version</dt><dd>Lagom ITSM baseline 2025.1</dd>",
                        "<dt>Services</dt><dd>E-mail &amp; calendar, ERP</dd>",
                        "<dt>Customer organisations</dt><dd>Nordbank AB, Fjord Logistik</dd>",
                        "<dt>Closed</dt><dd>2025-03-14 14:30 UTC</dd>"}));
}

TEST_F(ReportTest, SummaryGivesEachVerdictInWordsAndSymbolNotOnlyColour) {
  const std::string summary = SectionOf(RenderOk(fixture_.Input()), "summary");
  EXPECT_TRUE(InOrder(summary, {"<th>Area</th>", "Target", "Provider", "Nordbank AB",
                                "Fjord Logistik", "All customers"}));
  // Problem management is in the model but not scored: no row.
  EXPECT_THAT(summary, Not(HasSubstr("Problem management")));
  const std::string incident = Between(summary, "<th>Incident management</th>", "</tr>");
  EXPECT_TRUE(InOrder(
      incident,
      {"<td class=\"num\">60%</td>", "<span class=\"badge above\">▲ Above target</span>",
       "<span class=\"score\">72%</span>", "<span class=\"badge good-enough\">● Good enough</span>",
       "58%", "<span class=\"badge below\">▼ Below target</span>", "43%*",
       "<span class=\"badge below\">▼ Below target</span>", "53%"}));
  EXPECT_THAT(summary, HasSubstr("* Low confidence: fewer than 3 respondents or a response "
                                 "rate below 30%"));
}

TEST_F(ReportTest, HeatmapPrintsEveryScoreAndHatchesLowConfidenceCells) {
  const std::string heatmap = SectionOf(RenderOk(fixture_.Input()), "heatmap");
  EXPECT_TRUE(InOrder(
      heatmap, {">Provider<", ">Nordbank AB<", ">Fjord Logistik<", ">All customers<",
                ">Incident management<", ">72%<", ">58%<", ">43%*<", ">53%<", ">Change management<",
                ">46%<", ">62%<", ">37%*<", ">55%<", ">Knowledge management<", ">35%<"}));
  // The four Fjord cells, and only they, carry the hatch; the legend explains it.
  EXPECT_EQ(Count(heatmap, "class=\"cell low-confidence\" fill=\"url(#low-confidence-hatch)\""), 4);
  EXPECT_THAT(heatmap, HasSubstr("<pattern id=\"low-confidence-hatch\""));
  EXPECT_THAT(heatmap, HasSubstr("Hatched cells marked * are low confidence: the group has "
                                 "fewer than 3 respondents or a response rate below 30%."));
}

TEST_F(ReportTest, PerceptionGapBarsDivergeBySignOfCustomerMinusProvider) {
  const std::string gaps = SectionOf(RenderOk(fixture_.Input()), "perception-gap");
  // incident: all customers 0.53 − provider 0.724 = −19 points; change: 0.55 − 0.46 = +9.
  // (A no-break space keeps the unit with its number.)
  const std::string incident = "<title>Incident management · All customers: −19\u00a0pp</title>";
  const std::string change = "<title>Change management · All customers: +9\u00a0pp</title>";
  EXPECT_THAT(Between(gaps, incident, "</g>"), HasSubstr("class=\"gap negative\""));
  EXPECT_THAT(Between(gaps, change, "</g>"), HasSubstr("class=\"gap positive\""));
  // The zero line is at x = 490 (labels 200 + 130, half of 320); the largest gap (Fjord,
  // incident, −29 points) makes the half-axis 30 points. A negative bar ends at zero, a
  // positive one starts there.
  const auto [negative_x, negative_width] = RectAfter(gaps, incident);
  EXPECT_NEAR(negative_x + negative_width, 490, 0.1);
  EXPECT_NEAR(negative_width, 0.194 / 0.3 * 160, 0.1);
  const auto [positive_x, positive_width] = RectAfter(gaps, change);
  EXPECT_NEAR(positive_x, 490, 0.1);
  EXPECT_NEAR(positive_width, 0.09 / 0.3 * 160, 0.1);
  EXPECT_TRUE(InOrder(gaps, {">−30\u00a0pp<", ">0<", ">+30\u00a0pp<"}));
  EXPECT_THAT(gaps, HasSubstr("Fjord Logistik: −29\u00a0pp*"));
}

TEST_F(ReportTest, RadarDrawsProviderCustomersAndDashedTarget) {
  const std::string radar = SectionOf(RenderOk(fixture_.Input()), "radar");
  EXPECT_EQ(Count(radar, "<polygon"), 4 + 3) << "four grid rings, three series";
  EXPECT_THAT(Between(radar, "<g><title>Target</title>", "</g>"),
              HasSubstr("stroke-dasharray=\"6 4\""));
  EXPECT_THAT(radar, HasSubstr("<g><title>Provider</title><polygon"));
  EXPECT_THAT(radar, HasSubstr("<g><title>All customers</title><polygon"));
  // One axis label per scored area.
  EXPECT_TRUE(InOrder(radar, {">Incident management<", ">Change management<",
                              ">Service level management<", ">Knowledge management<"}));
}

TEST_F(ReportTest, TrendFollowsAreasByLineageAcrossModelVersions) {
  const std::string trend = SectionOf(RenderOk(fixture_.Input()), "trend");
  EXPECT_THAT(trend, HasSubstr("2024-03-15 → 2025-03-14"));
  // Incident was "incident-2024" in the oldest scorecard: same lineage, so three points a line.
  const std::string incident =
      Between(trend, "aria-label=\"Trend: Incident management\"", "</svg>");
  EXPECT_EQ(Count(incident, "<circle"), 6);
  EXPECT_EQ(Count(incident, "class=\"trend-line\""), 2);
  // Knowledge is new since the second scorecard: two points a line.
  const std::string knowledge =
      Between(trend, "aria-label=\"Trend: Knowledge management\"", "</svg>");
  EXPECT_EQ(Count(knowledge, "<circle"), 4);
  // Provider 0.66 → 0.724, all customers 0.47 → 0.53.
  const std::string latest = Between(trend, "<th>Incident management</th>", "</tr>");
  EXPECT_TRUE(InOrder(latest, {"Provider", "72% · since last: +6\u00a0pp", "All customers",
                               "53% · since last: +6\u00a0pp"}));
}

TEST_F(ReportTest, TrendWithoutHistorySaysThisIsTheFirstAssessment) {
  ReportInput input = fixture_.Input();
  input.history.clear();
  const std::string trend = SectionOf(RenderOk(input), "trend");
  EXPECT_THAT(trend, HasSubstr("This is the first assessment: trends appear from the next one."));
  EXPECT_THAT(trend, Not(HasSubstr("<svg")));
}

TEST_F(ReportTest, RoadmapSplitsRanksIntoNowNextAndLater) {
  const std::string roadmap = SectionOf(RenderOk(fixture_.Input()), "roadmap");
  EXPECT_THAT(roadmap, HasSubstr("Now: ranks 1–3; next: ranks 4–6; later: rank 7 and beyond."));
  const std::string now = Between(roadmap, "<div class=\"phase now\">", "</div>");
  const std::string next = Between(roadmap, "<div class=\"phase next\">", "</div>");
  const std::string later = Between(roadmap, "<div class=\"phase later\">", "</div>");
  EXPECT_TRUE(
      InOrder(now, {"<h3>Now</h3>", "<li value=\"1\">", "<li value=\"2\">", "<li value=\"3\">"}));
  EXPECT_EQ(Count(now, "<li "), 3);
  EXPECT_TRUE(
      InOrder(next, {"<h3>Next</h3>", "<li value=\"4\">", "<li value=\"5\">", "<li value=\"6\">"}));
  EXPECT_EQ(Count(next, "<li "), 3);
  EXPECT_TRUE(InOrder(later, {"<h3>Later</h3>", "<li value=\"7\">", "<li value=\"8\">"}));
  EXPECT_EQ(Count(later, "<li "), 2);
  // Quick wins are ranks 2 and 5.
  EXPECT_EQ(Count(roadmap, "★ Quick win"), 2);
  EXPECT_THAT(Between(now, "<li value=\"2\">", "</li>"), HasSubstr("★ Quick win"));
  EXPECT_THAT(Between(next, "<li value=\"5\">", "</li>"), HasSubstr("★ Quick win"));
  EXPECT_TRUE(InOrder(Between(now, "<li value=\"1\">", "</li>"),
                      {"<strong>Improve: We resolve incidents within the agreed times.</strong>",
                       "<span class=\"area\">Incident management</span>", "priority 0.61",
                       "Provider 0.72, customers 0.49 against the area target 0.60"}));
}

TEST_F(ReportTest, RoadmapWithoutImprovementsSaysEveryAreaIsGoodEnough) {
  fixture_.scorecard.clear_improvements();
  const std::string roadmap = SectionOf(RenderOk(fixture_.Input()), "roadmap");
  EXPECT_THAT(roadmap, HasSubstr("No improvements: every area is good enough."));
  EXPECT_THAT(roadmap, Not(HasSubstr("<ol>")));
}

TEST_F(ReportTest, CoverageGivesCountsRatesAndTheLowConfidenceRule) {
  const std::string coverage = SectionOf(RenderOk(fixture_.Input()), "coverage");
  EXPECT_TRUE(InOrder(coverage, {"<th>Provider</th><td class=\"num\">4</td><td class=\"num\">5"
                                 "</td><td class=\"num\">80%</td><td>Sufficient</td>",
                                 "<th>Nordbank AB</th><td class=\"num\">5</td><td class=\"num\">8"
                                 "</td><td class=\"num\">63%</td><td>Sufficient</td>",
                                 "<th>Fjord Logistik</th><td class=\"num\">2</td><td class=\"num\">"
                                 "6</td><td class=\"num\">33%</td><td class=\"low\">⚠ Low "
                                 "confidence</td>",
                                 "<th>All customers</th><td class=\"num\">7</td>"}));
  EXPECT_THAT(coverage, HasSubstr("A group is low confidence when it has fewer than 3 "
                                  "respondents or a response rate below 30%"));
}

TEST_F(ReportTest, WithoutAResponseRateThresholdTheRuleNamesOnlyRespondents) {
  sapi::Scorecard card = *fixture_.Input().scorecard;
  card.mutable_coverage()->set_min_response_rate(0);
  ReportInput input = fixture_.Input();
  input.scorecard = &card;
  const std::string coverage = SectionOf(RenderOk(input), "coverage");
  EXPECT_THAT(coverage, HasSubstr("fewer than 3 respondents"));
  EXPECT_THAT(coverage, Not(HasSubstr("response rate below")));
}

TEST_F(ReportTest, BenchmarkPlacesOwnScoreOrSaysWhyNot) {
  const std::string benchmark = SectionOf(RenderOk(fixture_.Input()), "benchmark");
  EXPECT_THAT(Between(benchmark, "<th>Incident management</th>", "</tr>"),
              AllOf(HasSubstr("class=\"own\""), HasSubstr("own 53% · median 55%"),
                    HasSubstr("class=\"whisker\"")));
  // Seven tenants: p10 and p90 are withheld, so the plot has a box and no whiskers.
  EXPECT_THAT(Between(benchmark, "<th>Service level management</th>", "</tr>"),
              AllOf(HasSubstr("class=\"box\""), Not(HasSubstr("class=\"whisker\""))));
  EXPECT_THAT(
      Between(benchmark, "<th>Change management</th>", "</tr>"),
      AllOf(HasSubstr("Not enough tenants to compare: fewer than 5 other providers contribute."),
            Not(HasSubstr("<svg"))));
  EXPECT_THAT(Between(benchmark, "<th>Knowledge management</th>", "</tr>"),
              HasSubstr("No benchmark for this area."));
  EXPECT_EQ(Count(benchmark, "class=\"own\""), 2);
}

TEST_F(ReportTest, ProviderReportListsCommentsPerItemInModelOrder) {
  const std::string comments = SectionOf(RenderOk(fixture_.Input()), "comments");
  EXPECT_TRUE(InOrder(
      comments,
      {"<h3>Our incidents are resolved within the agreed times.</h3>",
       "<p class=\"note\">Incident management</p>",
       "<span class=\"group\">Nordbank AB</span> <span class=\"comment-text\">Tickets bounce "
       "between teams &amp; nobody owns them.</span>",
       "<span class=\"group\">Fjord Logistik</span> <span class=\"comment-text\">The portal is "
       "slow to show status.</span>",
       "<h3>Changes are approved before they are made.</h3>",
       "<span class=\"group\">Provider</span> <span class=\"comment-text\">The CAB meets too "
       "rarely; urgent changes wait.</span>"}));
}

TEST_F(ReportTest, SwedishReportUsesSwedishLabelsNumbersAndTexts) {
  const absl::StatusOr<RenderedFile> file = RenderHtmlReport(fixture_.Input("sv"));
  ASSERT_TRUE(file.ok()) << file.status();
  const std::string& html = file->content;
  EXPECT_EQ(file->filename, "2025-q1-report-sv.html");
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>\n<html lang=\"sv\">"));
  EXPECT_TRUE(InOrder(
      html,
      {"<h2 id=\"summary-title\">Sammanfattning</h2>",
       "<h2 id=\"heatmap-title\">Resultat per område och grupp</h2>",
       "<h2 id=\"perception-gap-title\">Uppfattningsgap</h2>",
       "<h2 id=\"radar-title\">Nuläge mot mål</h2>", "<h2 id=\"trend-title\">Utveckling</h2>",
       "<h2 id=\"roadmap-title\">Förbättringsplan</h2>",
       "<h2 id=\"coverage-title\">Svarstäckning</h2>", "<h2 id=\"benchmark-title\">Jämförelse</h2>",
       "<h2 id=\"comments-title\">Kommentarer</h2>"}));
  EXPECT_THAT(html, AllOf(HasSubstr("<th>Incidenthantering</th>"), HasSubstr("▼ Under målet"),
                          HasSubstr("● Tillräckligt bra"), HasSubstr("Leverantör"),
                          HasSubstr("Alla kunder"), HasSubstr("Låg tillförlitlighet")));
  // Swedish numbers: no-break space before %, decimal comma, "p.e." for percentage points.
  EXPECT_THAT(html, AllOf(HasSubstr(">72\u00a0%<"), HasSubstr("−19\u00a0p.e."),
                          HasSubstr("prioritet 0,61")));
  EXPECT_THAT(html, HasSubstr("Leverantören 0,72, kunderna 0,49 mot områdets mål 0,60"));
  // No Swedish in the model or improvement: the model's default language (en).
  EXPECT_THAT(html, AllOf(HasSubstr("<th>Knowledge management</th>"),
                          HasSubstr("<strong>Build a shared knowledge base</strong>")));
  EXPECT_THAT(html, AllOf(Not(HasSubstr("Improvement roadmap")), Not(HasSubstr("Below target")),
                          Not(HasSubstr("All customers"))));
}

TEST_F(ReportTest, TitlesFallBackToAnyTranslationThenTheId) {
  for (qapi::Area& area : *fixture_.model.mutable_areas()) {
    if (area.id() == "change") {
      area.mutable_title()->clear_translations();
      (*area.mutable_title()->mutable_translations())["de"] = "Änderungswesen";
      (*area.mutable_title()->mutable_translations())["nb"] = "Endringsstyring";
    }
    if (area.id() == "knowledge") area.mutable_title()->clear_translations();
  }
  const std::string summary = SectionOf(RenderOk(fixture_.Input("sv")), "summary");
  EXPECT_THAT(summary, HasSubstr("<th>Änderungswesen</th>"));  // alphabetically first tag
  EXPECT_THAT(summary, HasSubstr("<th>knowledge</th>"));
}

TEST_F(ReportTest, EveryUserStringIsEscaped) {
  fixture_.scorecard.set_title("Q1 <script>alert(\"x\")</script> & co");
  fixture_.display_names[kNordbank] = "Nordbank <b>AB</b> & 'Co'";
  (*fixture_.model.mutable_areas(0)->mutable_title()->mutable_translations())["en"] =
      "Incident & <i>problem</i>";
  fixture_.comments.push_back(
      {"change.approval", ProviderGroup(), "<script>steal(document.cookie)</script>"});
  const std::string html = RenderOk(fixture_.Input());
  EXPECT_THAT(html, AllOf(Not(HasSubstr("<script")), Not(HasSubstr("<b>")), Not(HasSubstr("<i>"))));
  EXPECT_THAT(html, HasSubstr("<title>Q1 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
                              "&amp; co</title>"));
  EXPECT_THAT(html, HasSubstr("<h1>Q1 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                              "co</h1>"));
  EXPECT_THAT(html, HasSubstr("<th>Nordbank &lt;b&gt;AB&lt;/b&gt; &amp; &#39;Co&#39;</th>"));
  EXPECT_THAT(html, HasSubstr("<th>Incident &amp; &lt;i&gt;problem&lt;/i&gt;</th>"));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;steal(document.cookie)&lt;/script&gt;"));
  EXPECT_THAT(XmlError(html), IsEmpty());
}

TEST_F(ReportTest, EverySvgBlockAndThePageAreWellFormedXml) {
  const std::string html = RenderOk(fixture_.Input());
  const std::vector<std::string> blocks = SvgBlocks(html);
  // Heat map, perception gap, radar, four trend lines, two benchmark plots.
  ASSERT_EQ(blocks.size(), 9u);
  for (const std::string& svg : blocks) {
    EXPECT_THAT(XmlError(svg), IsEmpty()) << svg;
    EXPECT_THAT(svg, HasSubstr("xmlns=\"http://www.w3.org/2000/svg\""));
  }
  EXPECT_THAT(XmlError(html), IsEmpty());
}

TEST_F(ReportTest, SvgStaysWellFormedWhateverTheNamesHold) {
  const std::string hostile = "a<b>&c\"d'e]]>f\x01g\xffh\xed\xa0\x80i\xc3";
  fixture_.display_names[kNordbank] = hostile;
  fixture_.display_names[kFjord] = "Fjord </svg><svg onload=\"x\">";
  for (qapi::Area& area : *fixture_.model.mutable_areas()) {
    (*area.mutable_title()->mutable_translations())["en"] = hostile + area.id();
  }
  const std::string html = RenderOk(fixture_.Input());
  const std::vector<std::string> blocks = SvgBlocks(html);
  ASSERT_EQ(blocks.size(), 9u);
  for (const std::string& svg : blocks) EXPECT_THAT(XmlError(svg), IsEmpty()) << svg;
  EXPECT_THAT(XmlError(html), IsEmpty());
  EXPECT_THAT(html, Not(HasSubstr("onload=\"")));
}

TEST_F(ReportTest, EmptyScorecardStillMakesAWellFormedReport) {
  const sapi::Scorecard empty;
  ReportInput input = fixture_.Input();
  input.scorecard = &empty;
  input.history.clear();
  const std::string html = RenderOk(input);
  for (const char* id : kSectionIds) EXPECT_THAT(SectionOf(html, id), Not(IsEmpty())) << id;
  EXPECT_THAT(SectionOf(html, "roadmap"), HasSubstr("No improvements"));
  EXPECT_THAT(SectionOf(html, "comments"), HasSubstr("<h3>"));  // comments are still listed
  EXPECT_THAT(XmlError(html), IsEmpty());
}

TEST_F(ReportTest, PreviewScorecardSaysFiguresMayChange) {
  fixture_.scorecard.set_preview(true);
  EXPECT_THAT(RenderOk(fixture_.Input()),
              HasSubstr("<p class=\"preview\">Preview: the session is still open"));
}

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(status)) fields.push_back(v.field);
  return fields;
}

TEST_F(ReportTest, UnsupportedLanguageIsRejectedNamingTheField) {
  const absl::StatusOr<RenderedFile> file = RenderHtmlReport(fixture_.Input("de"));
  ASSERT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(file.status().message(), "language_tag: \"de\" is not supported; allowed: en, sv");
  EXPECT_THAT(FieldsOf(file.status()), ElementsAre("language_tag"));
  EXPECT_EQ(ReasonOf(file.status()), "FIELD_INVALID");
}

TEST_F(ReportTest, MissingScorecardAndModelAreRequired) {
  ReportInput input = fixture_.Input();
  input.scorecard = nullptr;
  input.model = nullptr;
  const absl::StatusOr<RenderedFile> file = RenderHtmlReport(input);
  ASSERT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(file.status()), ElementsAre("scorecard", "model"));
  EXPECT_EQ(ReasonOf(file.status()), "FIELD_REQUIRED");
  EXPECT_THAT(file.status().message(), HasSubstr("scorecard: required"));
}

TEST_F(ReportTest, ShareableReportForAnOrganisationThatDidNotTakePartIsRejected) {
  ReportInput input = fixture_.Input();
  input.audience = reporting_api::REPORT_AUDIENCE_CUSTOMER_SHAREABLE;
  input.customer_organization = "tenants/acme-it/customerOrganizations/elsewhere";
  input.language = "fr";
  const absl::StatusOr<RenderedFile> file = RenderHtmlReport(input);
  ASSERT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(file.status()), ElementsAre("language_tag", "customer_organization"));
  EXPECT_THAT(file.status().message(),
              HasSubstr("customer_organization: \"tenants/acme-it/customerOrganizations/"
                        "elsewhere\" did not take part in the scored session"));
}

// A provider report shows every organisation and every comment: asked "for" one organisation,
// it is refused rather than rendered for whoever the organisation is.
TEST_F(ReportTest, AnOrganisationIsNamedOnlyForACustomerShareableReport) {
  ReportInput input = fixture_.Input();
  input.audience = reporting_api::REPORT_AUDIENCE_PROVIDER;
  input.customer_organization = input.scorecard->customer_organizations(0);
  absl::StatusOr<RenderedFile> refused = RenderHtmlReport(input);
  EXPECT_THAT(FieldsOf(refused.status()), ElementsAre("customer_organization"));
  EXPECT_THAT(refused.status().message(), HasSubstr("CUSTOMER_SHAREABLE"));
  input.audience = reporting_api::REPORT_AUDIENCE_UNSPECIFIED;
  EXPECT_THAT(FieldsOf(RenderHtmlReport(input).status()), ElementsAre("customer_organization"));
  input.audience = reporting_api::REPORT_AUDIENCE_CUSTOMER_SHAREABLE;
  EXPECT_TRUE(RenderHtmlReport(input).ok());
}

TEST_F(ReportTest, UnknownAudienceIsRejected) {
  ReportInput input = fixture_.Input();
  input.audience = static_cast<reporting_api::ReportAudience>(7);
  EXPECT_THAT(FieldsOf(RenderHtmlReport(input).status()), ElementsAre("audience"));
}

}  // namespace
}  // namespace lagom::reporting
