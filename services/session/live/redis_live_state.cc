#include "services/session/live/redis_live_state.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log.h"
#include "common/resource_util.h"
#include "services/session/core/live_figures.h"

namespace lagom::session {
namespace {

// KEYS: built, alive, answered, rounds, people, ver, unpublished, fresh. ARGV: require_built,
// mark_built, built TTL (ms), item key prefix, counts key prefix, figures format, idle TTL (ms),
// then entries of six: A item participant seq round "kind|org|value"; R item round; P
// participant "state|kind|org"; X participant "item,item,..."; C item (its counts recounted
// from its answers). Items whose answers changed (not in a rebuild) join `unpublished` until a
// publish of their figures takes them out. Each item's counts ("kind|org|value" → answers)
// change with its answers in the same script, so a publish reads a few counts per item, not
// every answer. `built` holds the figures' format: figures of another format count as not
// built. Every key an entry names gets the idle TTL again.
//
// Figures stay whole while `alive` exists: every rebuild renews `alive` and every key of the
// figures for the idle TTL in one script, and a key written later expires later. A rebuild
// (mark_built) without `alive` starts from nothing, since what is left of the figures may
// have expired key by key (or Redis lost them); any other rebuild applies by seq, so it can
// run alongside writers and other rebuilds. Figures are trusted while `built` exists, and
// `built` never outlives `alive`: it outlives `fresh` (half the idle TTL from the rebuild)
// by at most its own TTL (at most a quarter of the idle TTL), as the settle script renews it
// only while `fresh` exists.
constexpr char kApplyScript[] = R"lua(
if ARGV[1] == '1' and redis.call('GET', KEYS[1]) ~= ARGV[6] then return -1 end
local prefix, counts, idle = ARGV[4], ARGV[5], tonumber(ARGV[7])
local touched = {}
local function touch(key) touched[key] = true end
local function withdrawn(v) return string.sub(v, -2) == '|-' end
-- "seq|kind|org|value" → "kind|org|value"
local function answer_of(v) return string.sub(v, string.find(v, '|', 1, true) + 1) end
local function count(item, answer, by)
  if redis.call('HINCRBY', counts .. item, answer, by) <= 0 then
    redis.call('HDEL', counts .. item, answer)
  end
end
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then
  local gone = {[KEYS[3]] = true, [KEYS[4]] = true, [KEYS[5]] = true}
  for i = 8, #ARGV, 6 do
    local t = ARGV[i]
    if t == 'A' or t == 'R' or t == 'C' then
      gone[prefix .. ARGV[i + 1]] = true
      gone[counts .. ARGV[i + 1]] = true
    end
  end
  for key in pairs(gone) do redis.call('DEL', key) end
end
local function reset(item, round)
  local key = prefix .. item
  local all = redis.call('HGETALL', key)
  for j = 1, #all, 2 do
    if not withdrawn(all[j + 1]) then redis.call('HINCRBY', KEYS[3], all[j], -1) end
  end
  redis.call('DEL', key, counts .. item)
  redis.call('HSET', KEYS[4], item, round)
end
local applied = 0
for i = 8, #ARGV, 6 do
  local t = ARGV[i]
  if t == 'A' or t == 'R' or t == 'C' then
    touch(prefix .. ARGV[i + 1])
    touch(counts .. ARGV[i + 1])
    touch(KEYS[3])
    touch(KEYS[4])
  else
    touch(KEYS[3])
    touch(KEYS[5])
  end
  if t == 'A' then
    local item, p = ARGV[i + 1], ARGV[i + 2]
    local seq, round, val = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), ARGV[i + 5]
    local cur = tonumber(redis.call('HGET', KEYS[4], item) or '1')
    if round > cur then reset(item, round); cur = round end
    if round == cur then
      local key = prefix .. item
      local old = redis.call('HGET', key, p)
      local old_seq, old_present = 0, false
      if old then
        old_seq = tonumber(string.sub(old, 1, string.find(old, '|', 1, true) - 1))
        old_present = not withdrawn(old)
      end
      if seq > old_seq then
        redis.call('HSET', key, p, seq .. '|' .. val)
        local present = not withdrawn(val)
        if old_present then count(item, answer_of(old), -1) end
        if present then count(item, val, 1) end
        if present ~= old_present then
          redis.call('HINCRBY', KEYS[3], p, present and 1 or -1)
        end
        applied = applied + 1
        if ARGV[2] ~= '1' then redis.call('SADD', KEYS[7], item) end
      end
    end
  elseif t == 'R' then
    local item, round = ARGV[i + 1], tonumber(ARGV[i + 2])
    if round > tonumber(redis.call('HGET', KEYS[4], item) or '1') then reset(item, round) end
  elseif t == 'P' then
    redis.call('HSET', KEYS[5], ARGV[i + 1], ARGV[i + 2])
  elseif t == 'X' then
    local p = ARGV[i + 1]
    redis.call('HDEL', KEYS[5], p)
    redis.call('HDEL', KEYS[3], p)
    for item in string.gmatch(ARGV[i + 2], '[^,]+') do
      touch(prefix .. item)
      touch(counts .. item)
      local old = redis.call('HGET', prefix .. item, p)
      if old and not withdrawn(old) then count(item, answer_of(old), -1) end
      redis.call('HDEL', prefix .. item, p)
    end
  elseif t == 'C' then
    local item = ARGV[i + 1]
    redis.call('DEL', counts .. item)
    local all = redis.call('HGETALL', prefix .. item)
    for j = 2, #all, 2 do
      if not withdrawn(all[j]) then count(item, answer_of(all[j]), 1) end
    end
  end
end
if ARGV[2] == '1' then
  redis.call('SET', KEYS[1], ARGV[6], 'PX', ARGV[3])
  redis.call('SET', KEYS[2], '1', 'PX', idle)
  redis.call('SET', KEYS[8], '1', 'PX', math.floor(idle / 2))
end
if #ARGV > 7 then
  redis.call('INCR', KEYS[6])
  touch(KEYS[6])
end
if applied > 0 and ARGV[2] ~= '1' then redis.call('PEXPIRE', KEYS[7], ARGV[3]) end
for key in pairs(touched) do redis.call('PEXPIRE', key, idle) end
return applied
)lua";

// KEYS: ver, events, unpublished. ARGV: the version the figures were read at ('' = none
// yet), stream length, entry kind, idle TTL (ms), the number n of items, the n items, then
// one payload per event. Appends them, and takes the items out of `unpublished`, only if
// still current.
constexpr char kPublishScript[] = R"lua(
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[5])
for i = 6 + n, #ARGV do
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'k', ARGV[3], 'e', ARGV[i])
end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
for i = 6, 5 + n do redis.call('SREM', KEYS[3], ARGV[i]) end
return 1
)lua";

// The figures' format, in `built`: "2" since items have counts (figures left by a release
// without them are built again).
constexpr char kFiguresFormat[] = "2";

// How often a session's answers' events go out at most (per replica): what changes meanwhile
// goes out together.
constexpr absl::Duration kPublishEvery = absl::Milliseconds(10);
// How often one item's distribution goes out at most (per replica). A busy session changes
// most of its items within every kPublishEvery; watchers then get each item's latest figures
// 20 times a second instead of 100, and the replica reads, encodes and streams a fifth of the
// events. An item that changes less often goes out within kPublishEvery as before.
constexpr absl::Duration kItemPublishEvery = absl::Milliseconds(50);

// How long the keeper of watched sessions gives one session's check and rebuild.
constexpr absl::Duration kKeeperDeadline = absl::Seconds(5);

// How often a replica reads the figures again because another changed them meanwhile before
// it publishes regardless (the next change corrects what watchers see).
constexpr int kPublishAttempts = 8;

// KEYS: writing, built, fresh. ARGV: token, built TTL (ms). Settles one answer transaction;
// the figures' TTL comes back only when no other one is outstanding, and only while they are
// fresh.
constexpr char kSettleScript[] = R"lua(
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[2]) == 1 and
   redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 0
)lua";

const char* KindOf(api::ParticipantPerspective p) {
  switch (p) {
    case api::PARTICIPANT_PERSPECTIVE_PROVIDER:
      return "P";
    case api::PARTICIPANT_PERSPECTIVE_CUSTOMER:
      return "C";
    default:
      return "F";
  }
}

api::ParticipantPerspective PerspectiveOfKind(absl::string_view kind) {
  if (kind == "P") return api::PARTICIPANT_PERSPECTIVE_PROVIDER;
  if (kind == "C") return api::PARTICIPANT_PERSPECTIVE_CUSTOMER;
  return api::PARTICIPANT_PERSPECTIVE_FACILITATOR;
}

void AddAnswer(std::vector<std::string>& entries, const std::string& item,
               const std::string& participant, int64_t seq, int round, absl::string_view kind,
               const std::string& org, bool withdrawn, const std::optional<double>& value) {
  entries.insert(
      entries.end(),
      {"A", item, participant, absl::StrCat(seq), absl::StrCat(round),
       absl::StrCat(kind, "|", org, "|", withdrawn ? "-" : (value ? absl::StrCat(*value) : "na"))});
}

void AddPerson(std::vector<std::string>& entries, const api::Participant& p,
               const std::string& participant_id) {
  entries.insert(entries.end(),
                 {"P", participant_id,
                  absl::StrCat(api::ParticipantState_Name(p.state()), "|", KindOf(p.perspective()),
                               "|", p.customer_organization()),
                  "", "", ""});
}

std::string IdOf(const std::string& name) { return name.substr(name.rfind('/') + 1); }

// (participant, items answered) from the "answered" hash.
std::vector<std::pair<std::string, int>> AnsweredCountsFrom(const RedisReply& answered_hash) {
  std::vector<std::pair<std::string, int>> counts;
  for (size_t i = 0; i + 1 < answered_hash.elements.size(); i += 2) {
    int n = 0;
    (void)absl::SimpleAtoi(answered_hash.elements[i + 1].str, &n);
    counts.emplace_back(answered_hash.elements[i].str, n);
  }
  return counts;
}

// How long a participant counts as present after they were last seen: watchers are seen at
// every heartbeat (15 s), respondents whenever they answer.
constexpr absl::Duration kPresence = absl::Minutes(1);

// Progress from the "answered" and "people" hashes and who is present.
api::SessionProgress ProgressFrom(const ModelIndex& model, const RedisReply& answered_hash,
                                  const RedisReply& people, const RedisReply& present) {
  const std::vector<std::pair<std::string, int>> counts = AnsweredCountsFrom(answered_hash);
  absl::flat_hash_map<std::string, int> answered(counts.begin(), counts.end());
  absl::flat_hash_set<std::string> here;
  for (const RedisReply& id : present.elements) here.insert(id.str);
  std::vector<LiveParticipant> participants;
  for (size_t i = 0; i + 1 < people.elements.size(); i += 2) {
    std::vector<std::string> parts = absl::StrSplit(people.elements[i + 1].str, '|');
    if (parts.size() != 3) continue;
    api::ParticipantState state = api::PARTICIPANT_STATE_UNSPECIFIED;
    (void)api::ParticipantState_Parse(parts[0], &state);
    const std::string& id = people.elements[i].str;
    participants.push_back(LiveParticipant{id, PerspectiveOfKind(parts[1]), parts[2], state,
                                           answered.contains(id) ? answered[id] : 0,
                                           here.contains(id)});
  }
  return SessionProgressOf(model, participants);
}

}  // namespace

std::string RedisLiveState::EventsKey(const std::string& tenant_id, const std::string& session_id) {
  return absl::StrCat("lagom:", tenant_id, ":session:{", session_id, "}:events");
}

int64_t RedisLiveState::CursorOf(absl::string_view stream_id) {
  std::vector<absl::string_view> parts = absl::StrSplit(stream_id, '-');
  int64_t ms = 0, seq = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &ms) || !absl::SimpleAtoi(parts[1], &seq) ||
      seq >= (int64_t{1} << 20)) {
    return 0;
  }
  return (ms << 20) | seq;
}

std::string RedisLiveState::StreamIdOf(int64_t cursor) {
  return absl::StrCat(cursor >> 20, "-", cursor & ((int64_t{1} << 20) - 1));
}

std::string RedisLiveState::Key(const RequestContext& rc, const std::string& session_id,
                                absl::string_view part) const {
  return absl::StrCat("lagom:", rc.tenant_id, ":session:{", session_id, "}:", part);
}

absl::StatusOr<long long> RedisLiveState::Apply(const RequestContext& rc, const std::string& sid,
                                                const std::vector<std::string>& entries,
                                                bool require_built, bool mark_built) {
  absl::StatusOr<RedisReply> reply =
      redis_.For(sid).Command(ApplyCommand(rc, sid, entries, require_built, mark_built));
  if (!reply.ok()) return reply.status();
  return reply->integer;
}

std::vector<std::string> RedisLiveState::ApplyCommand(const RequestContext& rc,
                                                      const std::string& sid,
                                                      const std::vector<std::string>& entries,
                                                      bool require_built, bool mark_built) const {
  std::vector<std::string> argv = {"EVAL",
                                   kApplyScript,
                                   "8",
                                   Key(rc, sid, "built"),
                                   Key(rc, sid, "alive"),
                                   Key(rc, sid, "answered"),
                                   Key(rc, sid, "rounds"),
                                   Key(rc, sid, "people"),
                                   Key(rc, sid, "ver"),
                                   Key(rc, sid, "unpublished"),
                                   Key(rc, sid, "fresh"),
                                   require_built ? "1" : "0",
                                   mark_built ? "1" : "0",
                                   built_ttl_ms_,
                                   Key(rc, sid, "item:"),
                                   Key(rc, sid, "counts:"),
                                   kFiguresFormat,
                                   idle_ttl_ms_};
  argv.insert(argv.end(), entries.begin(), entries.end());
  return argv;
}

std::vector<std::string> RedisLiveState::SettleCommand(const RequestContext& rc,
                                                       const std::string& sid,
                                                       const std::string& token) const {
  return {"EVAL",
          kSettleScript,
          "3",
          Key(rc, sid, "writing"),
          Key(rc, sid, "built"),
          Key(rc, sid, "fresh"),
          token,
          built_ttl_ms_};
}

std::string RedisLiveState::NewProcessToken() {
  absl::BitGen bits;
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(bits));
}

LiveState::Announcement RedisLiveState::AnswersPending(
    const RequestContext& rc, const std::vector<std::string>& session_ids) {
  Announcement out{absl::StrCat(process_token_, ":", ++pending_counter_)};
  // Sent now, confirmed (replies read) just before the commit: the round trip overlaps the
  // transaction's reads.
  auto sent = std::make_shared<std::vector<std::pair<std::string, RedisClient::InFlight>>>();
  auto failed = [tenant = rc.tenant_id](const std::string& sid, const absl::Status& status) {
    LogWarn("answer transaction not announced to the live state",
            {{"tenant", tenant}, {"session", sid}, {"error", status.ToString()}});
  };
  for (const std::string& sid : session_ids) {
    // LT: the first outstanding transaction sets the deadline; later ones do not push it on.
    absl::StatusOr<RedisClient::InFlight> in_flight =
        redis_.For(sid).Send({{"HSET", Key(rc, sid, "writing"), out.token,
                               absl::StrCat(absl::ToUnixMillis(absl::Now()))},
                              {"PEXPIRE", Key(rc, sid, "built"),
                               absl::StrCat(absl::ToInt64Milliseconds(kPendingWindow)), "LT"},
                              {"PEXPIRE", Key(rc, sid, "writing"), idle_ttl_ms_}});
    if (!in_flight.ok()) {
      failed(sid, in_flight.status());
      continue;
    }
    sent->emplace_back(sid, *std::move(in_flight));
  }
  out.confirm = [this, sent, failed] {
    for (auto& [sid, in_flight] : *sent) {
      absl::Status done = redis_.For(sid).Receive(std::move(in_flight)).status();
      if (!done.ok()) failed(sid, done);
    }
    sent->clear();
  };
  return out;
}

void RedisLiveState::AnswersSettled(const RequestContext& rc,
                                    const std::vector<std::string>& session_ids,
                                    const std::string& token) {
  for (const std::string& sid : session_ids) {
    absl::StatusOr<RedisReply> done = redis_.For(sid).Command(SettleCommand(rc, sid, token));
    if (!done.ok()) {
      LogWarn("answer transaction not settled in the live state (rebuilt within seconds)",
              {{"tenant", rc.tenant_id}, {"session", sid}, {"error", done.status().ToString()}});
    }
  }
}

absl::Status RedisLiveState::Rebuild(const RequestContext& rc, const LiveSession& s) {
  std::vector<std::string> entries;
  absl::Status read = store_.InTenant(rc, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<ParticipantRecord>> people = tx.ListParticipants(s.session_id);
    if (!people.ok()) return people.status();
    absl::flat_hash_map<std::string, api::Participant> who;
    for (const ParticipantRecord& r : *people) {
      api::Participant p;
      if (!p.ParseFromString(r.body)) return absl::DataLossError("unreadable participant");
      AddPerson(entries, p, r.participant_id);
      who[r.participant_id] = std::move(p);
    }
    absl::StatusOr<std::vector<std::string>> rounds = tx.ListRounds(s.session_id);
    if (!rounds.ok()) return rounds.status();
    absl::flat_hash_map<std::string, int> current;
    for (const std::string& body : *rounds) {
      api::Round round;
      if (!round.ParseFromString(body)) return absl::DataLossError("unreadable round");
      for (const std::string& item : round.item_ids()) current[item] = round.number();
    }
    for (const auto& [item, round] : current) {
      if (round > 1) entries.insert(entries.end(), {"R", item, absl::StrCat(round), "", "", ""});
    }
    absl::StatusOr<std::vector<AnswerRecord>> answers = tx.ListAnswers(s.session_id, std::nullopt);
    if (!answers.ok()) return answers.status();
    for (const AnswerRecord& r : *answers) {
      auto round = current.find(r.item_id);
      if (round == current.end() || round->second != r.round) continue;
      api::Answer a;
      if (!a.ParseFromString(r.body)) return absl::DataLossError("unreadable answer");
      const api::Participant& p = who[r.participant_id];
      AddAnswer(entries, r.item_id, r.participant_id, r.seq, r.round, KindOf(p.perspective()),
                p.customer_organization(), r.withdrawn,
                a.has_value() ? std::optional<double>(a.value()) : std::nullopt);
    }
    // Then every item's counts from its answers as they stand (whatever was there before:
    // figures of an earlier format, or keys lost one by one).
    if (s.model != nullptr) {
      for (const std::string& item : s.model->items()) {
        entries.insert(entries.end(), {"C", item, "", "", "", ""});
      }
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  RedisClient& redis = redis_.For(s.session_id);
  absl::StatusOr<std::vector<RedisReply>> state = redis.Pipeline(
      {{"EXISTS", Key(rc, s.session_id, "alive")}, {"HLEN", Key(rc, s.session_id, "writing")}});
  if (!state.ok()) return state.status();
  absl::StatusOr<long long> applied =
      Apply(rc, s.session_id, entries, /*require_built=*/false, /*mark_built=*/true);
  if (!applied.ok()) return applied.status();
  const bool lost = (*state)[0].integer == 0;
  // An answer transaction outstanding since before the figures expired: its replica died
  // between commit and update (or took longer than kPendingWindow). What it committed is in
  // the figures now; watchers may have missed it.
  const bool unsettled = (*state)[1].integer > 0;
  if (unsettled) {
    if (absl::Status s2 = redis.Command({"DEL", Key(rc, s.session_id, "writing")}).status();
        !s2.ok()) {
      return s2;
    }
  }
  if (lost || unsettled) {
    LogInfo("live state rebuilt from PostgreSQL",
            {{"tenant", rc.tenant_id},
             {"session", s.session_id},
             {"why", lost ? "live store lost it, or it expired unused"
                          : "an answer transaction was never applied"}});
    return Append(rc, s.session_id, kResyncEntry, "");
  }
  return absl::OkStatus();
}

absl::Status RedisLiveState::EnsureBuilt(const RequestContext& rc, const LiveSession& s) {
  absl::StatusOr<RedisReply> built =
      redis_.For(s.session_id).Command({"GET", Key(rc, s.session_id, "built")});
  if (!built.ok()) return built.status();
  if (built->type == RedisReply::Type::kString && built->str == kFiguresFormat) {
    return absl::OkStatus();
  }
  return Rebuild(rc, s);
}

std::vector<std::string> RedisLiveState::AppendCommand(const RequestContext& rc,
                                                       const std::string& sid,
                                                       absl::string_view kind,
                                                       const std::string& payload) const {
  return {"XADD",
          EventsKey(rc.tenant_id, sid),
          "MAXLEN",
          "~",
          absl::StrCat(stream_length_),
          "*",
          "k",
          std::string(kind),
          "e",
          payload};
}

std::vector<std::string> RedisLiveState::ExpireEventsCommand(const RequestContext& rc,
                                                             const std::string& sid) const {
  return {"PEXPIRE", EventsKey(rc.tenant_id, sid), idle_ttl_ms_};
}

absl::Status RedisLiveState::Append(const RequestContext& rc, const std::string& sid,
                                    absl::string_view kind, const std::string& payload) {
  return redis_.For(sid)
      .Pipeline({AppendCommand(rc, sid, kind, payload), ExpireEventsCommand(rc, sid)})
      .status();
}

absl::StatusOr<std::pair<api::SessionProgress, std::vector<api::ItemDistribution>>>
RedisLiveState::ReadFigures(const RequestContext& rc, const LiveSession& s,
                            const std::vector<std::string>& item_ids, bool with_progress,
                            std::string* version) {
  std::vector<const ItemRule*> rules;
  for (const std::string& item : item_ids) {
    const ItemRule* rule = s.model->Find(item);
    if (rule == nullptr) return absl::NotFoundError(absl::StrCat("item ", item));
    rules.push_back(rule);
  }
  std::vector<std::vector<std::string>> commands;
  if (with_progress) {
    commands.push_back({"HGETALL", Key(rc, s.session_id, "answered")});
    commands.push_back({"HGETALL", Key(rc, s.session_id, "people")});
    commands.push_back({"ZRANGEBYSCORE", Key(rc, s.session_id, "presence"),
                        absl::StrCat(absl::ToUnixMillis(absl::Now() - kPresence)), "+inf"});
  }
  for (const std::string& item : item_ids) {
    commands.push_back({"HGET", Key(rc, s.session_id, "rounds"), item});
    commands.push_back({"HGETALL", Key(rc, s.session_id, absl::StrCat("counts:", item))});
  }
  if (version != nullptr) commands.push_back({"GET", Key(rc, s.session_id, "ver")});
  absl::StatusOr<std::vector<RedisReply>> replies = redis_.For(s.session_id).Pipeline(commands);
  if (!replies.ok()) return replies.status();
  if (version != nullptr) {
    const RedisReply& v = replies->back();
    *version = v.type == RedisReply::Type::kString ? v.str : "";
  }
  std::pair<api::SessionProgress, std::vector<api::ItemDistribution>> out;
  size_t next = 0;
  if (with_progress) {
    out.first =
        ProgressFrom(*s.model, (*replies)[next], (*replies)[next + 1], (*replies)[next + 2]);
    next += 3;
  }
  for (const ItemRule* rule : rules) {
    const RedisReply& round = (*replies)[next++];
    const RedisReply& counts = (*replies)[next++];
    int number = 1;
    if (round.type == RedisReply::Type::kString) (void)absl::SimpleAtoi(round.str, &number);
    // "kind|org|value" → answers; the figures need no one's identity.
    std::vector<LiveAnswer> answers;
    for (size_t i = 0; i + 1 < counts.elements.size(); i += 2) {
      const std::string& answer = counts.elements[i].str;
      const size_t kind_end = answer.find('|');
      const size_t org_end = answer.rfind('|');
      int n = 0;
      if (kind_end == org_end || !absl::SimpleAtoi(counts.elements[i + 1].str, &n)) continue;
      LiveAnswer a{"", PerspectiveOfKind(absl::string_view(answer).substr(0, kind_end)),
                   answer.substr(kind_end + 1, org_end - kind_end - 1), std::nullopt, n};
      const absl::string_view value = absl::string_view(answer).substr(org_end + 1);
      double v = 0;
      if (value != "na" && absl::SimpleAtod(value, &v)) a.value = v;
      answers.push_back(std::move(a));
    }
    out.second.push_back(Distribution(*rule, number, answers, s.session.anonymous()));
  }
  return out;
}

RedisLiveState::RedisLiveState(RedisShards& redis, SessionStore& store, ModelIndexCache& models,
                               absl::Duration idle_ttl, absl::Duration built_ttl, int stream_length)
    : redis_(redis),
      store_(store),
      models_(models),
      idle_ttl_(idle_ttl),
      idle_ttl_ms_(absl::StrCat(absl::ToInt64Milliseconds(idle_ttl))),
      built_ttl_ms_(absl::StrCat(absl::ToInt64Milliseconds(std::min(built_ttl, idle_ttl / 4)))),
      stream_length_(stream_length),
      process_token_(NewProcessToken()),
      publisher_([this] { PublisherLoop(); }),
      keeper_([this] { KeeperLoop(); }) {}

RedisLiveState::~RedisLiveState() {
  {
    absl::MutexLock lock(&watched_mu_);
    keeper_stopping_ = true;
  }
  keeper_.join();
  {
    absl::MutexLock lock(&publish_mu_);
    stopping_ = true;
  }
  publisher_.join();
}

void RedisLiveState::Watching(const RequestContext& rc, const LiveSession& s) {
  absl::MutexLock lock(&watched_mu_);
  Watched& w = watched_[absl::StrCat(rc.tenant_id, "/", s.session_id)];
  if (w.watchers++ == 0) {
    // The tenant only: the first watcher's call (its deadline) may end before the others'.
    w.rc = RequestContext{};
    w.rc.tenant_id = rc.tenant_id;
    w.session = s;
  }
}

void RedisLiveState::NotWatching(const RequestContext& rc, const std::string& session_id) {
  absl::MutexLock lock(&watched_mu_);
  auto it = watched_.find(absl::StrCat(rc.tenant_id, "/", session_id));
  if (it != watched_.end() && --it->second.watchers <= 0) watched_.erase(it);
}

void RedisLiveState::Forget(const RequestContext& rc, const LiveSession& s) {
  std::vector<std::string> keys = {"UNLINK", EventsKey(rc.tenant_id, s.session_id)};
  for (const char* part : {"alive", "answered", "built", "fresh", "people", "presence", "rounds",
                           "unpublished", "ver", "writing"}) {
    keys.push_back(Key(rc, s.session_id, part));
  }
  if (s.model != nullptr) {
    for (const std::string& item : s.model->items()) {
      keys.push_back(Key(rc, s.session_id, absl::StrCat("item:", item)));
      keys.push_back(Key(rc, s.session_id, absl::StrCat("counts:", item)));
    }
  }
  absl::StatusOr<RedisReply> gone = redis_.For(s.session_id).Command(keys);
  if (!gone.ok()) {
    LogWarn(
        "a deleted session's live state was not removed; it expires with the idle TTL",
        {{"tenant", rc.tenant_id}, {"session", s.session_id}, {"error", gone.status().ToString()}});
  }
}

void RedisLiveState::KeeperLoop() {
  for (;;) {
    std::vector<std::tuple<std::string, RequestContext, LiveSession, std::set<std::string>>>
        sessions;
    {
      absl::MutexLock lock(&watched_mu_);
      if (watched_mu_.AwaitWithTimeout(absl::Condition(&keeper_stopping_), kKeepBuiltEvery)) {
        return;
      }
      for (const auto& [key, w] : watched_) {
        // Figures exist only for sessions with a model (not DRAFT).
        if (w.session.model != nullptr) {
          sessions.emplace_back(key, w.rc, w.session, w.unpublished_seen);
        }
      }
    }
    for (auto& [key, rc, s, seen_before] : sessions) {
      rc.deadline = absl::Now() + kKeeperDeadline;
      // A failure (Redis or PostgreSQL away) is the next check's to repair; the watch hub and
      // the writers report such outages already.
      if (!EnsureBuilt(rc, s).ok()) continue;
      absl::StatusOr<RedisReply> unpublished =
          redis_.For(s.session_id).Command({"SMEMBERS", Key(rc, s.session_id, "unpublished")});
      if (!unpublished.ok()) continue;
      std::set<std::string> now;
      for (const RedisReply& item : unpublished->elements) now.insert(item.str);
      // Unpublished at two checks a second apart: the replica that changed them is gone (its
      // publisher goes out within kPublishEvery).
      std::vector<std::string> stale;
      for (const std::string& item : now) {
        if (seen_before.contains(item) && s.model->Find(item) != nullptr) stale.push_back(item);
      }
      if (!stale.empty() && PublishFigures(rc, s, stale).ok()) {
        for (const std::string& item : stale) now.erase(item);
      }
      absl::MutexLock lock(&watched_mu_);
      if (auto it = watched_.find(key); it != watched_.end()) {
        it->second.unpublished_seen = std::move(now);
      }
    }
  }
}

void RedisLiveState::AnswersChanged(const RequestContext& rc, const LiveSession& s,
                                    const std::vector<AnswerChange>& changes,
                                    const std::string& settle_token) {
  std::vector<std::string> entries;
  std::set<std::string> items;
  std::set<std::string> participants;
  for (const AnswerChange& c : changes) {
    AddAnswer(entries, c.item_id, c.participant_id, c.seq, c.round, KindOf(c.perspective),
              c.customer_organization, c.withdrawn, c.value);
    items.insert(c.item_id);
    participants.insert(c.participant_id);
  }
  absl::Status status = [&]() -> absl::Status {
    // The changes applied, the transaction settled and the answerers marked present in one
    // round trip; unless the figures were not built: then rebuilt (the record has the
    // changes). Their events go out from the publisher.
    std::vector<std::vector<std::string>> commands = {
        ApplyCommand(rc, s.session_id, entries, /*require_built=*/true, /*mark_built=*/false)};
    if (!settle_token.empty()) commands.push_back(SettleCommand(rc, s.session_id, settle_token));
    for (std::vector<std::string>& c :
         SeenCommands(rc, s.session_id, {participants.begin(), participants.end()})) {
      commands.push_back(std::move(c));
    }
    absl::StatusOr<std::vector<RedisReply>> replies = redis_.For(s.session_id).Pipeline(commands);
    if (!replies.ok()) return replies.status();
    if (replies->front().integer < 0) return Rebuild(rc, s);
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    // The transaction stays announced (not settled): while it is, `built` lapses within
    // kPendingWindow, and the figures are rebuilt from PostgreSQL, these changes with them.
    // Settled, `built` would be renewed by every later answer and the figures would miss
    // these for hours.
    LogWarn("live state not updated; it is rebuilt from PostgreSQL within seconds",
            {{"tenant", rc.tenant_id}, {"session", s.session_id}, {"error", status.ToString()}});
    return;
  }
  SchedulePublish(rc, s, items);
}

absl::Status RedisLiveState::PublishFigures(const RequestContext& rc, const LiveSession& s,
                                            const std::vector<std::string>& item_ids) {
  // Not appended when another replica changed the figures after they were read (its events
  // may be out already: ours would follow them with older figures): read again.
  RedisClient& redis = redis_.For(s.session_id);
  for (int attempt = 1;; ++attempt) {
    std::string version;
    absl::StatusOr<std::pair<api::SessionProgress, std::vector<api::ItemDistribution>>> figures =
        ReadFigures(rc, s, item_ids, /*with_progress=*/true, &version);
    if (!figures.ok()) return figures.status();
    std::vector<std::string> publish = {"EVAL",
                                        kPublishScript,
                                        "3",
                                        Key(rc, s.session_id, "ver"),
                                        EventsKey(rc.tenant_id, s.session_id),
                                        Key(rc, s.session_id, "unpublished"),
                                        version,
                                        absl::StrCat(stream_length_),
                                        kEventEntry,
                                        idle_ttl_ms_,
                                        absl::StrCat(item_ids.size())};
    publish.insert(publish.end(), item_ids.begin(), item_ids.end());
    const size_t first_event = publish.size();
    for (api::ItemDistribution& d : figures->second) {
      api::WatchSessionResponse event;
      *event.mutable_item_distribution_changed()->mutable_distribution() = std::move(d);
      *event.mutable_item_distribution_changed()->mutable_progress() = figures->first;
      publish.push_back(event.SerializeAsString());
    }
    if (attempt == kPublishAttempts) {
      // Still changing under us: publish as read; the next change's events follow (and the
      // items stay unpublished, for a watching replica's keeper to publish again).
      std::vector<std::vector<std::string>> events;
      for (size_t i = first_event; i < publish.size(); ++i) {
        events.push_back(AppendCommand(rc, s.session_id, kEventEntry, publish[i]));
      }
      events.push_back(ExpireEventsCommand(rc, s.session_id));
      return redis.Pipeline(events).status();
    }
    absl::StatusOr<RedisReply> published = redis.Command(publish);
    if (!published.ok()) return published.status();
    if (published->integer == 1) return absl::OkStatus();
  }
}

absl::Time RedisLiveState::Published::ItemDue(const std::string& item, absl::Time now) const {
  auto at = items.find(item);
  return at == items.end() ? now : at->second + kItemPublishEvery;
}

void RedisLiveState::SchedulePublish(const RequestContext& rc, const LiveSession& s,
                                     const std::set<std::string>& item_ids) {
  const std::string key = absl::StrCat(rc.tenant_id, "/", s.session_id);
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&publish_mu_);
  auto [it, fresh] = unpublished_.try_emplace(key);
  Unpublished& u = it->second;
  if (fresh) u.rc = rc;
  // When the first of these items may go: the session's window and the item's own.
  absl::Time due = now;
  if (auto last = last_published_.find(key); last != last_published_.end()) {
    absl::Time item_due = absl::InfiniteFuture();
    for (const std::string& item : item_ids) {
      item_due = std::min(item_due, last->second.ItemDue(item, now));
    }
    due = std::max({now, last->second.at + kPublishEvery, item_due});
  }
  if (fresh || due < u.due) {
    u.due = due;
    ++changes_;  // the publisher may be waiting for a later one
  }
  u.session = s;  // the latest known
  u.item_ids.insert(item_ids.begin(), item_ids.end());
}

void RedisLiveState::PublisherLoop() {
  int64_t seen_changes = -1;
  for (;;) {
    std::optional<Unpublished> next;
    {
      absl::MutexLock lock(&publish_mu_);
      while (!next) {
        auto first = unpublished_.end();
        for (auto it = unpublished_.begin(); it != unpublished_.end(); ++it) {
          if (first == unpublished_.end() || it->second.due < first->second.due) first = it;
        }
        if (first == unpublished_.end() && stopping_) return;
        const absl::Time now = absl::Now();
        if (first != unpublished_.end() && (stopping_ || first->second.due <= now)) {
          // The items not published within kItemPublishEvery go now; the others stay, due
          // when the first of them may go.
          Published& last = last_published_[first->first];
          Unpublished& u = first->second;
          std::set<std::string> ready;
          absl::Time later = absl::InfiniteFuture();
          for (auto item = u.item_ids.begin(); item != u.item_ids.end();) {
            const absl::Time item_due = last.ItemDue(*item, now);
            if (stopping_ || item_due <= now) {
              last.items[*item] = now;
              ready.insert(u.item_ids.extract(item++));
            } else {
              later = std::min(later, item_due);
              ++item;
            }
          }
          if (!ready.empty()) {
            last.at = now;
            next = Unpublished{u.rc, u.session, std::move(ready), now};
          }
          if (u.item_ids.empty()) {
            unpublished_.erase(first);
          } else {
            u.due = std::max(later, last.at + kPublishEvery);
          }
          if (next) break;
          continue;
        }
        // Until the first is due, or something changes.
        seen_changes = changes_;
        auto changed = [this, seen_changes]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_) {
          return changes_ != seen_changes || stopping_;
        };
        if (first == unpublished_.end()) {
          publish_mu_.Await(absl::Condition(&changed));
        } else {
          publish_mu_.AwaitWithDeadline(absl::Condition(&changed), first->second.due);
        }
      }
      // Forget sessions not published for a while.
      if (last_published_.size() > 1024) {
        absl::erase_if(last_published_, [now = absl::Now()](const auto& entry) {
          return entry.second.at < now - absl::Seconds(1);
        });
      }
    }
    const std::vector<std::string> items(next->item_ids.begin(), next->item_ids.end());
    if (absl::Status s = PublishFigures(next->rc, next->session, items); !s.ok()) {
      LogWarn("answers' events not published; watchers get them with the next change",
              {{"tenant", next->rc.tenant_id},
               {"session", next->session.session_id},
               {"error", s.ToString()}});
    }
  }
}

void RedisLiveState::ParticipantChanged(const RequestContext& rc, const LiveSession& s,
                                        const api::Participant& participant, bool removed) {
  const std::string id = IdOf(participant.name());
  std::vector<std::string> entries;
  if (removed) {
    entries.insert(entries.end(),
                   {"X", id, s.model ? absl::StrJoin(s.model->items(), ",") : "", "", "", ""});
  } else {
    AddPerson(entries, participant, id);
  }
  absl::Status status = [&]() -> absl::Status {
    absl::StatusOr<long long> applied = Apply(rc, s.session_id, entries, true, false);
    if (!applied.ok()) return applied.status();
    if (*applied < 0 && s.model) {
      if (absl::Status rebuilt = Rebuild(rc, s); !rebuilt.ok()) return rebuilt;
    }
    if (removed) return absl::OkStatus();
    api::WatchSessionResponse event;
    if (participant.state() == api::PARTICIPANT_STATE_COMPLETED) {
      *event.mutable_participant_completed()->mutable_participant() = participant;
    } else {
      *event.mutable_participant_joined()->mutable_participant() = participant;
    }
    return Append(rc, s.session_id, kEventEntry, event.SerializeAsString());
  }();
  if (!status.ok()) {
    LogWarn("live participant change not published",
            {{"tenant", rc.tenant_id}, {"session", s.session_id}, {"error", status.ToString()}});
  }
}

void RedisLiveState::Publish(const RequestContext& rc, const LiveSession& s,
                             const api::WatchSessionResponse& event) {
  absl::Status status = [&]() -> absl::Status {
    if (event.has_round_started()) {
      std::vector<std::string> entries;
      for (const std::string& item : event.round_started().round().item_ids()) {
        entries.insert(
            entries.end(),
            {"R", item, absl::StrCat(event.round_started().round().number()), "", "", ""});
      }
      absl::StatusOr<long long> applied = Apply(rc, s.session_id, entries, true, false);
      if (!applied.ok()) return applied.status();
    }
    return Append(rc, s.session_id, kEventEntry, event.SerializeAsString());
  }();
  if (!status.ok()) {
    LogWarn("live event not published",
            {{"tenant", rc.tenant_id}, {"session", s.session_id}, {"error", status.ToString()}});
  }
}

absl::StatusOr<std::vector<std::pair<std::string, int>>> RedisLiveState::AnsweredCounts(
    const RequestContext& rc, const LiveSession& s) {
  if (absl::Status built = EnsureBuilt(rc, s); !built.ok()) return built;
  return ReadAnsweredCounts(rc, s);
}

absl::StatusOr<std::vector<std::pair<std::string, int>>> RedisLiveState::ReadAnsweredCounts(
    const RequestContext& rc, const LiveSession& s) {
  absl::StatusOr<RedisReply> all =
      redis_.For(s.session_id).Command({"HGETALL", Key(rc, s.session_id, "answered")});
  if (!all.ok()) return all.status();
  return AnsweredCountsFrom(*all);
}

std::vector<std::vector<std::string>> RedisLiveState::SeenCommands(
    const RequestContext& rc, const std::string& session_id,
    const std::vector<std::string>& participant_ids) const {
  if (participant_ids.empty()) return {};
  const absl::Time now = absl::Now();
  const std::string key = Key(rc, session_id, "presence");
  std::vector<std::string> add = {"ZADD", key};
  for (const std::string& id : participant_ids) {
    add.push_back(absl::StrCat(absl::ToUnixMillis(now)));
    add.push_back(id);
  }
  return {
      std::move(add),
      {"ZREMRANGEBYSCORE", key, "-inf", absl::StrCat("(", absl::ToUnixMillis(now - kPresence))},
      {"PEXPIRE", key, absl::StrCat(absl::ToInt64Milliseconds(std::min(kPresence, idle_ttl_)))}};
}

void RedisLiveState::Seen(const RequestContext& rc, const std::string& session_id,
                          const std::vector<std::string>& participant_ids) {
  absl::StatusOr<std::vector<RedisReply>> done =
      redis_.For(session_id).Pipeline(SeenCommands(rc, session_id, participant_ids));
  if (!done.ok()) {
    LogWarn(
        "presence not recorded (live state only)",
        {{"tenant", rc.tenant_id}, {"session", session_id}, {"error", done.status().ToString()}});
  }
}

absl::StatusOr<api::SessionProgress> RedisLiveState::Progress(const RequestContext& rc,
                                                              const LiveSession& s) {
  if (absl::Status built = EnsureBuilt(rc, s); !built.ok()) return built;
  return ReadProgress(rc, s);
}

absl::StatusOr<api::SessionProgress> RedisLiveState::ReadProgress(const RequestContext& rc,
                                                                  const LiveSession& s) {
  absl::StatusOr<std::pair<api::SessionProgress, std::vector<api::ItemDistribution>>> figures =
      ReadFigures(rc, s, {}, /*with_progress=*/true);
  if (!figures.ok()) return figures.status();
  return std::move(figures->first);
}

absl::StatusOr<std::vector<api::ItemDistribution>> RedisLiveState::Distributions(
    const RequestContext& rc, const LiveSession& s, const std::vector<std::string>& item_ids) {
  if (absl::Status built = EnsureBuilt(rc, s); !built.ok()) return built;
  absl::StatusOr<std::pair<api::SessionProgress, std::vector<api::ItemDistribution>>> figures =
      ReadFigures(rc, s, item_ids, /*with_progress=*/false);
  if (!figures.ok()) return figures.status();
  return std::move(figures->second);
}

}  // namespace lagom::session
