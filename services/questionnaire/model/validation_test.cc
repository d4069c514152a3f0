#include "services/questionnaire/model/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace lagom::questionnaire {
namespace {

using ::lagom::type::v1::LocalizedText;
using model_api::Area;
using model_api::Item;
using model_api::ModelContent;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Matcher;
using ::testing::Not;
using ::testing::StartsWith;

Matcher<FieldViolation> Violation(const std::string& field, Matcher<std::string> description) {
  return AllOf(Field("field", &FieldViolation::field, field),
               Field("description", &FieldViolation::description, description));
}

void SetText(LocalizedText* text, const std::string& en, const std::string& sv) {
  (*text->mutable_translations())["en"] = en;
  (*text->mutable_translations())["sv"] = sv;
}

Item* AddItem(Area* area, const std::string& id, model_api::ItemPerspective perspective,
              model_api::Scale scale) {
  Item* item = area->add_items();
  item->set_id(id);
  item->set_lineage_id("lin." + id);
  item->set_perspective(perspective);
  item->set_scale(scale);
  item->set_weight(1);
  SetText(item->mutable_text(), "Question " + id, "Fråga " + id);
  return item;
}

void AddMaturityLevels(Item* item) {
  for (int level = 0; level <= 5; ++level) {
    model_api::LevelDescriptor* d = item->add_level_descriptors();
    d->set_value(level);
    SetText(d->mutable_label(), "Level " + std::to_string(level), "Nivå " + std::to_string(level));
  }
}

// A small model that satisfies every rule: one area with a provider/customer pair, an item
// both sides answer and a SAMM practice item.
ModelContent GoodContent() {
  ModelContent content;
  content.set_default_language_tag("en");
  content.add_language_tags("en");
  content.add_language_tags("sv");
  Area* area = content.add_areas();
  area->set_id("incident");
  area->set_lineage_id("lin.incident");
  area->set_kind(model_api::AREA_KIND_REACTIVE_MANAGEMENT);
  SetText(area->mutable_title(), "Incidents", "Störningar");
  SetText(area->mutable_description(), "Getting things working again",
          "Att laga det som gått sönder");
  area->set_default_target_score(0.6);
  model_api::FrameworkReference* ref = area->add_framework_references();
  ref->set_framework(model_api::FRAMEWORK_ISO_IEC_20000_1);
  ref->set_reference("8.6.1");

  Item* provider = AddItem(area, "incident.restore.provider", model_api::ITEM_PERSPECTIVE_PROVIDER,
                           model_api::SCALE_MATURITY_0_5);
  provider->set_pair_id("incident.restore");
  provider->set_process_attribute(model_api::PROCESS_ATTRIBUTE_PA_2_1);
  AddMaturityLevels(provider);

  Item* customer = AddItem(area, "incident.restore.customer", model_api::ITEM_PERSPECTIVE_CUSTOMER,
                           model_api::SCALE_LIKERT_5);
  customer->set_pair_id("incident.restore");
  customer->set_weight(2);
  customer->set_servqual_dimension(model_api::SERVQUAL_DIMENSION_RELIABILITY);
  customer->set_servqual_aspect(model_api::SERVQUAL_ASPECT_BOTH);

  Item* both =
      AddItem(area, "incident.together", model_api::ITEM_PERSPECTIVE_BOTH, model_api::SCALE_YES_NO);
  both->set_na_allowed(true);
  SetText(both->mutable_help_text(), "Help", "Hjälp");

  Item* samm = AddItem(area, "incident.known-errors", model_api::ITEM_PERSPECTIVE_PROVIDER,
                       model_api::SCALE_SAMM_4);
  for (double v : {0.0, 0.25, 0.5, 1.0}) {
    model_api::LevelDescriptor* d = samm->add_level_descriptors();
    d->set_value(v);
    SetText(d->mutable_label(), "Answer", "Svar");
  }
  samm->mutable_samm_position()->set_level(1);
  samm->mutable_samm_position()->set_stream("A");
  return content;
}

std::vector<FieldViolation> Validate(const ModelContent& content, const ModelLimits& limits = {}) {
  return ValidateModelContent(content, "content", limits);
}

Item* ItemAt(ModelContent& content, int index) {
  return content.mutable_areas(0)->mutable_items(index);
}

TEST(ValidateModelContentTest, GoodModelHasNoViolations) {
  EXPECT_THAT(Validate(GoodContent()), IsEmpty());
}

TEST(ValidateModelContentTest, PathsStartWithThePrefix) {
  ModelContent content = GoodContent();
  ItemAt(content, 0)->set_weight(-1);
  EXPECT_THAT(ValidateModelContent(content, "model_version.content"),
              ElementsAre(Violation("model_version.content.areas[0].items[0].weight", _)));
  EXPECT_THAT(ValidateModelContent(content, ""),
              ElementsAre(Violation("areas[0].items[0].weight", _)));
}

TEST(ValidateModelContentTest, ContentOverTheSizeLimit) {
  ModelLimits limits;
  limits.max_content_bytes = 100;
  EXPECT_THAT(Validate(GoodContent(), limits),
              ElementsAre(Violation("content", HasSubstr("at most 100 bytes"))));
}

TEST(ValidateModelContentTest, LanguagesMustIncludeEnglishAndSwedish) {
  ModelContent content = GoodContent();
  content.mutable_language_tags()->RemoveLast();  // "sv"
  EXPECT_THAT(Validate(content),
              Contains(Violation("content.language_tags", HasSubstr("missing \"sv\""))));
}

TEST(ValidateModelContentTest, LanguageTagsAreWellFormedAndListedOnce) {
  ModelContent content = GoodContent();
  content.add_language_tags("sv");
  content.add_language_tags("not a tag");
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.language_tags[2]", HasSubstr("listed twice")),
                          Violation("content.language_tags[3]", HasSubstr("BCP 47"))));
}

TEST(ValidateModelContentTest, TooManyLanguages) {
  ModelLimits limits;
  limits.max_languages = 1;
  EXPECT_THAT(Validate(GoodContent(), limits),
              ElementsAre(Violation("content.language_tags", HasSubstr("at most 1"))));
}

// Thousands of languages (or translations) are refused once each, not once per text and
// language: validation must not build gigabytes of violations for a small hostile model.
TEST(ValidateModelContentTest, ThousandsOfLanguagesOrTranslationsAreRefusedOnce) {
  ModelContent content = GoodContent();
  for (int i = 0; i < 20000; ++i) content.add_language_tags(absl::StrCat("en-", i));
  std::vector<FieldViolation> violations = Validate(content);
  EXPECT_THAT(violations,
              ElementsAre(Violation("content.language_tags", HasSubstr("20002 languages"))));

  content = GoodContent();
  auto& translations = *content.mutable_areas(0)->mutable_title()->mutable_translations();
  for (int i = 0; i < 5000; ++i) translations[absl::StrCat("en-", i)] = "x";
  violations = Validate(content);
  EXPECT_THAT(violations, ElementsAre(Violation("content.areas[0].title.translations",
                                                HasSubstr("5002 translations; at most 10"))));
}

TEST(ValidateModelContentTest, DefaultLanguageMustBeOneOfTheLanguages) {
  ModelContent content = GoodContent();
  content.set_default_language_tag("de");
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.default_language_tag", HasSubstr("allowed: en, sv"))));
  content.clear_default_language_tag();
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.default_language_tag", HasSubstr("required"))));
}

TEST(ValidateModelContentTest, AModelNeedsAreas) {
  ModelContent content = GoodContent();
  content.clear_areas();
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas", HasSubstr("at least one area"))));
}

TEST(ValidateModelContentTest, TooManyAreasAndItems) {
  ModelContent content = GoodContent();
  Area* second = content.add_areas();
  *second = content.areas(0);
  second->set_id("incident-2");
  second->clear_lineage_id();
  for (Item& item : *second->mutable_items()) {
    item.set_id(item.id() + ".2");
    item.set_lineage_id(item.lineage_id() + ".2");
    if (!item.pair_id().empty()) item.set_pair_id(item.pair_id() + ".2");
  }
  ModelLimits limits;
  limits.max_areas = 1;
  limits.max_items_per_area = 3;
  limits.max_items = 7;
  EXPECT_THAT(Validate(content, limits),
              ElementsAre(Violation("content.areas", HasSubstr("2 areas; at most 1 allowed")),
                          Violation("content.areas", HasSubstr("8 items in total; at most 7")),
                          Violation("content.areas[0].items", HasSubstr("at most 3 allowed")),
                          Violation("content.areas[1].items", HasSubstr("at most 3 allowed"))));
}

TEST(ValidateModelContentTest, DuplicateAreaIds) {
  ModelContent content = GoodContent();
  Area* second = content.add_areas();
  second->set_id("incident");
  second->set_lineage_id("lin.incident-2");
  second->set_kind(model_api::AREA_KIND_KNOWLEDGE);
  SetText(second->mutable_title(), "Knowledge", "Kunskap");
  AddItem(second, "knowledge.documented", model_api::ITEM_PERSPECTIVE_BOTH,
          model_api::SCALE_YES_NO);
  EXPECT_THAT(Validate(content), ElementsAre(Violation("content.areas[1].id",
                                                       AllOf(HasSubstr("duplicate id \"incident\""),
                                                             HasSubstr("content.areas[0].id")))));
}

TEST(ValidateModelContentTest, ItemIdsAreUniqueAcrossTheWholeModel) {
  ModelContent content = GoodContent();
  Area* second = content.add_areas();
  second->set_id("knowledge");
  second->set_kind(model_api::AREA_KIND_KNOWLEDGE);
  SetText(second->mutable_title(), "Knowledge", "Kunskap");
  AddItem(second, "incident.together", model_api::ITEM_PERSPECTIVE_BOTH, model_api::SCALE_YES_NO)
      ->set_lineage_id("lin.knowledge.other");
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[1].items[0].id",
                                    HasSubstr("already used by content.areas[0].items[2].id"))));
}

TEST(ValidateModelContentTest, IdsFollowThePattern) {
  ModelContent content = GoodContent();
  content.mutable_areas(0)->set_id("Incident!");
  ItemAt(content, 2)->set_id(std::string(64, 'a'));
  ItemAt(content, 3)->clear_id();
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].id", HasSubstr("lowercase letters, digits")),
                          Violation("content.areas[0].items[2].id", HasSubstr("1-63 characters")),
                          Violation("content.areas[0].items[3].id", HasSubstr("id is required"))));
}

TEST(ValidateModelContentTest, DuplicateLineageIds) {
  ModelContent content = GoodContent();
  ItemAt(content, 1)->set_lineage_id("lin.incident.restore.provider");
  // An empty lineage id defaults to the id, which may collide with another's lineage id.
  ItemAt(content, 3)->clear_lineage_id();
  ItemAt(content, 2)->set_lineage_id("incident.known-errors");
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[1].lineage_id",
                                    HasSubstr("duplicate lineage id")),
                          Violation("content.areas[0].items[3].lineage_id",
                                    HasSubstr("\"incident.known-errors\", already used by "
                                              "content.areas[0].items[2].lineage_id"))));
}

TEST(ValidateModelContentTest, AreasAndItemsHaveSeparateLineageNamespaces) {
  ModelContent content = GoodContent();
  ItemAt(content, 2)->set_lineage_id("lin.incident");  // same as the area's: allowed
  EXPECT_THAT(Validate(content), IsEmpty());
}

TEST(ValidateModelContentTest, AreaKindIsRequiredAndKnown) {
  ModelContent content = GoodContent();
  content.mutable_areas(0)->set_kind(model_api::AREA_KIND_UNSPECIFIED);
  EXPECT_THAT(
      Validate(content),
      ElementsAre(Violation("content.areas[0].kind",
                            AllOf(HasSubstr("required"), HasSubstr("AREA_KIND_REACTIVE_MANAGEMENT"),
                                  Not(HasSubstr("AREA_KIND_UNSPECIFIED"))))));
  content.mutable_areas(0)->set_kind(static_cast<model_api::AreaKind>(42));
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].kind",
                                    AllOf(HasSubstr("unknown area kind 42"),
                                          HasSubstr("AREA_KIND_SERVICE_CATALOGUE")))));
}

TEST(ValidateModelContentTest, EveryTextIsTranslatedIntoEveryLanguage) {
  ModelContent content = GoodContent();
  content.mutable_areas(0)->mutable_title()->mutable_translations()->erase("sv");
  (*ItemAt(content, 2)->mutable_help_text()->mutable_translations())["en"] = "";
  (*ItemAt(content, 0)
        ->mutable_level_descriptors(3)
        ->mutable_label()
        ->mutable_translations())["de"] = "Stufe 3";
  EXPECT_THAT(
      Validate(content),
      ElementsAre(Violation("content.areas[0].title.translations[\"sv\"]",
                            AllOf(HasSubstr("missing \"sv\" translation"), HasSubstr("en, sv"))),
                  Violation("content.areas[0].items[0].level_descriptors[3].label"
                            ".translations[\"de\"]",
                            HasSubstr("not in content.language_tags (allowed: en, sv)")),
                  Violation("content.areas[0].items[2].help_text.translations[\"en\"]",
                            HasSubstr("missing \"en\" translation"))));
}

TEST(ValidateModelContentTest, RequiredTextsMustBeSet) {
  ModelContent content = GoodContent();
  content.mutable_areas(0)->clear_title();
  ItemAt(content, 1)->clear_text();
  ItemAt(content, 3)->mutable_level_descriptors(0)->clear_label();
  content.mutable_areas(0)->clear_description();  // optional: no violation
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].title", HasSubstr("required")),
                          Violation("content.areas[0].items[1].text", HasSubstr("en, sv")),
                          Violation("content.areas[0].items[3].level_descriptors[0].label",
                                    HasSubstr("required"))));
}

TEST(ValidateModelContentTest, TextOverTheLengthLimit) {
  ModelContent content = GoodContent();
  ModelLimits limits;
  limits.max_text_chars = 20;
  SetText(content.mutable_areas(0)->mutable_title(), "Incidents and requests",
          "Störningar och ärende");
  // 20 characters in 22 bytes: within the limit, which counts characters, not bytes.
  SetText(content.mutable_areas(0)->mutable_description(), "Short", "Ärenden och åtgärder");
  for (Item& item : *content.mutable_areas(0)->mutable_items())
    SetText(item.mutable_text(), "Q", "F");
  EXPECT_THAT(Validate(content, limits),
              ElementsAre(Violation("content.areas[0].title.translations[\"en\"]",
                                    HasSubstr("22 characters; at most 20 allowed")),
                          Violation("content.areas[0].title.translations[\"sv\"]",
                                    HasSubstr("21 characters"))));
}

TEST(ValidateModelContentTest, AnAreaNeedsItems) {
  ModelContent content = GoodContent();
  content.mutable_areas(0)->clear_items();
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items", HasSubstr("at least one item"))));
}

TEST(ValidateModelContentTest, DefaultTargetIsOnTheNormalisedScale) {
  for (double target : {1.5, -0.1, std::nan("")}) {
    ModelContent content = GoodContent();
    content.mutable_areas(0)->set_default_target_score(target);
    EXPECT_THAT(Validate(content), ElementsAre(Violation("content.areas[0].default_target_score",
                                                         HasSubstr("allowed: 0 to 1"))))
        << target;
  }
  ModelContent content = GoodContent();
  content.mutable_areas(0)->set_default_target_score(1);
  EXPECT_THAT(Validate(content), IsEmpty());
}

TEST(ValidateModelContentTest, PerspectiveIsRequiredAndKnown) {
  ModelContent content = GoodContent();
  ItemAt(content, 2)->set_perspective(model_api::ITEM_PERSPECTIVE_UNSPECIFIED);
  ItemAt(content, 3)->set_perspective(static_cast<model_api::ItemPerspective>(9));
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[2].perspective",
                                    HasSubstr("allowed: ITEM_PERSPECTIVE_PROVIDER, "
                                              "ITEM_PERSPECTIVE_CUSTOMER, ITEM_PERSPECTIVE_BOTH")),
                          Violation("content.areas[0].items[3].perspective",
                                    HasSubstr("unknown perspective 9"))));
}

TEST(ValidateModelContentTest, ScaleIsRequiredAndKnown) {
  ModelContent content = GoodContent();
  ItemAt(content, 1)->set_scale(static_cast<model_api::Scale>(7));
  ItemAt(content, 2)->set_scale(model_api::SCALE_UNSPECIFIED);
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[1].scale",
                                    "unknown scale 7 (allowed: SCALE_MATURITY_0_5, SCALE_SAMM_4, "
                                    "SCALE_LIKERT_5, SCALE_YES_NO)"),
                          Violation("content.areas[0].items[2].scale",
                                    "scale is required (allowed: SCALE_MATURITY_0_5, "
                                    "SCALE_SAMM_4, SCALE_LIKERT_5, SCALE_YES_NO)")));
}

TEST(ValidateModelContentTest, WeightMustBePositive) {
  ModelContent content = GoodContent();
  ItemAt(content, 0)->set_weight(-0.5);
  ItemAt(content, 1)->set_weight(std::numeric_limits<double>::infinity());
  ItemAt(content, 2)->set_weight(0);  // unset: the default weight 1
  EXPECT_THAT(Validate(content), ElementsAre(Violation("content.areas[0].items[0].weight",
                                                       HasSubstr("allowed: a number from 0.001")),
                                             Violation("content.areas[0].items[1].weight",
                                                       HasSubstr("allowed: a number from 0.001"))));
}

// Two weights of 1e308 made the scoring service's weighted sums inf / inf = NaN: a model that
// cannot be scored is not stored.
TEST(ValidateModelContentTest, WeightIsWithinTheBoundsScoringTakes) {
  ModelContent content = GoodContent();
  ItemAt(content, 0)->set_weight(1e308);
  ItemAt(content, 1)->set_weight(std::nextafter(kMaxItemWeight, 2 * kMaxItemWeight));
  ItemAt(content, 2)->set_weight(kMaxItemWeight);
  ItemAt(content, 3)->set_weight(std::numeric_limits<double>::quiet_NaN());
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[0].weight",
                                    "1e+308 is not a valid weight (allowed: a number from 0.001 "
                                    "to 1000; 0 or unset means 1)"),
                          Violation("content.areas[0].items[1].weight",
                                    HasSubstr("allowed: a number from 0.001 to 1000")),
                          Violation("content.areas[0].items[3].weight",
                                    HasSubstr("allowed: a number from 0.001 to 1000"))));
  // Nor too small a one: it rounds the weighted sums towards 0.
  ItemAt(content, 0)->set_weight(kMinItemWeight);
  ItemAt(content, 1)->set_weight(std::nextafter(kMinItemWeight, 0.0));
  ItemAt(content, 2)->set_weight(0);
  ItemAt(content, 3)->set_weight(std::numeric_limits<double>::denorm_min());
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[1].weight",
                                    HasSubstr("allowed: a number from 0.001 to 1000")),
                          Violation("content.areas[0].items[3].weight",
                                    HasSubstr("allowed: a number from 0.001 to 1000"))));
}

TEST(ValidateModelContentTest, MaturityItemsDescribeEveryLevel) {
  ModelContent content = GoodContent();
  Item* item = ItemAt(content, 0);
  item->mutable_level_descriptors()->DeleteSubrange(4, 1);  // level 4
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation(
                  "content.areas[0].items[0].level_descriptors",
                  AllOf(HasSubstr("missing descriptors for 4"), HasSubstr("0, 1, 2, 3, 4, 5")))));
  item->clear_level_descriptors();
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[0].level_descriptors",
                                    HasSubstr("missing descriptors for 0, 1, 2, 3, 4, 5"))));
}

TEST(ValidateModelContentTest, MaturityLevelValuesAreExactlyZeroToFive) {
  ModelContent content = GoodContent();
  Item* item = ItemAt(content, 0);
  item->mutable_level_descriptors(2)->set_value(2.5);
  item->mutable_level_descriptors(5)->set_value(4);
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[0].level_descriptors[2].value",
                                    "2.5 is not a value of SCALE_MATURITY_0_5 (allowed: 0, 1, 2, "
                                    "3, 4, 5)"),
                          Violation("content.areas[0].items[0].level_descriptors[5].value",
                                    HasSubstr("described twice")),
                          Violation("content.areas[0].items[0].level_descriptors",
                                    HasSubstr("missing descriptors for 2, 5"))));
}

TEST(ValidateModelContentTest, LevelDescriptorsAscend) {
  ModelContent content = GoodContent();
  Item* item = ItemAt(content, 0);
  item->mutable_level_descriptors()->SwapElements(1, 2);
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[0].level_descriptors[2].value",
                                    HasSubstr("ascending value order"))));
}

TEST(ValidateModelContentTest, SammDescriptorsUseTheSammValues) {
  ModelContent content = GoodContent();
  ItemAt(content, 3)->mutable_level_descriptors(3)->set_value(0.75);
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[3].level_descriptors[3].value",
                                    HasSubstr("allowed: 0, 0.25, 0.5, 1")),
                          Violation("content.areas[0].items[3].level_descriptors",
                                    HasSubstr("missing descriptors for 1"))));
  ItemAt(content, 3)->clear_level_descriptors();  // optional for SAMM
  EXPECT_THAT(Validate(content), IsEmpty());
}

TEST(ValidateModelContentTest, SammPositionOnlyOnSammItems) {
  ModelContent content = GoodContent();
  ItemAt(content, 2)->mutable_samm_position()->set_level(1);
  ItemAt(content, 3)->mutable_samm_position()->set_level(4);
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[2].samm_position",
                                    HasSubstr("only SCALE_SAMM_4 items")),
                          Violation("content.areas[0].items[3].samm_position.level",
                                    HasSubstr("allowed: 1, 2, 3"))));
}

TEST(ValidateModelContentTest, DanglingPair) {
  ModelContent content = GoodContent();
  ItemAt(content, 1)->clear_pair_id();
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[0].pair_id",
                                    AllOf(HasSubstr("pair \"incident.restore\" has only this item"),
                                          HasSubstr("one ITEM_PERSPECTIVE_PROVIDER and one "
                                                    "ITEM_PERSPECTIVE_CUSTOMER")))));
}

TEST(ValidateModelContentTest, PairOfTheSamePerspective) {
  ModelContent content = GoodContent();
  ItemAt(content, 1)->set_perspective(model_api::ITEM_PERSPECTIVE_PROVIDER);
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[1].pair_id",
                                    AllOf(HasSubstr("joins two ITEM_PERSPECTIVE_PROVIDER items"),
                                          HasSubstr("content.areas[0].items[0].pair_id")))));
}

TEST(ValidateModelContentTest, PairOfMoreThanTwoItems) {
  ModelContent content = GoodContent();
  ItemAt(content, 3)->set_pair_id("incident.restore");
  EXPECT_THAT(Validate(content), ElementsAre(Violation("content.areas[0].items[3].pair_id",
                                                       HasSubstr("already has two items"))));
}

TEST(ValidateModelContentTest, BothItemsCannotBePaired) {
  ModelContent content = GoodContent();
  ItemAt(content, 1)->set_perspective(model_api::ITEM_PERSPECTIVE_BOTH);
  EXPECT_THAT(
      Validate(content),
      ElementsAre(Violation("content.areas[0].items[1].pair_id",
                            HasSubstr("ITEM_PERSPECTIVE_BOTH item is a pair by itself")),
                  Violation("content.areas[0].items[0].pair_id", HasSubstr("has only this item"))));
}

TEST(ValidateModelContentTest, ServqualAspectNeedsADimension) {
  ModelContent content = GoodContent();
  ItemAt(content, 1)->clear_servqual_dimension();
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].items[1].servqual_aspect",
                                    AllOf(HasSubstr("without servqual_dimension"),
                                          HasSubstr("SERVQUAL_DIMENSION_RELIABILITY")))));
}

TEST(ValidateModelContentTest, UnknownEnumNumbersAnywhere) {
  ModelContent content = GoodContent();
  ItemAt(content, 1)->set_servqual_dimension(static_cast<model_api::ServqualDimension>(6));
  ItemAt(content, 1)->set_servqual_aspect(static_cast<model_api::ServqualAspect>(4));
  ItemAt(content, 0)->set_process_attribute(static_cast<model_api::ProcessAttribute>(10));
  content.mutable_areas(0)->mutable_framework_references(0)->set_framework(
      static_cast<model_api::Framework>(4));
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].framework_references[0].framework",
                                    HasSubstr("unknown framework 4 (allowed: FRAMEWORK_ITIL4")),
                          Violation("content.areas[0].items[0].process_attribute",
                                    HasSubstr("unknown process attribute 10 (allowed: "
                                              "PROCESS_ATTRIBUTE_PA_1_1")),
                          Violation("content.areas[0].items[1].servqual_dimension",
                                    HasSubstr("unknown SERVQUAL dimension 6")),
                          Violation("content.areas[0].items[1].servqual_aspect",
                                    HasSubstr("unknown SERVQUAL aspect 4"))));
}

TEST(ValidateModelContentTest, FrameworkReferencesNeedAReference) {
  ModelContent content = GoodContent();
  content.mutable_areas(0)->mutable_framework_references(0)->clear_reference();
  EXPECT_THAT(Validate(content),
              ElementsAre(Violation("content.areas[0].framework_references[0].reference",
                                    HasSubstr("\"8.6.1\" for ISO/IEC 20000-1"))));
}

TEST(ValidateModelContentTest, ReportsEveryViolationAtOnce) {
  ModelContent content = GoodContent();
  content.set_default_language_tag("fr");
  content.mutable_areas(0)->set_default_target_score(5);
  ItemAt(content, 0)->set_scale(static_cast<model_api::Scale>(7));
  ItemAt(content, 1)->set_weight(-1);
  ItemAt(content, 2)->set_id("incident.restore.provider");
  std::vector<FieldViolation> violations = Validate(content);
  std::vector<std::string> fields;
  for (const FieldViolation& v : violations) fields.push_back(v.field);
  EXPECT_THAT(fields,
              ElementsAre("content.default_language_tag", "content.areas[0].default_target_score",
                          "content.areas[0].items[0].scale", "content.areas[0].items[1].weight",
                          "content.areas[0].items[2].id"));
}

TEST(ContentHashTest, IsSha256OfTheDeterministicSerialization) {
  // Golden values: the hash of a published version must never change between builds or runs.
  EXPECT_EQ(ContentHash(ModelContent()),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ModelContent content;
  content.set_default_language_tag("en");
  EXPECT_EQ(ContentHash(content),
            "sha256:fa543899ef52b09b834abb8ba12fef718c9bdd14544a86466ab6342d35093d20");
}

TEST(ContentHashTest, IndependentOfMapInsertionOrder) {
  ModelContent a = GoodContent();
  ModelContent b = GoodContent();
  LocalizedText* title_a = a.mutable_areas(0)->mutable_title();
  LocalizedText* title_b = b.mutable_areas(0)->mutable_title();
  title_a->clear_translations();
  title_b->clear_translations();
  const std::vector<std::string> languages = {"en", "sv", "de", "fi", "nb", "da", "fr", "es"};
  for (const std::string& l : languages) (*title_a->mutable_translations())[l] = "t-" + l;
  for (auto it = languages.rbegin(); it != languages.rend(); ++it) {
    (*title_b->mutable_translations())[*it] = "t-" + *it;
  }
  EXPECT_EQ(ContentHash(a), ContentHash(b));
  EXPECT_THAT(ContentHash(a), StartsWith("sha256:"));
  EXPECT_EQ(ContentHash(a).size(), 7u + 64u);
}

TEST(ContentHashTest, DiffersForDifferentContent) {
  ModelContent a = GoodContent();
  ModelContent b = GoodContent();
  ItemAt(b, 1)->set_weight(1.5);
  EXPECT_NE(ContentHash(a), ContentHash(b));
  EXPECT_EQ(ContentHash(a), ContentHash(GoodContent()));
}

}  // namespace
}  // namespace lagom::questionnaire
