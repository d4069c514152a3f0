// The messages waiting to be written to one watcher, in cursor order. A change of an item's
// distribution replaces the whole distribution, so a watcher that is behind needs only the
// latest of several waiting changes of one (item, round): an earlier one is dropped when a
// later one is queued, and the later one keeps its own place, so cursors still only grow.
#ifndef LAGOM_SERVICES_SESSION_LIVE_WATCH_QUEUE_H_
#define LAGOM_SERVICES_SESSION_LIVE_WATCH_QUEUE_H_

#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace lagom::session {

class WatchQueue final {
 public:
  struct Entry {
    int64_t cursor = 0;
    grpc::ByteBuffer bytes;
    // For a change of a distribution: its item and round.
    std::optional<std::pair<std::string, int>> distribution;
    bool ends_stream = false;  // the session closed or was archived
  };

  // Queues `e` last, dropping a waiting change of the same distribution.
  void Push(Entry e);
  // Queues `e` ahead of everything waiting (a snapshot).
  void PushFront(Entry e);
  // The next entry to write, if any.
  std::optional<Entry> Pop();
  void Clear();
  // Entries waiting, dropped ones included until they reach the front.
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct Waiting {
    Entry entry;
    bool dropped = false;
  };
  std::deque<Waiting> entries_;
  // The waiting change of each distribution (deque elements stay put while queued).
  absl::flat_hash_map<std::pair<std::string, int>, Waiting*> changes_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_LIVE_WATCH_QUEUE_H_
