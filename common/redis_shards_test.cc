#include "common/redis_shards.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"

namespace lagom {
namespace {

TEST(RedisShardsTest, OneShardTakesEverything) {
  EXPECT_EQ(RedisShards::Pick({"10.0.0.1:6379"}, "s1"), 0u);
  EXPECT_EQ(RedisShards::Pick({"10.0.0.1:6379"}, ""), 0u);
}

TEST(RedisShardsTest, TheOrderOfTheAddressesDoesNotMatter) {
  const std::vector<std::string> a = {"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"};
  std::vector<std::string> b = {a[2], a[0], a[1]};
  for (int i = 0; i < 1000; ++i) {
    const std::string tag = absl::StrCat("session-", i);
    EXPECT_EQ(a[RedisShards::Pick(a, tag)], b[RedisShards::Pick(b, tag)]) << tag;
  }
}

TEST(RedisShardsTest, TagsSpreadEvenlyAndAnAddedShardMovesOnlyItsShare) {
  const std::vector<std::string> three = {"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"};
  std::vector<std::string> four = three;
  four.push_back("10.0.0.4:6379");
  std::map<std::string, int> per_shard;
  int moved = 0, moved_elsewhere = 0;
  constexpr int kTags = 30000;
  for (int i = 0; i < kTags; ++i) {
    const std::string tag = absl::StrCat("session-", i);
    const std::string& before = three[RedisShards::Pick(three, tag)];
    const std::string& after = four[RedisShards::Pick(four, tag)];
    per_shard[before]++;
    if (before != after) {
      moved++;
      if (after != four[3]) moved_elsewhere++;
    }
  }
  for (const auto& [address, n] : per_shard) {
    EXPECT_NEAR(n, kTags / 3, kTags / 30) << address;  // within 10 % of a third
  }
  EXPECT_NEAR(moved, kTags / 4, kTags / 40);  // a quarter moves, to the new shard only
  EXPECT_EQ(moved_elsewhere, 0);
}

TEST(RedisShardsTest, ThePickIsFixedAcrossBuilds) {
  // Replicas of different builds must agree: the hash is Lagom's own, not the standard
  // library's or Abseil's (seeded per process).
  const std::vector<std::string> shards = {"redis-a:6379", "redis-b:6379"};
  std::string picks;
  for (int i = 0; i < 16; ++i) {
    absl::StrAppend(&picks, RedisShards::Pick(shards, absl::StrCat("s", i)));
  }
  // Computed separately (FNV-1a 64 of "address\0tag", SplitMix64 finaliser) in Python.
  EXPECT_EQ(picks, "1111101011000000");
}

}  // namespace
}  // namespace lagom
