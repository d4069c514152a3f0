// A directory's answers kept for a short time, at most so many of them: what DirectoryCache
// keeps about credentials and RemoteDirectory about tenants' standing. A hot question costs no
// look-up, while a changed answer (a revoked key, a suspended tenant) is seen within `ttl`.
#ifndef LAGOM_COMMON_AUTH_VERDICT_CACHE_H_
#define LAGOM_COMMON_AUTH_VERDICT_CACHE_H_

#include <cstddef>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lagom::auth {

// Answers that are a verdict on what was asked: kept. "Backend unavailable" and other errors
// say nothing about it and are not.
inline bool IsVerdict(const absl::Status& status) {
  return status.ok() || status.code() == absl::StatusCode::kUnauthenticated ||
         status.code() == absl::StatusCode::kPermissionDenied;
}

// Thread-safe.
template <typename T>
class VerdictCache final {
 public:
  VerdictCache(absl::Duration ttl, size_t max_entries)
      : ttl_(ttl), max_entries_(max_entries > 0 ? max_entries : 1) {}

  // The answer kept for `key`, or else what `ask` answers (kept if it is a verdict). `ask`
  // runs with no lock held: other keys are served meanwhile.
  absl::StatusOr<T> Lookup(const std::string& key, absl::FunctionRef<absl::StatusOr<T>()> ask)
      ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      auto it = entries_.find(key);
      if (it != entries_.end()) {
        if (absl::Now() < it->second.expires) return it->second.answer;
        entries_.erase(it);
      }
    }
    const absl::Time asked = absl::Now();
    absl::StatusOr<T> answer = ask();
    if (IsVerdict(answer.status())) {
      absl::MutexLock lock(&mu_);
      // Counted from before asking, so an answer is never used longer than ttl after it was
      // given (it may have changed right after).
      Remember(key, answer, asked);
    }
    return answer;
  }

 private:
  struct Entry {
    absl::StatusOr<T> answer;
    absl::Time expires;
  };

  void Remember(const std::string& key, const absl::StatusOr<T>& answer, absl::Time asked)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (entries_.size() >= max_entries_) {
      // Expired entries first; if every entry is fresh, drop a tenth (any: all are within ttl
      // and will be asked for again at the cost of one look-up).
      const absl::Time current = absl::Now();
      absl::erase_if(entries_, [current](const auto& kv) { return kv.second.expires <= current; });
      size_t excess = entries_.size() >= max_entries_
                          ? entries_.size() - max_entries_ + 1 + max_entries_ / 10
                          : 0;
      for (auto it = entries_.begin(); excess > 0 && it != entries_.end(); --excess) {
        entries_.erase(it++);
      }
    }
    entries_.insert_or_assign(key, Entry{answer, asked + ttl_});
  }

  const absl::Duration ttl_;
  const size_t max_entries_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_VERDICT_CACHE_H_
