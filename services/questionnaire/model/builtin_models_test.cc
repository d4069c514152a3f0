#include "services/questionnaire/model/builtin_models.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "services/questionnaire/model/validation.h"

namespace lagom::questionnaire {
namespace {

using model_api::Area;
using model_api::Item;
using model_api::ModelContent;
using model_api::ModelVersion;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

const BuiltinModel& LagomItsm() {
  const std::vector<BuiltinModel>& models = BuiltinModels();
  EXPECT_THAT(models, SizeIs(1));
  return models.at(0);
}

const ModelContent& Content() { return LagomItsm().versions.at(0).content(); }

bool HasTranslations(const ::lagom::type::v1::LocalizedText& text) {
  for (const char* language : {"en", "sv"}) {
    auto it = text.translations().find(language);
    if (it == text.translations().end() || it->second.empty()) return false;
  }
  return true;
}

TEST(BuiltinModelsTest, LagomItsmIsABuiltinModelWithOnePublishedVersion) {
  const BuiltinModel& builtin = LagomItsm();
  EXPECT_EQ(builtin.model.name(), "models/lagom-itsm");
  EXPECT_TRUE(builtin.model.builtin());
  EXPECT_EQ(builtin.model.latest_published_version(), "models/lagom-itsm/versions/1");
  EXPECT_TRUE(HasTranslations(builtin.model.display_name()));
  EXPECT_TRUE(HasTranslations(builtin.model.description()));
  ASSERT_THAT(builtin.versions, SizeIs(1));
  const ModelVersion& version = builtin.versions[0];
  EXPECT_EQ(version.name(), "models/lagom-itsm/versions/1");
  EXPECT_EQ(version.version_label(), "1");
  EXPECT_TRUE(HasTranslations(version.release_notes()));
  EXPECT_EQ(version.state(), model_api::MODEL_VERSION_STATE_PUBLISHED);
  EXPECT_EQ(version.content_hash(), ContentHash(version.content()));
  EXPECT_THAT(version.content_hash(), StartsWith("sha256:"));
  EXPECT_GT(version.publish_time().seconds(), 0);
  EXPECT_EQ(version.create_time().seconds(), version.publish_time().seconds());
}

TEST(BuiltinModelsTest, IsTheSameObjectEveryTime) {
  EXPECT_EQ(&BuiltinModels(), &BuiltinModels());
}

TEST(BuiltinModelsTest, ValidatesClean) {
  EXPECT_THAT(ValidateModelContent(Content(), "content"), IsEmpty());
}

TEST(BuiltinModelsTest, ProviderAndCustomerFinishInReasonableTime) {
  int provider = 0;
  int customer = 0;
  for (const Area& area : Content().areas()) {
    for (const Item& item : area.items()) {
      if (item.perspective() != model_api::ITEM_PERSPECTIVE_CUSTOMER) ++provider;
      if (item.perspective() != model_api::ITEM_PERSPECTIVE_PROVIDER) ++customer;
    }
  }
  EXPECT_LE(provider, 60);
  EXPECT_LE(customer, 30);  // about 15 minutes for a customer
  EXPECT_GE(customer, 15) << "the customer view is the point of the model";
}

TEST(BuiltinModelsTest, EveryAreaHasEnglishAndSwedishTitleAndAGoodEnoughTarget) {
  ASSERT_FALSE(Content().areas().empty());
  for (const Area& area : Content().areas()) {
    EXPECT_TRUE(HasTranslations(area.title())) << area.id();
    EXPECT_TRUE(HasTranslations(area.description())) << area.id();
    EXPECT_GT(area.default_target_score(), 0) << area.id();
    EXPECT_LT(area.default_target_score(), 1) << area.id() << ": good enough, not perfect";
    EXPECT_FALSE(area.lineage_id().empty()) << area.id();
  }
}

TEST(BuiltinModelsTest, EveryAreaMapsToItilIsoAndCobit) {
  for (const Area& area : Content().areas()) {
    std::set<int> frameworks;
    for (const auto& ref : area.framework_references()) frameworks.insert(ref.framework());
    EXPECT_EQ(frameworks.size(), 3u) << area.id();
  }
}

TEST(BuiltinModelsTest, EveryItemHasALineageId) {
  for (const Area& area : Content().areas()) {
    for (const Item& item : area.items()) EXPECT_FALSE(item.lineage_id().empty()) << item.id();
  }
}

TEST(BuiltinModelsTest, EveryPairIsOneProviderAndOneCustomerItem) {
  std::map<std::string, std::multiset<int>> pairs;
  int customer_items = 0;
  int paired_customer_items = 0;
  for (const Area& area : Content().areas()) {
    for (const Item& item : area.items()) {
      if (!item.pair_id().empty()) pairs[item.pair_id()].insert(item.perspective());
      if (item.perspective() == model_api::ITEM_PERSPECTIVE_CUSTOMER) {
        ++customer_items;
        if (!item.pair_id().empty()) ++paired_customer_items;
      }
    }
  }
  const std::multiset<int> complete = {model_api::ITEM_PERSPECTIVE_PROVIDER,
                                       model_api::ITEM_PERSPECTIVE_CUSTOMER};
  for (const auto& [pair_id, perspectives] : pairs) EXPECT_EQ(perspectives, complete) << pair_id;
  // Most aspects are asked from both sides, so the two views can be compared.
  EXPECT_GT(paired_customer_items * 2, customer_items);
}

TEST(BuiltinModelsTest, CustomerItemsAreLikertWithAServqualDimension) {
  for (const Area& area : Content().areas()) {
    for (const Item& item : area.items()) {
      if (item.perspective() == model_api::ITEM_PERSPECTIVE_PROVIDER) continue;
      EXPECT_EQ(item.scale(), model_api::SCALE_LIKERT_5) << item.id();
      EXPECT_NE(item.servqual_dimension(), model_api::SERVQUAL_DIMENSION_UNSPECIFIED) << item.id();
    }
  }
}

TEST(BuiltinModelsTest, JsonRoundTripKeepsContentAndHash) {
  const ModelVersion& version = LagomItsm().versions.at(0);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(version, &json).ok());
  ModelVersion parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, version));
  EXPECT_EQ(ContentHash(parsed.content()), version.content_hash());
}

}  // namespace
}  // namespace lagom::questionnaire
