#include "services/questionnaire/catalog/catalog_import.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "services/questionnaire/catalog/import_examples.h"

namespace lagom::questionnaire {
namespace {

namespace catalog = ::lagom::catalog::v1;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Property;
using ::testing::SizeIs;

constexpr char kHeader[] = "record_type,external_id,display_name";

ParsedImport Csv(absl::string_view text) {
  absl::StatusOr<ParsedImport> parsed = ParseImportPayload(catalog::IMPORT_FORMAT_CSV, text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : ParsedImport{};
}

ParsedImport Json(absl::string_view text) {
  absl::StatusOr<ParsedImport> parsed = ParseImportPayload(catalog::IMPORT_FORMAT_JSON, text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : ParsedImport{};
}

// The one error of a single-row CSV import with `header` and `row`.
catalog::ImportRowError OnlyError(absl::string_view header, absl::string_view row) {
  ParsedImport parsed = Csv(absl::StrCat(header, "\n", row, "\n"));
  EXPECT_THAT(parsed.rows, IsEmpty());
  EXPECT_THAT(parsed.errors, SizeIs(1));
  return parsed.errors.empty() ? catalog::ImportRowError{} : parsed.errors[0];
}

auto RowError(int row, const std::string& field, const std::string& message_part,
              const std::string& reason = "FIELD_INVALID") {
  return AllOf(Property(&catalog::ImportRowError::row, row),
               Property(&catalog::ImportRowError::field, field),
               Property(&catalog::ImportRowError::message, HasSubstr(message_part)),
               Property(&catalog::ImportRowError::reason, reason));
}

void ExpectPayloadInvalid(const absl::StatusOr<ParsedImport>& parsed,
                          const std::string& description_part) {
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(parsed.status()), "PAYLOAD_INVALID");
  EXPECT_THAT(ViolationsOf(parsed.status()),
              Contains(AllOf(Field(&FieldViolation::field, "payload"),
                             Field(&FieldViolation::description, HasSubstr(description_part)))));
}

// --- CSV: the file as a whole ---------------------------------------------------------------

TEST(ImportCsvTest, ReadsQuotedFieldsCommasQuotesAndLineBreaks) {
  ParsedImport parsed =
      Csv("record_type,external_id,display_name,description\n"
          "customer_organization,c1,\"Nordic Freight, AB\",\"says \"\"hi\"\"\non two lines\"\n");
  ASSERT_THAT(parsed.rows, SizeIs(1));
  EXPECT_EQ(parsed.rows[0].row, 1);
  EXPECT_EQ(parsed.rows[0].data.display_name(), "Nordic Freight, AB");
  EXPECT_EQ(parsed.rows[0].data.description(), "says \"hi\"\non two lines");
}

TEST(ImportCsvTest, AcceptsAByteOrderMarkCrlfBlankLinesAndAnyHeaderCase) {
  ParsedImport parsed =
      Csv("\xEF\xBB\xBFRecord_Type, External_ID ,display_name\r\n"
          "service,s1,Email\r\n\r\n"
          "service,s2,Desk\r\n");
  ASSERT_THAT(parsed.rows, SizeIs(2));
  EXPECT_EQ(parsed.rows[0].data.record_type(), catalog::CATALOG_RECORD_TYPE_SERVICE);
  EXPECT_EQ(parsed.rows[0].data.external_id(), "s1");
  EXPECT_EQ(parsed.rows[1].data.display_name(), "Desk");  // no stray \r
  EXPECT_EQ(parsed.rows[1].row, 2);                       // blank lines are not rows
}

TEST(ImportCsvTest, AnEmptyFileIsNotAPayload) {
  ExpectPayloadInvalid(ParseImportPayload(catalog::IMPORT_FORMAT_CSV, ""), "empty");
  ExpectPayloadInvalid(ParseImportPayload(catalog::IMPORT_FORMAT_CSV, "\xEF\xBB\xBF\r\n"), "empty");
}

TEST(ImportCsvTest, AHeaderWithoutRowsImportsNothing) {
  ParsedImport parsed = Csv(absl::StrCat(kHeader, "\r\n"));
  EXPECT_THAT(parsed.rows, IsEmpty());
  EXPECT_THAT(parsed.errors, IsEmpty());
}

TEST(ImportCsvTest, UnknownDuplicateAndMissingColumnsAreNamed) {
  absl::StatusOr<ParsedImport> parsed = ParseImportPayload(
      catalog::IMPORT_FORMAT_CSV, "record_type,display_name,sys_id,display_name\nservice,a,b,c\n");
  ExpectPayloadInvalid(parsed, "unknown column \"sys_id\" (allowed: record_type, external_id");
  ExpectPayloadInvalid(parsed, "column \"display_name\" appears twice");
  ExpectPayloadInvalid(parsed, "missing required column \"external_id\"");
}

TEST(ImportCsvTest, MalformedQuotingNamesTheLine) {
  ExpectPayloadInvalid(ParseImportPayload(catalog::IMPORT_FORMAT_CSV,
                                          "record_type,external_id,display_name\n"
                                          "service,s1,Email\n"
                                          "service,s2,The \"best\" desk\n"),
                       "line 3: a double quote inside an unquoted field");
  ExpectPayloadInvalid(ParseImportPayload(catalog::IMPORT_FORMAT_CSV,
                                          "record_type,external_id,display_name\n"
                                          "service,s1,\"Email\n"),
                       "the file ends inside double quotes");
}

TEST(ImportCsvTest, TextThatIsNotUtf8IsRefusedWithItsLine) {
  ExpectPayloadInvalid(ParseImportPayload(catalog::IMPORT_FORMAT_CSV,
                                          "record_type,external_id,display_name\n"
                                          "service,s1,Caf\xE9\n"),
                       "line 2 (byte");
}

TEST(ImportCsvTest, SizeAndRowLimitsAreFieldErrorsOnThePayload) {
  std::string big(kMaxImportPayloadBytes + 1, 'x');
  absl::StatusOr<ParsedImport> parsed = ParseImportPayload(catalog::IMPORT_FORMAT_CSV, big);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(ReasonOf(parsed.status()), "FIELD_INVALID");
  EXPECT_THAT(ViolationsOf(parsed.status()),
              ElementsAre(AllOf(Field(&FieldViolation::field, "payload"),
                                Field(&FieldViolation::description, HasSubstr("4 MiB")))));

  std::string many = absl::StrCat(kHeader, "\n");
  for (int i = 0; i <= kMaxImportRows; ++i) absl::StrAppend(&many, "service,s", i, ",S\n");
  parsed = ParseImportPayload(catalog::IMPORT_FORMAT_CSV, many);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(ReasonOf(parsed.status()), "FIELD_INVALID");
  EXPECT_THAT(ViolationsOf(parsed.status()),
              ElementsAre(Field(&FieldViolation::description,
                                HasSubstr("at most 10000 rows per import; this one has 10001"))));
}

// Only what a valid import can use is kept while reading: the counts still come out right for
// a payload of a million and a half short lines, or of two million empty fields in one row
// (held whole, they took some 30 times the payload's size in memory).
TEST(ImportCsvTest, OversizedShapesAreCountedNotHeld) {
  std::string lines = absl::StrCat(kHeader, "\n");
  for (int i = 0; i < 1500000; ++i) lines += "a\n";
  absl::StatusOr<ParsedImport> parsed = ParseImportPayload(catalog::IMPORT_FORMAT_CSV, lines);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(ViolationsOf(parsed.status()),
              ElementsAre(Field(&FieldViolation::description,
                                HasSubstr("at most 10000 rows per import; this one has 1500000"))));

  EXPECT_THAT(OnlyError(kHeader, "service,s1," + std::string(2000000, ',')),
              RowError(1, "", "has 2000003 fields but the header has 3"));
}

TEST(ImportCsvTest, AFormatIsRequired) {
  absl::StatusOr<ParsedImport> parsed = ParseImportPayload(catalog::IMPORT_FORMAT_UNSPECIFIED, "x");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(ViolationsOf(parsed.status()),
              ElementsAre(AllOf(Field(&FieldViolation::field, "format"),
                                Field(&FieldViolation::description,
                                      HasSubstr("IMPORT_FORMAT_CSV or IMPORT_FORMAT_JSON")))));
}

// --- CSV: one bad row -------------------------------------------------------------------------

TEST(ImportCsvRowTest, ARowWithTooFewFieldsSaysHowMany) {
  EXPECT_THAT(OnlyError(kHeader, "service,s1"),
              RowError(1, "", "has 2 fields but the header has 3"));
}

TEST(ImportCsvRowTest, RequiredValuesAreNamed) {
  EXPECT_THAT(
      OnlyError(kHeader, ",s1,Email"),
      RowError(1, "record_type", "required: customer_organization, service", "FIELD_REQUIRED"));
  EXPECT_THAT(OnlyError(kHeader, "service,,Email"),
              RowError(1, "external_id", "required", "FIELD_REQUIRED"));
  EXPECT_THAT(OnlyError(kHeader, "service,s1,\"  \""),
              RowError(1, "display_name", "required", "FIELD_REQUIRED"));
}

TEST(ImportCsvRowTest, ValuesThatDoNotConvertSayWhatIsAllowed) {
  EXPECT_THAT(
      OnlyError(kHeader, "company,c1,Lund"),
      RowError(1, "record_type",
               "unknown record_type \"company\" (allowed: customer_organization, service)"));
  EXPECT_THAT(
      OnlyError("record_type,external_id,display_name,lifecycle_stage", "service,s1,E,live2"),
      RowError(1, "lifecycle_stage", "(allowed: PIPELINE, LIVE, RETIRED)"));
  EXPECT_THAT(OnlyError("record_type,external_id,display_name,labels", "service,s1,E,tier"),
              RowError(1, "labels", "\"tier\" is not key=value"));
  EXPECT_THAT(OnlyError("record_type,external_id,display_name,labels", "service,s1,E,a=1;a=2"),
              RowError(1, "labels", "label \"a\" is given twice"));
  EXPECT_THAT(OnlyError("record_type,external_id,display_name,"
                        "service_level_availability_target_percent",
                        "service,s1,E,99,5%"),
              RowError(1, "", "has 5 fields"));
  EXPECT_THAT(OnlyError("record_type,external_id,display_name,"
                        "service_level_availability_target_percent",
                        "service,s1,E,high"),
              RowError(1, "service_level_availability_target_percent",
                       "\"high\" is not a number like 99.5"));
}

TEST(ImportCsvRowTest, TheResourcesFieldRulesApplyPerColumn) {
  EXPECT_THAT(OnlyError("record_type,external_id,display_name,contact_email",
                        "customer_organization,c1,Lund,anna(at)lund"),
              RowError(1, "contact_email", "is not an email address like name@example.org"));
  EXPECT_THAT(OnlyError("record_type,external_id,display_name,country_code",
                        "customer_organization,c1,Lund,Sweden"),
              RowError(1, "country_code", "ISO 3166-1 alpha-2"));
  EXPECT_THAT(OnlyError("record_type,external_id,display_name,"
                        "service_level_availability_target_percent",
                        "service,s1,E,120"),
              RowError(1, "service_level_availability_target_percent", "at most 100"));
  EXPECT_THAT(OnlyError("record_type,external_id,display_name,labels", "service,s1,E,Tier=gold"),
              RowError(1, "labels", "label \"Tier\": key must be"));
}

TEST(ImportCsvRowTest, AFieldOfTheOtherRecordTypeIsAnError) {
  EXPECT_THAT(OnlyError("record_type,external_id,display_name,owner",
                        "customer_organization,c1,Lund,Workplace team"),
              RowError(1, "owner", "applies to services only"));
  EXPECT_THAT(OnlyError("record_type,external_id,display_name,contact_email",
                        "service,s1,Email,anna@lund.example"),
              RowError(1, "contact_email", "applies to customer organisations only"));
}

TEST(ImportCsvRowTest, AnExternalIdTwiceForOneRecordTypeIsAnErrorOfTheLaterRow) {
  ParsedImport parsed = Csv(absl::StrCat(kHeader,
                                         "\n"
                                         "customer_organization,x1,Lund\n"
                                         "service,x1,Email\n"
                                         "customer_organization,x1,Lund again\n"));
  EXPECT_THAT(parsed.rows, SizeIs(2));  // an organisation and a service may share an id
  EXPECT_THAT(parsed.errors,
              ElementsAre(RowError(3, "external_id", "\"x1\" is also on row 1", "ALREADY_EXISTS")));
  EXPECT_EQ(parsed.errors[0].external_id(), "x1");
}

TEST(ImportCsvRowTest, EveryBadRowIsReportedAndOnlyGoodRowsKept) {
  ParsedImport parsed = Csv(absl::StrCat(kHeader,
                                         ",contact_email\n"
                                         "customer_organization,c1,Lund,bad\n"
                                         "customer_organization,c2,Malmö,a@malmo.example\n"
                                         "thing,c3,Ystad,\n"));
  ASSERT_THAT(parsed.rows, SizeIs(1));
  EXPECT_EQ(parsed.rows[0].row, 2);
  EXPECT_THAT(parsed.errors, ElementsAre(RowError(1, "contact_email", "not an email"),
                                         RowError(3, "record_type", "unknown record_type")));
  EXPECT_THAT(parsed.invalid_organization_ids, Contains("c1"));
}

TEST(ImportCsvRowTest, ListsAndLabelsAreSplitOnSemicolons) {
  ParsedImport parsed =
      Csv("record_type,external_id,display_name,customer_organization_external_ids,labels\n"
          "service,s1,Email, c1 ; c2;, tier = gold;segment=public\n");
  ASSERT_THAT(parsed.rows, SizeIs(1));
  EXPECT_THAT(parsed.rows[0].data.customer_organization_external_ids(), ElementsAre("c1", "c2"));
  EXPECT_EQ(parsed.rows[0].data.labels().at("tier"), "gold");
  EXPECT_EQ(parsed.rows[0].data.labels().at("segment"), "public");
}

TEST(ImportCsvRowTest, ManyErrorsAreCappedWithACount) {
  std::string text = absl::StrCat(kHeader, "\n");
  for (int i = 0; i < 1500; ++i) absl::StrAppend(&text, "thing,t", i, ",T\n");
  ParsedImport parsed = Csv(text);
  ASSERT_THAT(parsed.errors, SizeIs(1001));
  EXPECT_THAT(parsed.errors.back().message(), HasSubstr("500 more errors are not listed"));
}

// --- JSON -------------------------------------------------------------------------------------

TEST(ImportJsonTest, ReadsRowsInEitherNameStyleWithShortOrFullEnumNames) {
  ParsedImport parsed = Json(R"({"rows": [
      {"recordType": "customer_organization", "externalId": "c1", "displayName": "Lund",
       "labels": {"segment": "public"}},
      {"record_type": "CATALOG_RECORD_TYPE_SERVICE", "external_id": "s1", "display_name": "Email",
       "lifecycleStage": "retired", "customerOrganizationExternalIds": ["c1"],
       "serviceLevelAvailabilityTargetPercent": 99.9}]})");
  EXPECT_THAT(parsed.errors, IsEmpty());
  ASSERT_THAT(parsed.rows, SizeIs(2));
  EXPECT_EQ(parsed.rows[0].data.labels().at("segment"), "public");
  EXPECT_TRUE(parsed.rows[0].Given("labels"));
  EXPECT_FALSE(parsed.rows[0].Given("description"));
  EXPECT_EQ(parsed.rows[1].row, 2);
  EXPECT_EQ(parsed.rows[1].data.lifecycle_stage(), catalog::SERVICE_LIFECYCLE_STAGE_RETIRED);
  EXPECT_DOUBLE_EQ(parsed.rows[1].data.service_level_availability_target_percent(), 99.9);
  EXPECT_TRUE(parsed.rows[1].Given("customer_organization_external_ids"));
}

TEST(ImportJsonTest, AnEmptyStringClearsAnEnumLikeNull) {
  ParsedImport parsed = Json(R"({"rows": [
      {"record_type": "service", "external_id": "s1", "display_name": "Email",
       "lifecycle_stage": ""},
      {"record_type": "service", "external_id": "s2", "display_name": "Wiki",
       "lifecycleStage": null}]})");
  EXPECT_THAT(parsed.errors, IsEmpty());
  ASSERT_THAT(parsed.rows, SizeIs(2));
  for (const ImportRow& row : parsed.rows) {
    EXPECT_TRUE(row.Given("lifecycle_stage")) << row.row;
    catalog::ItService stored;
    stored.set_lifecycle_stage(catalog::SERVICE_LIFECYCLE_STAGE_RETIRED);
    ApplyRow(row, {}, stored);
    EXPECT_EQ(stored.lifecycle_stage(), catalog::SERVICE_LIFECYCLE_STAGE_LIVE) << row.row;
  }
}

TEST(ImportJsonTest, BadRowsGetErrorsWithTheirFieldPath) {
  ParsedImport parsed = Json(R"({"rows": [
      {"record_type": "service", "external_id": "s1", "display_name": "Email", "sys_id": "x"},
      {"record_type": "service", "external_id": "s2", "display_name": ["Email"]},
      "service",
      {"record_type": "team", "external_id": "s3", "display_name": "Desk"},
      {"record_type": "service", "external_id": "s4", "display_name": "Ok",
       "labels": {"tier": 1}}]})");
  EXPECT_THAT(parsed.rows, IsEmpty());
  EXPECT_THAT(parsed.errors,
              ElementsAre(RowError(1, "sys_id", "unknown field \"sys_id\" of CatalogRow"),
                          RowError(2, "display_name", "expected a string, got a list"),
                          RowError(3, "", "expected an object"),
                          RowError(4, "record_type", "(allowed: customer_organization, service)"),
                          RowError(5, "labels[tier]", "expected a string, got an integer")));
  EXPECT_EQ(parsed.errors[0].external_id(), "s1");
}

// A number names a record type only if it is one: 7 is refused, not taken as an organisation.
TEST(ImportJsonTest, ARecordTypeNumberThatNamesNoTypeIsRefused) {
  ParsedImport parsed = Json(R"({"rows": [
      {"record_type": 7, "external_id": "x", "display_name": "Seven"},
      {"record_type": 2, "external_id": "s1", "display_name": "Email"}]})");
  ASSERT_EQ(parsed.rows.size(), 1u);
  EXPECT_EQ(parsed.rows[0].data.external_id(), "s1");
  EXPECT_THAT(parsed.errors,
              ElementsAre(RowError(1, "record_type", "7 is not a record type; allowed: ")));
}

// A value nested a million levels deep (2 MB, within the payload limit) where a field expects
// a string, and under an unknown field: reported, never walked (serializing it recursed once
// per level and overflowed the stack).
TEST(ImportJsonTest, DeeplyNestedValuesAreReportedNotWalked) {
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  ParsedImport parsed = Json(absl::StrCat(
      R"({"rows": [{"record_type": "service", "external_id": "s1", "display_name": )", deep,
      R"(}, {"record_type": "service", "external_id": "s2", "display_name": "x", "extra": )", deep,
      "}]}"));
  EXPECT_THAT(parsed.rows, IsEmpty());
  EXPECT_THAT(parsed.errors,
              ElementsAre(RowError(1, "display_name", "expected a string, got a list"),
                          RowError(2, "extra", "unknown field \"extra\" of CatalogRow")));
}

TEST(ImportJsonTest, APayloadThatIsNotTheDocumentShapeIsRefused) {
  ExpectPayloadInvalid(ParseImportPayload(catalog::IMPORT_FORMAT_JSON, "{\"rows\": ["),
                       "not valid JSON");
  ExpectPayloadInvalid(ParseImportPayload(catalog::IMPORT_FORMAT_JSON, "[]"),
                       "expected a JSON object {\"rows\"");
  ExpectPayloadInvalid(ParseImportPayload(catalog::IMPORT_FORMAT_JSON, R"({"items": []})"),
                       "unknown field \"items\" (allowed: rows)");
  ExpectPayloadInvalid(ParseImportPayload(catalog::IMPORT_FORMAT_JSON, R"({"rows": {}})"),
                       "\"rows\" must be a list");
  ExpectPayloadInvalid(ParseImportPayload(catalog::IMPORT_FORMAT_JSON, "  \n"), "empty");
}

// --- Rows onto resources ----------------------------------------------------------------------

TEST(ApplyRowTest, ColumnsLeftOutKeepTheStoredValueAndEmptyCellsClearIt) {
  ParsedImport parsed =
      Csv("record_type,external_id,display_name,description,lifecycle_stage,"
          "service_level_summary\n"
          "service,s1,Email,,,\n");
  ASSERT_THAT(parsed.rows, SizeIs(1));
  catalog::ItService stored;
  stored.set_display_name("Mail");
  stored.set_description("old");
  stored.set_owner("Workplace team");  // no owner column: kept
  stored.mutable_service_level()->set_summary("P1 in 4 h");
  ApplyRow(parsed.rows[0], {}, stored);
  EXPECT_EQ(stored.display_name(), "Email");
  EXPECT_EQ(stored.description(), "");
  EXPECT_EQ(stored.owner(), "Workplace team");
  EXPECT_EQ(stored.lifecycle_stage(), catalog::SERVICE_LIFECYCLE_STAGE_LIVE);  // empty = LIVE
  EXPECT_FALSE(stored.has_service_level());                                    // all empty is none
}

TEST(ApplyRowTest, ServiceLevelColumnsAndOrganizationsLandOnTheService) {
  ParsedImport parsed =
      Csv("record_type,external_id,display_name,service_level_support_hours,"
          "service_level_agreement_reference,service_level_availability_target_percent,"
          "customer_organization_external_ids\n"
          "service,s1,Email,24/7,SLA1,99.5,c1\n");
  ASSERT_THAT(parsed.rows, SizeIs(1));
  catalog::ItService service;
  ApplyRow(parsed.rows[0], {"tenants/t/customerOrganizations/org-1"}, service);
  EXPECT_EQ(service.service_level().support_hours(), "24/7");
  EXPECT_EQ(service.service_level().agreement_reference(), "SLA1");
  EXPECT_DOUBLE_EQ(service.service_level().availability_target_percent(), 99.5);
  EXPECT_THAT(service.customer_organizations(),
              ElementsAre("tenants/t/customerOrganizations/org-1"));
}

TEST(ImportColumnsTest, EveryCatalogRowFieldIsAColumnOnce) {
  std::vector<ImportColumn> columns = ImportColumns();
  const auto& d = *catalog::CatalogRow::descriptor();
  EXPECT_THAT(columns, SizeIs(d.field_count()));
  for (int i = 0; i < d.field_count(); ++i) {
    EXPECT_THAT(columns, Contains(Field(&ImportColumn::name, d.field(i)->name())));
  }
}

TEST(ImportExamplesTest, TheDocumentedExamplesReadWithoutErrors) {
  ParsedImport csv = Csv(ReadImportExample("catalog-import.csv"));
  EXPECT_THAT(csv.errors, IsEmpty());
  EXPECT_THAT(csv.rows, SizeIs(5));
  ParsedImport json = Json(ReadImportExample("catalog-import.json"));
  EXPECT_THAT(json.errors, IsEmpty());
  ASSERT_THAT(json.rows, SizeIs(csv.rows.size()));
  for (size_t i = 0; i < csv.rows.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(json.rows[i].data, csv.rows[i].data))
        << "row " << i + 1 << " differs between the CSV and the JSON example";
  }
}

}  // namespace
}  // namespace lagom::questionnaire
