#include "services/questionnaire/catalog/list_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "lagom/catalog/v1/catalog.pb.h"

namespace lagom::questionnaire {
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
}  // namespace lagom::questionnaire
