#include "services/questionnaire/model/model_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lagom::questionnaire {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::vector<FieldViolation> Check(const std::string& json) {
  model_api::ModelDocument doc;
  return ParseModelDocumentJson(json, &doc);
}

TEST(ModelJsonTest, UnknownEnumNameNamesThePathAndTheAllowedValues) {
  EXPECT_THAT(Check(R"({"modelVersion": {"content": {"areas": [{}, {}, {}, {"items": [
                {}, {}, {}, {}, {}, {}, {}, {"scale": "LIKERT7"}]}]}}})"),
              ElementsAre(FieldViolation{
                  "model_version.content.areas[3].items[7].scale",
                  "unknown scale \"LIKERT7\" (allowed: SCALE_MATURITY_0_5, SCALE_SAMM_4, "
                  "SCALE_LIKERT_5, SCALE_YES_NO)"}));
}

TEST(ModelJsonTest, UnknownFieldIsNamedWithWhatIsAllowed) {
  std::vector<FieldViolation> v =
      Check(R"({"model_version": {"content": {"areas": [{"id": "a", "colour": "red"}]}}})");
  ASSERT_THAT(v, SizeIs(1));
  EXPECT_EQ(v[0].field, "model_version.content.areas[0].colour");
  EXPECT_THAT(v[0].description, HasSubstr("unknown field \"colour\" of Area (allowed: id, "));
}

TEST(ModelJsonTest, WrongTypesAreNamedAndEveryProblemIsReportedAtOnce) {
  std::vector<FieldViolation> v = Check(R"({
    "format": 1,
    "model": {"displayName": {"translations": {"en": 5}}, "labels": []},
    "modelVersion": {"content": {"areas": [{"skippable": "yes", "defaultTargetScore": "high",
      "items": [{"weight": true, "naAllowed": 1, "sammPosition": {"level": 1.5},
                 "levelDescriptors": {"value": 1}}]}]}}})");
  std::vector<std::string> fields;
  for (const FieldViolation& f : v) fields.push_back(f.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre(
                          "format", "model.display_name.translations[en]", "model.labels",
                          "model_version.content.areas[0].skippable",
                          "model_version.content.areas[0].default_target_score",
                          "model_version.content.areas[0].items[0].weight",
                          "model_version.content.areas[0].items[0].na_allowed",
                          "model_version.content.areas[0].items[0].samm_position.level",
                          "model_version.content.areas[0].items[0].level_descriptors"));
  EXPECT_THAT(v[0].description, HasSubstr("expected a string, got an integer"));
}

TEST(ModelJsonTest, NotJsonAtAllSaysWhere) {
  std::vector<FieldViolation> v = Check("{\"format\": ");
  ASSERT_THAT(v, SizeIs(1));
  EXPECT_EQ(v[0].field, "json");
  EXPECT_THAT(v[0].description, HasSubstr("not valid JSON"));
  EXPECT_THAT(Check("[]"), ElementsAre(FieldViolation{
                               "json", "expected a JSON object (ModelDocument), got a list"}));
}

TEST(ModelJsonTest, AcceptsBothNameFormsNullsAndNumericEnums) {
  model_api::ModelDocument doc;
  EXPECT_THAT(ParseModelDocumentJson(R"({"format": "lagom.model.v1", "model": null,
      "model_version": {"versionLabel": "1", "content": {"areas": [{"kind": 1,
      "items": [{"scale": "SCALE_YES_NO", "weight": "1.5"}]}]}}})",
                                     &doc),
              IsEmpty());
  EXPECT_EQ(doc.model_version().content().areas(0).items(0).scale(), model_api::SCALE_YES_NO);
  EXPECT_EQ(doc.model_version().content().areas(0).items(0).weight(), 1.5);
}

TEST(ModelJsonTest, ExportIsDeterministicAndReadsBack) {
  model_api::ModelDocument doc;
  doc.set_format(kModelDocumentFormat);
  auto& translations = *doc.mutable_model()->mutable_display_name()->mutable_translations();
  for (const char* tag : {"sv", "en", "fi", "de", "nb", "da"}) translations[tag] = tag;
  const std::string json = ModelDocumentToJson(doc);
  EXPECT_THAT(json, HasSubstr("\"displayName\""));
  EXPECT_LT(json.find("\"da\""), json.find("\"sv\""));  // map keys sorted
  model_api::ModelDocument back;
  ASSERT_THAT(ParseModelDocumentJson(json, &back), IsEmpty());
  EXPECT_EQ(ModelDocumentToJson(back), json);
}

}  // namespace
}  // namespace lagom::questionnaire
