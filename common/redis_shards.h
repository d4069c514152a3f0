// Live state spread over several independent Redis primaries: each key tag (a session id:
// every key of a session carries it, `{<session>}`) lives on one shard, chosen by rendezvous
// hashing of the tag against the shards' addresses. Every replica given the same addresses, in
// any order, picks the same shard; adding a shard moves about 1/(n+1) of the tags, whose live
// state the session service then rebuilds from PostgreSQL (Redis holds nothing else).
#ifndef LAGOM_COMMON_REDIS_SHARDS_H_
#define LAGOM_COMMON_REDIS_SHARDS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/redis.h"

namespace lagom {

class RedisShards final {
 public:
  struct Shard {
    std::string address;  // HOST:PORT, as configured
    std::unique_ptr<RedisClient> client;
  };
  explicit RedisShards(std::vector<Shard> shards);

  // The shard of `tag` among `addresses` (non-empty): the address with the highest
  // hash(address, tag). Stable across processes, builds and machines.
  static size_t Pick(const std::vector<std::string>& addresses, absl::string_view tag);

  size_t IndexFor(absl::string_view tag) const { return Pick(addresses_, tag); }
  RedisClient& For(absl::string_view tag) const { return *shards_[IndexFor(tag)].client; }
  size_t size() const { return shards_.size(); }
  const Shard& at(size_t i) const { return shards_[i]; }

  // Deletes every key of the tenant ("lagom:<tenant>:..."), on every shard: its live state
  // when its data is purged. Keys written meanwhile may stay.
  absl::Status DeleteTenantKeys(const std::string& tenant_id) const;

 private:
  std::vector<Shard> shards_;
  std::vector<std::string> addresses_;
};

}  // namespace lagom

#endif  // LAGOM_COMMON_REDIS_SHARDS_H_
