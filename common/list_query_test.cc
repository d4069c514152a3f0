#include "common/list_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "lagom/catalog/v1/catalog.pb.h"
#include "lagom/session/v1/resources.pb.h"

namespace lagom {
namespace {

namespace catalog = ::lagom::catalog::v1;

using ::testing::ElementsAre;
using ::testing::Field;

const std::vector<std::string> kFilterFields = {"display_name", "lifecycle_stage",
                                                "customer_organizations", "labels"};
const std::vector<std::string> kOrderFields = {"display_name", "create_time"};

catalog::ItService Service() {
  catalog::ItService s;
  s.set_name("tenants/acme/services/email");
  s.set_display_name("Email");
  s.set_lifecycle_stage(catalog::SERVICE_LIFECYCLE_STAGE_LIVE);
  s.add_customer_organizations("tenants/acme/customerOrganizations/lund");
  (*s.mutable_labels())["tier"] = "gold";
  return s;
}

bool Filter(const std::string& filter) {
  absl::StatusOr<ListQuery> q =
      ParseListQuery({.filter = filter}, kFilterFields, kOrderFields, "display_name");
  EXPECT_TRUE(q.ok()) << q.status();
  return q.ok() && Matches(Service(), q->filter);
}

TEST(ListQueryTest, MatchesStringsEnumsLabelsAndRepeatedFields) {
  EXPECT_TRUE(Filter("display_name = \"Email\""));
  EXPECT_FALSE(Filter("display_name = \"Mail\""));
  EXPECT_TRUE(Filter("lifecycle_stage = LIVE"));
  EXPECT_TRUE(Filter("lifecycle_stage = SERVICE_LIFECYCLE_STAGE_LIVE"));
  EXPECT_FALSE(Filter("lifecycle_stage = RETIRED"));
  EXPECT_TRUE(Filter("labels.tier = \"gold\" AND display_name = Email"));
  EXPECT_FALSE(Filter("labels.tier = \"silver\""));
  EXPECT_TRUE(Filter("customer_organizations:\"tenants/acme/customerOrganizations/lund\""));
  EXPECT_FALSE(Filter("customer_organizations:\"tenants/acme/customerOrganizations/malmo\""));
}

TEST(ListQueryTest, NotEqualIsTheOppositeOfEqual) {
  EXPECT_TRUE(Filter("lifecycle_stage != RETIRED"));
  EXPECT_FALSE(Filter("lifecycle_stage != LIVE"));
  EXPECT_FALSE(Filter("display_name!=\"Email\""));
  EXPECT_TRUE(Filter("display_name != Mail AND labels.tier = gold"));
  EXPECT_FALSE(Filter("labels.tier != \"gold\""));
  EXPECT_TRUE(Filter("labels.tier != \"silver\""));
  EXPECT_TRUE(Filter("labels.region != \"north\""));  // no such label: not north
}

TEST(ListQueryTest, MatchesFieldsInsideAMessage) {
  lagom::session::v1::Session session;
  session.mutable_scope()->add_services("tenants/acme/services/email");
  session.set_model_version("tenants/acme/models/m/versions/1");
  auto matches = [&](const std::string& filter) {
    absl::StatusOr<ListQuery> q =
        ParseListQuery({.filter = filter}, {"scope.services", "scope.area_ids", "model_version"},
                       {"create_time"}, "create_time");
    EXPECT_TRUE(q.ok()) << q.status();
    return q.ok() && Matches(session, q->filter);
  };
  EXPECT_TRUE(matches("scope.services:\"tenants/acme/services/email\""));
  EXPECT_FALSE(matches("scope.services:\"tenants/acme/services/print\""));
  EXPECT_FALSE(matches("scope.area_ids:\"a1\""));  // empty repeated field
  EXPECT_TRUE(
      matches("model_version = \"tenants/acme/models/m/versions/1\" AND "
              "scope.services:\"tenants/acme/services/email\""));
}

TEST(ListQueryTest, ReportsEveryBadPartWithItsField) {
  absl::StatusOr<ListQuery> q = ParseListQuery(
      {.page_size = -1, .page_token = "garbage", .filter = "colour = red", .order_by = "owner"},
      kFilterFields, kOrderFields, "display_name");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(q.status()), ElementsAre(Field(&FieldViolation::field, "page_size"),
                                                    Field(&FieldViolation::field, "filter"),
                                                    Field(&FieldViolation::field, "order_by"),
                                                    Field(&FieldViolation::field, "page_token")));
}

TEST(ListQueryTest, PageSizeIsCappedAndTokensRoundTrip) {
  ListRequestFields fields{.page_size = 100000, .filter = "display_name = x"};
  absl::StatusOr<ListQuery> q = ParseListQuery(fields, kFilterFields, kOrderFields, "create_time");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->page_size, kMaxPageSize);
  EXPECT_EQ(q->order_field, "create_time");
  fields.page_token = NextPageToken(fields, 42);
  q = ParseListQuery(fields, kFilterFields, kOrderFields, "create_time");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->offset, 42);
}

}  // namespace
}  // namespace lagom
