// Fans a session's event stream (Redis stream, shared by every replica) out to this
// replica's watchers. One thread reads every watched stream with XREAD; each watcher gets the
// entries after the cursor it joined at, in stream order, so watchers on different replicas
// see the same events in the same order. Resuming from a cursor still in the stream replays
// what followed it; otherwise (trimmed, or Redis lost it) the watcher needs a snapshot.
#ifndef LAGOM_SERVICES_SESSION_LIVE_WATCH_HUB_H_
#define LAGOM_SERVICES_SESSION_LIVE_WATCH_HUB_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis.h"
#include "common/redis_shards.h"
#include "lagom/session/v1/session.pb.h"
#include "services/session/live/shared_event.h"

namespace lagom::session {

namespace api = ::lagom::session::v1;

class WatchHub final {
 public:
  class Watcher {
   public:
    virtual ~Watcher() = default;
    // An event published after the watcher's cursor (cursor set), in order; parsed once and
    // shared by every watcher of the replica. Called on the hub thread: must not block.
    virtual void Deliver(std::shared_ptr<const SharedEvent> event) = 0;
    // The watcher may have missed events (Redis lost the stream, or it fell behind): it
    // needs a fresh snapshot at `cursor`.
    virtual void Resync(int64_t cursor) = 0;
    // Every `heartbeat` (WatchHub's), to every watcher: a keep-alive when idle, and the time
    // to check the watcher's credential again. Called on the hub thread: must not block.
    virtual void Heartbeat(int64_t cursor) = 0;
    // This replica is shutting down: end the stream soon, UNAVAILABLE, so the client resumes
    // from its last cursor on another replica. Called on the draining thread: must not block.
    virtual void Drain() = 0;
  };

  struct Joined {
    int64_t cursor = 0;                                      // snapshot cursor / replay end
    bool replayed = false;                                   // else: send a snapshot first
    std::vector<std::shared_ptr<const SharedEvent>> replay;  // events after resume_cursor
  };

  // A stream this hub has to start (with a marker entry) expires after `idle_ttl` unused,
  // like the rest of the session's live state.
  WatchHub(RedisClient& redis, absl::Duration idle_ttl,
           absl::Duration heartbeat = absl::Seconds(15));
  ~WatchHub();

  // Adds `w` to the session's stream `key`. With resume_cursor > 0 still in the stream,
  // `replay` holds every later event and `replayed` is true.
  absl::StatusOr<Joined> Join(const std::string& key, int64_t resume_cursor, Watcher* w);
  void Leave(const std::string& key, Watcher* w);

  // Asks every watcher to end its stream (Watcher::Drain); later Joins fail UNAVAILABLE. For
  // the server's OnDrain, when the replica is being shut down.
  void Drain();

 private:
  struct Stream {
    std::string last_id;  // the last entry dispatched (or the tail when joined)
    absl::flat_hash_set<Watcher*> watchers;
  };
  void Run();
  absl::StatusOr<std::string> Tail(const std::string& key);

  RedisClient& redis_;
  const absl::Duration idle_ttl_;
  const absl::Duration heartbeat_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Stream> streams_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// A WatchHub per Redis shard, each on its own connection to that shard: a session's stream is
// on the shard of its id (RedisShards), and so is the hub that reads it.
class WatchHubs final {
 public:
  WatchHubs(RedisShards& shards, absl::Duration idle_ttl,
            absl::Duration heartbeat = absl::Seconds(15));

  WatchHub& ForSession(const std::string& session_id) {
    return *hubs_[shards_.IndexFor(session_id)];
  }
  // Drains every hub (WatchHub::Drain).
  void Drain();

 private:
  RedisShards& shards_;
  std::vector<std::unique_ptr<WatchHub>> hubs_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_LIVE_WATCH_HUB_H_
