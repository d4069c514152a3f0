#include "common/resource_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"

namespace lagom {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

google::protobuf::Timestamp At(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(nanos);
  return ts;
}

TEST(TimestampTest, ValidFromYearOneToYear9999) {
  EXPECT_TRUE(IsValidTimestamp(At(0)));
  EXPECT_TRUE(IsValidTimestamp(At(-62135596800)));             // 0001-01-01T00:00:00Z
  EXPECT_TRUE(IsValidTimestamp(At(253402300799, 999999999)));  // 9999-12-31T23:59:59.999999999Z
  EXPECT_FALSE(IsValidTimestamp(At(-62135596801)));
  EXPECT_FALSE(IsValidTimestamp(At(253402300800)));
  EXPECT_FALSE(IsValidTimestamp(At(0, -1)));
  EXPECT_FALSE(IsValidTimestamp(At(0, 1000000000)));
}

TEST(TimestampTest, ABadOneNamesItsFieldAndTheAllowedRange) {
  Violations v;
  EXPECT_TRUE(CheckTimestamp(v, "start_time", At(1700000000)));
  ASSERT_FALSE(CheckTimestamp(v, "start_time", At(253402300800)));
  absl::Status s = std::move(v).ToStatus("invalid request");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_THAT(ViolationsOf(s), ElementsAre(::testing::Field(&FieldViolation::field, "start_time")));
  EXPECT_THAT(ViolationsOf(s)[0].description,
              HasSubstr("must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z"));
}

}  // namespace
}  // namespace lagom
