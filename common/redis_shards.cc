#include "common/redis_shards.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/request_context.h"

namespace lagom {
namespace {

// FNV-1a, then SplitMix64's finaliser to spread the bits: fixed, so every process agrees.
uint64_t StableHash(absl::string_view address, absl::string_view tag) {
  uint64_t h = 14695981039346656037ull;
  auto mix_in = [&h](absl::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix_in(address);
  mix_in(absl::string_view("\0", 1));
  mix_in(tag);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

}  // namespace

RedisShards::RedisShards(std::vector<Shard> shards) : shards_(std::move(shards)) {
  for (const Shard& shard : shards_) addresses_.push_back(shard.address);
}

size_t RedisShards::Pick(const std::vector<std::string>& addresses, absl::string_view tag) {
  size_t best = 0;
  uint64_t best_hash = 0;
  for (size_t i = 0; i < addresses.size(); ++i) {
    const uint64_t h = StableHash(addresses[i], tag);
    // Ties (never in practice) go to the smaller address, so the order given does not matter.
    if (i == 0 || h > best_hash || (h == best_hash && addresses[i] < addresses[best])) {
      best = i;
      best_hash = h;
    }
  }
  return best;
}

absl::Status RedisShards::DeleteTenantKeys(const std::string& tenant_id) const {
  // A tenant id has no glob characters; anything else must not reach MATCH.
  if (!IsValidTenantId(tenant_id)) {
    return absl::InvalidArgumentError(absl::StrCat("'", tenant_id, "' is not a tenant id"));
  }
  const std::string pattern = absl::StrCat("lagom:", tenant_id, ":*");
  for (const Shard& shard : shards_) {
    std::string cursor = "0";
    do {
      absl::StatusOr<RedisReply> page =
          shard.client->Command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
      if (!page.ok()) return page.status();
      if (page->type != RedisReply::Type::kArray || page->elements.size() != 2) {
        return absl::InternalError(absl::StrCat("Redis ", shard.address, ": SCAN replied oddly"));
      }
      cursor = page->elements[0].str;
      std::vector<std::string> unlink = {"UNLINK"};
      for (const RedisReply& key : page->elements[1].elements) unlink.push_back(key.str);
      if (unlink.size() == 1) continue;
      if (absl::StatusOr<RedisReply> done = shard.client->Command(unlink); !done.ok()) {
        return done.status();
      }
    } while (cursor != "0");
  }
  return absl::OkStatus();
}

}  // namespace lagom
