#include "common/request_context.h"

#include <gtest/gtest.h>

namespace lagom {
namespace {

TEST(RequestContextTest, TenantIdsFollowThePattern) {
  for (const char* good : {"acme", "a1", "northwind-it", "t-0123456789ab"}) {
    EXPECT_TRUE(IsValidTenantId(good)) << good;
  }
  for (const char* bad : {"", "a", "Acme", "1acme", "acme_corp", "acme corp", "-acme",
                          "a234567890123456789012345678901234567890123456789012345678901234"}) {
    EXPECT_FALSE(IsValidTenantId(bad)) << bad;
  }
}

}  // namespace
}  // namespace lagom
