// The JSON and CSV exports: JSON reads back into the same Scorecard; the CSV has one RFC 4180
// row per figure (report.h lists them) and numbers that read back exactly.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/reporting/render/report.h"
#include "services/reporting/render/report_fixture.h"

namespace lagom::reporting {
namespace {

using namespace ::lagom::reporting::testing;  // NOLINT(build/namespaces): builders of this test
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using Row = std::vector<std::string>;

// A reader for RFC 4180 written independently of the exporter: quoted fields may hold commas,
// doubled quotes and line breaks; records end in CRLF.
std::vector<Row> ParseCsv(const std::string& text) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      ++i;
    } else {
      field += c;
    }
  }
  EXPECT_TRUE(field.empty() && row.empty()) << "the last record must end in CRLF";
  return rows;
}

std::vector<Row> CsvRows(const sapi::Scorecard& card) {
  const absl::StatusOr<RenderedFile> file = ExportScorecardCsv(card);
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? ParseCsv(file->content) : std::vector<Row>();
}

TEST(ExportJsonTest, ParsesBackIntoAnEqualScorecard) {
  const sapi::Scorecard card = ExampleFixture().scorecard;
  const absl::StatusOr<RenderedFile> file = ExportScorecardJson(card);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->content_type, "application/json");
  EXPECT_EQ(file->filename, "2025-q1.json");
  EXPECT_THAT(file->content, HasSubstr("\"areaScores\""));  // proto3 JSON names
  sapi::Scorecard parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(file->content, &parsed).ok());
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  EXPECT_TRUE(differencer.Compare(card, parsed)) << difference;
}

TEST(ExportCsvTest, HasAHeaderAndOneRowPerFigure) {
  const sapi::Scorecard card = ExampleFixture().scorecard;
  const absl::StatusOr<RenderedFile> file = ExportScorecardCsv(card);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(file->filename, "2025-q1.csv");
  const std::vector<Row> rows = ParseCsv(file->content);
  ASSERT_FALSE(rows.empty());
  EXPECT_THAT(rows[0], ElementsAre("kind", "area_id", "item_id", "group", "metric", "value"));
  for (const Row& row : rows) EXPECT_EQ(row.size(), 6u);
  // The example's figures, counted by hand:
  //   27 item scores × 8                                   216
  //   16 area scores × 7, + 1 SAMM score, + 2 attributes × 2  117
  //   14 perception gaps × 4                                56
  //   1 SERVQUAL gap × 4                                     4
  //   16 good-enough verdicts × 5                           80
  //   8 improvements × 3                                    24
  //   4 coverage groups × 4, + 3 thresholds                 19
  EXPECT_EQ(rows.size() - 1, 216u + 117 + 56 + 4 + 80 + 24 + 19);
}

TEST(ExportCsvTest, PutsEachFigureUnderItsSubjectAndGroup) {
  const std::vector<Row> rows = CsvRows(ExampleFixture().scorecard);
  EXPECT_THAT(rows, Contains(Row{"area", "incident", "", "provider", "score", "0.724"}));
  EXPECT_THAT(rows, Contains(Row{"area", "incident", "", "provider", "rating", "L"}));
  EXPECT_THAT(rows,
              Contains(Row{"area", "knowledge", "", "provider", "samm_practice_score", "1.25"}));
  EXPECT_THAT(rows, Contains(Row{"process_attribute", "incident", "", "provider",
                                 "PA_2_1.achievement", "0.55"}));
  EXPECT_THAT(rows,
              Contains(Row{"item", "knowledge", "knowledge.articles", "all_customers", "n", "2"}));
  EXPECT_THAT(rows,
              Contains(Row{"perception_gap", "incident", "", kFjord, "low_confidence", "true"}));
  EXPECT_THAT(rows, Contains(Row{"perception_gap", "incident", "incident.resolution",
                                 "all_customers", "customer_score", "0.49"}));
  EXPECT_THAT(rows, Contains(Row{"perception_gap", "", "", "all_customers",
                                 "RELIABILITY.provider_score", "0.72"}));
  EXPECT_THAT(rows, Contains(Row{"servqual_gap", "", "incident.resolution.customer",
                                 "all_customers", "RELIABILITY.expectation", "0.8"}));
  EXPECT_THAT(rows,
              Contains(Row{"good_enough", "change", "", "all_customers", "status", "GOOD_ENOUGH"}));
  EXPECT_THAT(rows, Contains(Row{"improvement", "change", "change.communication", "", "quick_win",
                                 "true"}));
  EXPECT_THAT(rows, Contains(Row{"coverage", "", "", kNordbank, "respondent_count", "5"}));
  EXPECT_THAT(rows, Contains(Row{"coverage", "", "", "", "min_respondents", "3"}));
}

TEST(ExportCsvTest, QuotesFieldsWithCommasQuotesAndLineBreaks) {
  sapi::Scorecard card;
  sapi::ItemScore& item = *card.add_item_scores();
  item.set_item_id("odd,\"id\"");
  item.set_area_id("two\r\nlines");
  item.mutable_group()->set_kind(type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION);
  item.mutable_group()->set_customer_organization("tenants/t/customerOrganizations/plain");
  const absl::StatusOr<RenderedFile> file = ExportScorecardCsv(card);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->content,
              HasSubstr("item,\"two\r\nlines\",\"odd,\"\"id\"\"\",tenants/t/customerOrganizations/"
                        "plain,n,0\r\n"));
  const std::vector<Row> rows = ParseCsv(file->content);
  EXPECT_THAT(rows, Contains(Row{"item", "two\r\nlines", "odd,\"id\"",
                                 "tenants/t/customerOrganizations/plain", "n", "0"}));
}

TEST(ExportCsvTest, NumbersReadBackExactly) {
  sapi::Scorecard card;
  sapi::AreaScore& area = *card.add_area_scores();
  area.set_area_id("a");
  area.mutable_group()->set_kind(type::RESPONSE_GROUP_KIND_PROVIDER);
  area.set_score(0.1 + 0.2);
  area.set_maturity_level(1.0 / 3);
  std::string score;
  std::string maturity;
  for (const Row& row : CsvRows(card)) {
    if (row[4] == "score") score = row[5];
    if (row[4] == "maturity_level") maturity = row[5];
  }
  EXPECT_EQ(score, "0.30000000000000004");
  EXPECT_EQ(std::stod(maturity), 1.0 / 3);
}

TEST(ExportCsvTest, EmptyScorecardHasTheHeaderAndTheCoverageThresholds) {
  const std::vector<Row> rows = CsvRows(sapi::Scorecard());
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_THAT(rows[1], ElementsAre("coverage", "", "", "", "min_respondents", "0"));
  EXPECT_THAT(rows, Not(Contains(Row{})));
}

}  // namespace
}  // namespace lagom::reporting
