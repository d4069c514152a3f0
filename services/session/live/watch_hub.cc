#include "services/session/live/watch_hub.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "services/session/live/redis_live_state.h"

namespace lagom::session {
namespace {

constexpr char kBlockMillis[] = "200";

// The fields of one stream entry: kind and payload.
std::pair<std::string, std::string> FieldsOf(const RedisReply& fields) {
  std::string kind, payload;
  for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].str == "k") kind = fields.elements[i + 1].str;
    if (fields.elements[i].str == "e") payload = fields.elements[i + 1].str;
  }
  return {kind, payload};
}

}  // namespace

WatchHub::WatchHub(RedisClient& redis, absl::Duration idle_ttl, absl::Duration heartbeat)
    : redis_(redis), idle_ttl_(idle_ttl), heartbeat_(heartbeat), thread_([this] { Run(); }) {}

WatchHub::~WatchHub() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

// The id of the stream's last entry; a marker entry is added to an empty stream so every
// snapshot has a cursor.
absl::StatusOr<std::string> WatchHub::Tail(const std::string& key) {
  absl::StatusOr<RedisReply> last = redis_.Command({"XREVRANGE", key, "+", "-", "COUNT", "1"});
  if (!last.ok()) return last.status();
  if (!last->elements.empty() && !last->elements[0].elements.empty()) {
    return last->elements[0].elements[0].str;
  }
  absl::StatusOr<std::vector<RedisReply>> added =
      redis_.Pipeline({{"XADD", key, "*", "k", kMarkEntry, "e", ""},
                       {"PEXPIRE", key, absl::StrCat(absl::ToInt64Milliseconds(idle_ttl_))}});
  if (!added.ok()) return added.status();
  return added->front().str;
}

absl::StatusOr<WatchHub::Joined> WatchHub::Join(const std::string& key, int64_t resume_cursor,
                                                Watcher* w) {
  absl::MutexLock lock(&mu_);
  if (draining_) {
    return absl::UnavailableError(
        "this session-service replica is shutting down; watch again (another replica serves "
        "it)");
  }
  auto [it, fresh] = streams_.try_emplace(key);
  Stream& stream = it->second;
  if (fresh) {
    absl::StatusOr<std::string> tail = Tail(key);
    if (!tail.ok()) {
      streams_.erase(it);
      return tail.status();
    }
    stream.last_id = *tail;
  }
  Joined joined;
  joined.cursor = RedisLiveState::CursorOf(stream.last_id);
  if (resume_cursor > 0) {
    const std::string from = RedisLiveState::StreamIdOf(resume_cursor);
    absl::StatusOr<RedisReply> entries = redis_.Command({"XRANGE", key, from, stream.last_id});
    // Replay only if the resume point itself is still there: then nothing after it is gone.
    if (entries.ok() && !entries->elements.empty() && !entries->elements[0].elements.empty() &&
        entries->elements[0].elements[0].str == from) {
      joined.replayed = true;
      for (size_t i = 1; i < entries->elements.size(); ++i) {
        const RedisReply& entry = entries->elements[i];
        if (entry.elements.size() < 2) continue;
        auto [kind, payload] = FieldsOf(entry.elements[1]);
        if (kind == kResyncEntry) {
          joined.replayed = false;  // the live state was rebuilt in between: snapshot
          joined.replay.clear();
          break;
        }
        if (kind != kEventEntry) continue;
        api::WatchSessionResponse event;
        if (!event.ParseFromString(payload)) continue;
        event.set_cursor(RedisLiveState::CursorOf(entry.elements[0].str));
        joined.replay.push_back(std::make_shared<const SharedEvent>(std::move(event)));
      }
    }
  }
  stream.watchers.insert(w);
  return joined;
}

void WatchHub::Leave(const std::string& key, Watcher* w) {
  absl::MutexLock lock(&mu_);
  auto it = streams_.find(key);
  if (it == streams_.end()) return;
  it->second.watchers.erase(w);
  if (it->second.watchers.empty()) streams_.erase(it);
}

void WatchHub::Drain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  for (auto& [key, stream] : streams_) {
    for (Watcher* w : stream.watchers) w->Drain();
  }
}

WatchHubs::WatchHubs(RedisShards& shards, absl::Duration idle_ttl, absl::Duration heartbeat)
    : shards_(shards) {
  for (size_t i = 0; i < shards.size(); ++i) {
    hubs_.push_back(std::make_unique<WatchHub>(*shards.at(i).client, idle_ttl, heartbeat));
  }
}

void WatchHubs::Drain() {
  for (const std::unique_ptr<WatchHub>& hub : hubs_) hub->Drain();
}

void WatchHub::Run() {
  absl::Time next_heartbeat = absl::Now() + heartbeat_;
  bool redis_down = false;
  while (true) {
    std::vector<std::string> argv = {"XREAD", "COUNT", "1000", "BLOCK", kBlockMillis, "STREAMS"};
    std::vector<std::string> ids;
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      if (streams_.empty()) {
        mu_.AwaitWithTimeout(absl::Condition(
                                 +[](WatchHub* hub) ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub->mu_) {
                                   return hub->stop_ || !hub->streams_.empty();
                                 },
                                 this),
                             absl::Milliseconds(200));
        continue;
      }
      for (const auto& [key, stream] : streams_) {
        argv.push_back(key);
        ids.push_back(stream.last_id);
      }
    }
    argv.insert(argv.end(), ids.begin(), ids.end());
    absl::StatusOr<RedisReply> read = redis_.Command(argv);
    absl::MutexLock lock(&mu_);
    if (!read.ok()) {
      if (!redis_down) LogWarn("watch stream read failed", {{"error", read.status().ToString()}});
      redis_down = true;
      mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Milliseconds(200));
      continue;
    }
    if (redis_down) {
      // Whatever happened while Redis was away is unknown: every watcher starts over.
      redis_down = false;
      for (auto& [key, stream] : streams_) {
        absl::StatusOr<std::string> tail = Tail(key);
        if (!tail.ok()) break;
        stream.last_id = *tail;
        for (Watcher* w : stream.watchers) w->Resync(RedisLiveState::CursorOf(*tail));
      }
      continue;
    }
    for (const RedisReply& per_stream : read->elements) {
      if (per_stream.elements.size() < 2) continue;
      auto it = streams_.find(per_stream.elements[0].str);
      if (it == streams_.end()) continue;
      Stream& stream = it->second;
      for (const RedisReply& entry : per_stream.elements[1].elements) {
        if (entry.elements.size() < 2) continue;
        const std::string& id = entry.elements[0].str;
        const int64_t cursor = RedisLiveState::CursorOf(id);
        if (cursor <= RedisLiveState::CursorOf(stream.last_id)) continue;  // joined later
        stream.last_id = id;
        auto [kind, payload] = FieldsOf(entry.elements[1]);
        if (kind == kResyncEntry) {
          for (Watcher* w : stream.watchers) w->Resync(cursor);
          continue;
        }
        api::WatchSessionResponse event;
        if (kind != kEventEntry || !event.ParseFromString(payload)) continue;
        event.set_cursor(cursor);
        auto shared = std::make_shared<const SharedEvent>(std::move(event));
        for (Watcher* w : stream.watchers) w->Deliver(shared);
      }
    }
    if (absl::Now() >= next_heartbeat) {
      next_heartbeat = absl::Now() + heartbeat_;
      for (auto& [key, stream] : streams_) {
        for (Watcher* w : stream.watchers) w->Heartbeat(RedisLiveState::CursorOf(stream.last_id));
      }
    }
  }
}

}  // namespace lagom::session
