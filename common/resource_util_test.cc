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

// Before 1970 the seconds round down and the nanos stay positive, and the time comes back.
TEST(TimestampTest, TimesBefore1970ConvertWithPositiveNanos) {
  const absl::Time t = absl::FromUnixMicros(-1500001);  // 1969-12-31T23:59:58.499999Z
  const google::protobuf::Timestamp ts = ToProto(t);
  EXPECT_EQ(ts.seconds(), -2);
  EXPECT_EQ(ts.nanos(), 499999000);
  EXPECT_TRUE(IsValidTimestamp(ts));
  EXPECT_EQ(FromProto(ts), t);
  EXPECT_EQ(ToProto(absl::FromUnixMicros(-1000000)).nanos(), 0);
  EXPECT_EQ(ToProto(absl::FromUnixMicros(1500001)).nanos(), 500001000);
}

TEST(ViolationsTest, NoViolationIsNeverAnOkStatus) {
  Violations none;
  const absl::Status s = std::move(none).ToStatus("invalid request");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("no violation recorded"));
}

}  // namespace
}  // namespace lagom
