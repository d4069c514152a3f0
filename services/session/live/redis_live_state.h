// LiveState on Redis. Per session (keys hash-tagged by session, namespaced by tenant):
//   item:<item>  hash participant → "seq|kind|org|value" (value a number, "na", or "-" for
//                withdrawn): each participant's answer in the item's current round
//   counts:<item>  hash "kind|org|value" → how many of those answers are that (withdrawn
//                ones left out): what the item's distribution is computed from, a few fields
//                however many take part
//   answered     hash participant → answered items in current rounds
//   people       hash participant → "state|kind|org"
//   rounds       hash item → current round (items past round 1)
//   built        the figures are complete (expires, so a change lost between PostgreSQL and
//                Redis is repaired within minutes); its value is the figures' format, and
//                figures of another format are built again; alive: nothing was lost since the
//                rebuild
//   writing      hash token → time of answer transactions not yet applied here; while one is
//                outstanding `built` expires within kPendingWindow (and is not extended), so
//                the answers of a replica that died between its commit and its update are
//                rebuilt from PostgreSQL within seconds, and watchers get a snapshot
//   ver          the figures' version, raised by every change: events built from figures read
//                at one version are published only if it is still current (else read again),
//                so a replica never publishes older figures after another's newer ones
//   unpublished  set of items whose answers changed since their figures were last published
//                (each replica's publisher empties it within milliseconds; items that stay
//                are published by a replica whose watchers follow the session)
//   events       the watch stream (XADD, trimmed), read by every replica's WatchHub
//   fresh        the figures were rebuilt less than half the idle TTL ago (until then
//                answers renew `built`)
// Every key of a session expires once nothing has written it for the idle TTL (a day by
// default): each write renews the keys it writes, and a rebuild renews them all. Answers
// renew `built` only while `fresh` exists, so figures in use are rebuilt at least every
// three quarters of the idle TTL and none of their keys can expire under them (kApplyScript
// has the argument); a session left alone leaves nothing behind.
// Every update is a Lua script that applies an answer only if its journal seq is newer, so
// updates, replays and rebuilds may interleave in any order and still converge.
#ifndef LAGOM_SERVICES_SESSION_LIVE_REDIS_LIVE_STATE_H_
#define LAGOM_SERVICES_SESSION_LIVE_REDIS_LIVE_STATE_H_

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis.h"
#include "common/redis_shards.h"
#include "services/session/core/live_state.h"
#include "services/session/core/session_common.h"
#include "services/session/core/session_store.h"

namespace lagom::session {

// The stream entry kinds besides events: a rebuild after data loss (watchers need a snapshot)
// and a position marker.
inline constexpr char kResyncEntry[] = "resync";
inline constexpr char kEventEntry[] = "event";
inline constexpr char kMarkEntry[] = "mark";

// How long a session's live state stays in Redis after its last write.
inline constexpr absl::Duration kDefaultLiveStateIdleTtl = absl::Hours(24);

class RedisLiveState final : public LiveState {
 public:
  // Each session's keys on the shard of its id (one shard: plain Redis).
  RedisLiveState(RedisShards& redis, SessionStore& store, ModelIndexCache& models,
                 absl::Duration idle_ttl = kDefaultLiveStateIdleTtl,
                 absl::Duration built_ttl = absl::Minutes(5), int stream_length = 10000);
  // Publishes what is still waiting, then stops.
  ~RedisLiveState() override;

  void AnswersChanged(const RequestContext& rc, const LiveSession& s,
                      const std::vector<AnswerChange>& changes,
                      const std::string& settle_token) override;
  Announcement AnswersPending(const RequestContext& rc,
                              const std::vector<std::string>& session_ids) override;
  void AnswersSettled(const RequestContext& rc, const std::vector<std::string>& session_ids,
                      const std::string& token) override;
  void ParticipantChanged(const RequestContext& rc, const LiveSession& s,
                          const api::Participant& participant, bool removed) override;
  void Publish(const RequestContext& rc, const LiveSession& s,
               const api::WatchSessionResponse& event) override;
  void Seen(const RequestContext& rc, const std::string& session_id,
            const std::vector<std::string>& participant_ids) override;
  void Watching(const RequestContext& rc, const LiveSession& s) override;
  void NotWatching(const RequestContext& rc, const std::string& session_id) override;
  void Forget(const RequestContext& rc, const LiveSession& s) override;
  absl::StatusOr<api::SessionProgress> Progress(const RequestContext& rc,
                                                const LiveSession& s) override;
  absl::StatusOr<std::vector<std::pair<std::string, int>>> AnsweredCounts(
      const RequestContext& rc, const LiveSession& s) override;
  absl::StatusOr<std::vector<api::ItemDistribution>> Distributions(
      const RequestContext& rc, const LiveSession& s,
      const std::vector<std::string>& item_ids) override;

  // "lagom:<tenant>:session:{<id>}:events".
  static std::string EventsKey(const std::string& tenant_id, const std::string& session_id);
  // Stream ids "<ms>-<seq>" ↔ cursors (ms << 20 | seq); 0 for an unparsable id.
  static int64_t CursorOf(absl::string_view stream_id);
  static std::string StreamIdOf(int64_t cursor);
  static std::string NewProcessToken();

 private:
  std::string Key(const RequestContext& rc, const std::string& session_id,
                  absl::string_view part) const;
  // Rebuilds the figures from PostgreSQL; if Redis had lost them (or they expired unused, not
  // merely `built`), appends a resync entry so watchers get a snapshot.
  absl::Status Rebuild(const RequestContext& rc, const LiveSession& s);
  // Runs the apply script; -1 when the figures are not built (and require_built).
  absl::StatusOr<long long> Apply(const RequestContext& rc, const std::string& session_id,
                                  const std::vector<std::string>& entries, bool require_built,
                                  bool mark_built);
  std::vector<std::string> ApplyCommand(const RequestContext& rc, const std::string& session_id,
                                        const std::vector<std::string>& entries, bool require_built,
                                        bool mark_built) const;
  std::vector<std::string> SettleCommand(const RequestContext& rc, const std::string& session_id,
                                         const std::string& token) const;
  absl::Status EnsureBuilt(const RequestContext& rc, const LiveSession& s);
  // The figures as they are, for callers that know they are built.
  absl::StatusOr<std::vector<std::pair<std::string, int>>> ReadAnsweredCounts(
      const RequestContext& rc, const LiveSession& s);
  // Progress and the distributions of `item_ids`, read in one round trip; with `version`, also
  // the figures' version they were read at.
  absl::StatusOr<std::pair<api::SessionProgress, std::vector<api::ItemDistribution>>> ReadFigures(
      const RequestContext& rc, const LiveSession& s, const std::vector<std::string>& item_ids,
      bool with_progress, std::string* version = nullptr);
  // The commands that mark `participant_ids` present now and forget who left.
  std::vector<std::vector<std::string>> SeenCommands(
      const RequestContext& rc, const std::string& session_id,
      const std::vector<std::string>& participant_ids) const;
  absl::StatusOr<api::SessionProgress> ReadProgress(const RequestContext& rc, const LiveSession& s);
  absl::Status Append(const RequestContext& rc, const std::string& session_id,
                      absl::string_view kind, const std::string& payload);
  // The XADD of one stream entry.
  std::vector<std::string> AppendCommand(const RequestContext& rc, const std::string& session_id,
                                         absl::string_view kind, const std::string& payload) const;
  // Renews the stream's idle TTL.
  std::vector<std::string> ExpireEventsCommand(const RequestContext& rc,
                                               const std::string& session_id) const;

  // Publishes ItemDistributionChanged for `item_ids` with the figures as they are now (read
  // with their version, appended only while that is current).
  absl::Status PublishFigures(const RequestContext& rc, const LiveSession& s,
                              const std::vector<std::string>& item_ids);
  // Answers' events go out from one thread, each session's at most every kPublishEvery and
  // each item's at most every kItemPublishEvery: what changed meanwhile goes out together,
  // with the figures as they are then.
  void SchedulePublish(const RequestContext& rc, const LiveSession& s,
                       const std::set<std::string>& item_ids);
  void PublisherLoop();
  // Every kKeepBuiltEvery, for the sessions watched here: rebuilds figures that are not built,
  // and publishes items whose changes stayed unpublished since the last check. A replica that
  // died between its commit and its update leaves figures that expire within kPendingWindow;
  // one that died between its update and its publish leaves items in `unpublished`. Either
  // way watchers learn of those answers within seconds, even when nothing else happens in the
  // session.
  void KeeperLoop();

  RedisShards& redis_;
  SessionStore& store_;
  ModelIndexCache& models_;
  const absl::Duration idle_ttl_;
  // The TTLs in milliseconds, as the scripts and PEXPIRE take them; `built` lasts at most a
  // quarter of the idle TTL (see kApplyScript).
  const std::string idle_ttl_ms_;
  const std::string built_ttl_ms_;
  const int stream_length_;
  const std::string process_token_;  // random per process: pending tokens never collide
  std::atomic<int64_t> pending_counter_{0};

  struct Unpublished {
    RequestContext rc;
    LiveSession session;
    std::set<std::string> item_ids;
    absl::Time due;
  };
  absl::Mutex publish_mu_;
  // By "tenant/session".
  absl::flat_hash_map<std::string, Unpublished> unpublished_ ABSL_GUARDED_BY(publish_mu_);
  struct Published {
    absl::Time at;                                       // the session's last publish
    absl::flat_hash_map<std::string, absl::Time> items;  // each item's
    // When `item` may go out again: `now` if it has not gone out yet.
    absl::Time ItemDue(const std::string& item, absl::Time now) const;
  };
  absl::flat_hash_map<std::string, Published> last_published_ ABSL_GUARDED_BY(publish_mu_);
  int64_t changes_ ABSL_GUARDED_BY(publish_mu_) = 0;  // wakes the publisher
  bool stopping_ ABSL_GUARDED_BY(publish_mu_) = false;
  std::thread publisher_;

  struct Watched {
    RequestContext rc;
    LiveSession session;
    int watchers = 0;
    std::set<std::string> unpublished_seen;  // at the keeper's last check
  };
  absl::Mutex watched_mu_;
  // By "tenant/session".
  absl::flat_hash_map<std::string, Watched> watched_ ABSL_GUARDED_BY(watched_mu_);
  bool keeper_stopping_ ABSL_GUARDED_BY(watched_mu_) = false;
  std::thread keeper_;
};

// How soon the figures of a session with an answer transaction outstanding are rebuilt if it
// is never applied.
inline constexpr absl::Duration kPendingWindow = absl::Seconds(3);
// How often the figures of watched sessions are checked (and rebuilt if they are not built).
inline constexpr absl::Duration kKeepBuiltEvery = absl::Seconds(1);

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_LIVE_REDIS_LIVE_STATE_H_
