// Ids (item ids, respondent ids) on the aggregation path: compared and looked up once per answer,
// so equality is inlined rather than a library call per comparison.
#ifndef LAGOM_SERVICES_SCORING_CORE_IDS_H_
#define LAGOM_SERVICES_SCORING_CORE_IDS_H_

#include <cstdint>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace lagom::scoring {

// a == b, eight bytes at a time: ids are short (at most 63 characters in a model).
inline bool SameId(absl::string_view a, absl::string_view b) {
  size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  for (; n >= 8; n -= 8, x += 8, y += 8) {
    uint64_t p;
    uint64_t q;
    std::memcpy(&p, x, 8);
    std::memcpy(&q, y, 8);
    if (p != q) return false;
  }
  for (; n > 0; --n) {
    if (*x++ != *y++) return false;
  }
  return true;
}

struct SameIdEq {
  bool operator()(absl::string_view a, absl::string_view b) const { return SameId(a, b); }
};

// Id → V, keyed by views into strings that outlive the map.
template <typename V>
using IdMap = absl::flat_hash_map<absl::string_view, V, absl::Hash<absl::string_view>, SameIdEq>;

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_CORE_IDS_H_
