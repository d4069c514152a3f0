#include "services/session/store/pg_session_store.h"

#include <deque>
#include <limits>
#include <map>
#include <pqxx/pqxx>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/pg_binary.h"
#include "common/pg_params.h"
#include "common/pg_quota.h"

namespace lagom::session {
namespace {

// Timestamps travel as microseconds since the epoch, exactly, in both directions.
constexpr char kColumns[] =
    "session_id, version, state, model_version, body,"
    " (extract(epoch from create_time) * 1000000)::bigint";
std::string Time(int param) {
  return absl::StrCat("(timestamptz 'epoch' + $", param, "::bigint * interval '1 microsecond')");
}

// Rows of kColumns, read in binary (common/pg_binary.h).
SessionRecord FromRow(const PgBinaryResult& rows, int i) {
  return SessionRecord{std::string(rows.Text(i, 0)), rows.Int8(i, 1),
                       std::string(rows.Text(i, 2)), std::string(rows.Text(i, 3)),
                       std::string(rows.Text(i, 4)), absl::FromUnixMicros(rows.Int8(i, 5))};
}

// States travel as one comma-separated parameter (they never contain commas).
std::string StateList(const std::vector<std::string>& states) { return absl::StrJoin(states, ","); }

constexpr char kParticipantColumns[] =
    "participant_id, version, principal, body,"
    " (extract(epoch from create_time) * 1000000)::bigint";

// Rows of kParticipantColumns, read in binary.
ParticipantRecord ParticipantFromRow(const PgBinaryResult& rows, int i) {
  return ParticipantRecord{std::string(rows.Text(i, 0)), rows.Int8(i, 1),
                           std::string(rows.Text(i, 2)), std::string(rows.Text(i, 3)),
                           absl::FromUnixMicros(rows.Int8(i, 4))};
}

std::string OptionalTime(int param) {
  return absl::StrCat("(timestamptz 'epoch' + $", param, "::bigint * interval '1 microsecond')");
}
std::optional<int64_t> Micros(const std::optional<absl::Time>& t) {
  if (!t) return std::nullopt;
  return absl::ToUnixMicros(*t);
}
std::optional<absl::Time> OptionalFromMicros(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return absl::FromUnixMicros(f.as<int64_t>());
}

// Rows of (participant_id, item_id, round, seq, withdrawn, body, submit time in µs).
std::vector<AnswerRecord> AnswerRecords(const pqxx::result& rows) {
  std::vector<AnswerRecord> out;
  out.reserve(rows.size());
  for (const pqxx::row& row : rows) {
    out.push_back(AnswerRecord{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<int>(),
                               row[3].as<int64_t>(), row[4].as<bool>(),
                               pqxx::binarystring(row[5]).str(),
                               absl::FromUnixMicros(row[6].as<int64_t>())});
  }
  return out;
}

// The columns of a ListAnswers page, read in binary (see common/pg_binary.h): (participant_id,
// item_id, round, seq, body). Pages hold no withdrawn answers, and the API takes the submit
// time from the body, so neither is selected (the epoch arithmetic alone was some 30 % of the
// statement's cost).
constexpr char kPageColumns[] = "participant_id, item_id, round, seq, body, withdrawn";

std::vector<AnswerRecord> PageRecords(const PgBinaryResult& rows) {
  std::vector<AnswerRecord> out(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    AnswerRecord& r = out[i];
    r.participant_id = rows.Text(i, 0);
    r.item_id = rows.Text(i, 1);
    r.round = rows.Int4(i, 2);
    r.seq = rows.Int8(i, 3);
    r.body = rows.Text(i, 4);
    r.withdrawn = rows.Bool(i, 5);
  }
  return out;
}

class PgSessionTransaction final : public SessionTransaction {
 public:
  PgSessionTransaction(PgTransaction& tx, std::string tenant)
      : tx_(tx), tenant_(std::move(tenant)) {}

  absl::StatusOr<std::optional<SessionRecord>> Get(const std::string& id) override {
    PgBinaryResult rows =
        ExecBinary(tx_,
                   absl::StrCat("SELECT ", kColumns,
                                " FROM session.sessions WHERE tenant_id = $1 AND session_id = $2"),
                   {PgText(tenant_), PgText(id)});
    if (rows.size() == 0) return std::nullopt;
    return FromRow(rows, 0);
  }

  absl::StatusOr<std::vector<SessionRecord>> List(const SessionPageQuery& q) override {
    std::optional<int64_t> after_micros;
    std::optional<std::string> after_id;
    if (q.after) {
      after_micros = absl::ToUnixMicros(q.after->first);
      after_id = q.after->second;
    }
    PgBinaryResult rows =
        ExecBinary(tx_,
                   absl::StrCat("SELECT ", kColumns,
                                " FROM session.sessions"
                                " WHERE tenant_id = $1 AND state = ANY (string_to_array($2, ','))"
                                "   AND ($3::bigint IS NULL OR (create_time, session_id) < (",
                                Time(3),
                                ", $4::text))"
                                " ORDER BY create_time DESC, session_id DESC LIMIT $5"),
                   {PgText(tenant_), PgText(StateList(q.states)), PgText(after_micros),
                    PgText(after_id), PgText(q.limit)});
    std::vector<SessionRecord> out;
    out.reserve(rows.size());
    for (int i = 0; i < rows.size(); ++i) out.push_back(FromRow(rows, i));
    return out;
  }

  absl::Status Insert(const SessionRecord& r) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("INSERT INTO session.sessions"
                     " (tenant_id, session_id, version, state, model_version, body, create_time)"
                     " VALUES ($1, $2, $3, $4, $5, $6, ",
                     Time(7), ") ON CONFLICT DO NOTHING"),
        tenant_, r.session_id, r.version, r.state, r.model_version, pqxx::binarystring(r.body),
        absl::ToUnixMicros(r.create_time));
    if (rows.affected_rows() == 0) return absl::AlreadyExistsError(r.session_id);
    // Invitations naming a new session can only be left over from a deleted one of the same id
    // (deletions by earlier releases kept them): they must not work here.
    DeleteInvitationsOf(r.session_id);
    return absl::OkStatus();
  }

  absl::Status Update(const SessionRecord& r, int64_t expected_version) override {
    shared_sessions_.erase(r.session_id);
    pqxx::result rows = tx_.exec_params(
        "UPDATE session.sessions SET version = $3, state = $4, model_version = $5, body = $6"
        " WHERE tenant_id = $1 AND session_id = $2 AND version = $7",
        tenant_, r.session_id, r.version, r.state, r.model_version, pqxx::binarystring(r.body),
        expected_version);
    if (rows.affected_rows() == 0) {
      absl::StatusOr<std::optional<SessionRecord>> current = Get(r.session_id);
      if (!current.ok()) return current.status();
      if (!current->has_value()) return absl::NotFoundError(r.session_id);
      return absl::AbortedError(
          absl::StrCat(r.session_id, " is no longer at version ", expected_version));
    }
    return absl::OkStatus();
  }

  absl::Status Delete(const std::string& id) override {
    shared_sessions_.erase(id);
    pqxx::result rows = tx_.exec_params(
        "DELETE FROM session.sessions WHERE tenant_id = $1 AND session_id = $2", tenant_, id);
    if (rows.affected_rows() == 0) return absl::NotFoundError(id);
    // Invitations name their session rather than reference it: they go with it, so a token
    // of a deleted session never works again (nor in a new session given the same id).
    DeleteInvitationsOf(id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<SessionRecord>> GetLocked(const std::string& id,
                                                         bool exclusive) override {
    if (!exclusive) {
      // Locked FOR SHARE by Prefetch already, and not changed by this transaction since.
      if (auto known = shared_sessions_.find(id); known != shared_sessions_.end()) {
        return known->second;
      }
    }
    PgBinaryResult rows =
        ExecBinary(tx_,
                   absl::StrCat("SELECT ", kColumns,
                                " FROM session.sessions WHERE tenant_id = $1 AND session_id = $2",
                                exclusive ? " FOR UPDATE" : " FOR SHARE"),
                   {PgText(tenant_), PgText(id)});
    if (rows.size() == 0) return std::nullopt;
    return FromRow(rows, 0);
  }

  absl::Status PinModel(const std::string& id, const std::string& hash,
                        const std::string& content) override {
    tx_.exec_params(
        "INSERT INTO session.pinned_models (tenant_id, session_id, content_hash, content)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, session_id) DO UPDATE"
        " SET content_hash = EXCLUDED.content_hash, content = EXCLUDED.content",
        tenant_, id, hash, pqxx::binarystring(content));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<std::pair<std::string, std::string>>> GetPinnedModel(
      const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT content_hash, content FROM session.pinned_models"
        " WHERE tenant_id = $1 AND session_id = $2",
        tenant_, id);
    if (rows.empty()) return std::nullopt;
    return std::make_pair(rows[0][0].as<std::string>(), pqxx::binarystring(rows[0][1]).str());
  }

  absl::StatusOr<std::optional<ParticipantRecord>> GetParticipant(const std::string& sid,
                                                                  const std::string& pid) override {
    if (auto known = participants_.find({sid, pid}); known != participants_.end()) {
      return known->second;
    }
    PgBinaryResult rows = ExecBinary(
        tx_,
        absl::StrCat("SELECT ", kParticipantColumns,
                     " FROM session.participants"
                     " WHERE tenant_id = $1 AND session_id = $2 AND participant_id = $3"),
        {PgText(tenant_), PgText(sid), PgText(pid)});
    if (rows.size() == 0) return std::nullopt;
    return ParticipantFromRow(rows, 0);
  }

  absl::Status HoldParticipant(const std::string& sid, const std::string& pid) override {
    participants_.erase({sid, pid});  // read again after the lock
    tx_.exec_params(
        "SELECT FROM session.participants"
        " WHERE tenant_id = $1 AND session_id = $2 AND participant_id = $3 FOR NO KEY UPDATE",
        tenant_, sid, pid);
    return absl::OkStatus();
  }

  absl::StatusOr<bool> HasParticipantBoundTo(const std::string& sid,
                                             const std::string& principal) override {
    if (principal.empty()) return false;
    pqxx::result rows = tx_.exec_params(
        "SELECT EXISTS (SELECT FROM session.participants"
        " WHERE tenant_id = $1 AND session_id = $2 AND principal = $3)",
        tenant_, sid, principal);
    return rows[0][0].as<bool>();
  }

  absl::StatusOr<std::vector<ParticipantRecord>> ListParticipants(const std::string& sid) override {
    PgBinaryResult rows = ExecBinary(
        tx_,
        absl::StrCat("SELECT ", kParticipantColumns,
                     " FROM session.participants WHERE tenant_id = $1 AND session_id = $2"
                     " ORDER BY participant_id"),
        {PgText(tenant_), PgText(sid)});
    std::vector<ParticipantRecord> out;
    out.reserve(rows.size());
    for (int i = 0; i < rows.size(); ++i) out.push_back(ParticipantFromRow(rows, i));
    return out;
  }

  absl::StatusOr<int> CountParticipants(const std::string& sid) override {
    return tx_
        .exec_params1(
            "SELECT count(*) FROM session.participants WHERE tenant_id = $1 AND session_id = $2",
            tenant_, sid)[0]
        .as<int>();
  }

  absl::Status InsertParticipant(const std::string& sid, const ParticipantRecord& r) override {
    participants_.erase({sid, r.participant_id});
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("INSERT INTO session.participants (tenant_id, session_id, participant_id,"
                     " version, principal, body, create_time) VALUES ($1, $2, $3, $4, $5, $6, ",
                     Time(7), ") ON CONFLICT DO NOTHING"),
        tenant_, sid, r.participant_id, r.version, r.principal, pqxx::binarystring(r.body),
        absl::ToUnixMicros(r.create_time));
    if (rows.affected_rows() == 0) return absl::AlreadyExistsError(r.participant_id);
    return absl::OkStatus();
  }

  absl::Status UpdateParticipant(const std::string& sid, const ParticipantRecord& r,
                                 int64_t expected_version) override {
    pqxx::result rows = tx_.exec_params(
        "UPDATE session.participants SET version = $4, principal = $5, body = $6"
        " WHERE tenant_id = $1 AND session_id = $2 AND participant_id = $3 AND version = $7",
        tenant_, sid, r.participant_id, r.version, r.principal, pqxx::binarystring(r.body),
        expected_version);
    if (rows.affected_rows() == 0) {
      return absl::AbortedError(absl::StrCat(r.participant_id, " changed concurrently"));
    }
    if (auto known = participants_.find({sid, r.participant_id}); known != participants_.end()) {
      known->second = r;
    }
    return absl::OkStatus();
  }

  absl::Status DeleteParticipant(const std::string& sid, const std::string& pid) override {
    participants_.erase({sid, pid});
    tx_.exec_params("DELETE FROM session.invitations WHERE tenant_id = $1 AND participant = $2",
                    tenant_, ParticipantName(sid, pid));
    pqxx::result rows = tx_.exec_params(
        "DELETE FROM session.participants"
        " WHERE tenant_id = $1 AND session_id = $2 AND participant_id = $3",
        tenant_, sid, pid);
    if (rows.affected_rows() == 0) return absl::NotFoundError(pid);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> ListRounds(const std::string& sid) override {
    if (auto known = rounds_.find(sid); known != rounds_.end()) return known->second;
    pqxx::result rows = tx_.exec_params(
        "SELECT body FROM session.rounds WHERE tenant_id = $1 AND session_id = $2"
        " ORDER BY number",
        tenant_, sid);
    std::vector<std::string> out;
    for (const pqxx::row& row : rows) out.push_back(pqxx::binarystring(row[0]).str());
    return out;
  }

  absl::Status PutRound(const std::string& sid, int number, const std::string& body) override {
    rounds_.erase(sid);
    tx_.exec_params(
        "INSERT INTO session.rounds (tenant_id, session_id, number, body)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, session_id, number)"
        " DO UPDATE SET body = EXCLUDED.body",
        tenant_, sid, number, pqxx::binarystring(body));
    return absl::OkStatus();
  }

  // One statement for the whole batch, the rows as parallel arrays, sent with COMMIT: the seqs
  // were reserved beforehand (Prefetch), so nothing waits for its answer. A row written
  // meanwhile with a higher seq (a concurrent transaction reserved later, committed first)
  // stays: the live state, which keeps the highest seq it has seen, agrees with the record.
  absl::Status WriteAnswers(const std::string& sid, std::vector<AnswerRecord>& records) override {
    if (records.empty()) return absl::OkStatus();
    if (reserved_seqs_.size() < records.size()) {
      ReserveSeqs(static_cast<int>(records.size() - reserved_seqs_.size()));
    }
    std::vector<std::string> participants, items, rounds, seqs, withdrawn, bodies, times;
    for (AnswerRecord& r : records) {
      r.seq = reserved_seqs_.front();
      reserved_seqs_.pop_front();
      participants.push_back(r.participant_id);
      items.push_back(r.item_id);
      rounds.push_back(absl::StrCat(r.round));
      seqs.push_back(absl::StrCat(r.seq));
      withdrawn.push_back(r.withdrawn ? "t" : "f");
      bodies.push_back(PgByteaElement(r.body));
      times.push_back(absl::StrCat(absl::ToUnixMicros(r.submit_time)));
    }
    tx_.Defer(PgStatement{
        "session_upsert_answers",
        "INSERT INTO session.answers AS a (tenant_id, session_id, participant_id, item_id, round,"
        " seq, withdrawn, body, submit_time)"
        " SELECT $1, $2, p, i, r, q, w, b, timestamptz 'epoch' + t * interval '1 microsecond'"
        " FROM unnest($3::text[], $4::text[], $5::int[], $6::bigint[], $7::bool[], $8::bytea[],"
        "   $9::bigint[]) AS x(p, i, r, q, w, b, t)"
        " ON CONFLICT (tenant_id, session_id, participant_id, item_id, round) DO UPDATE"
        " SET seq = EXCLUDED.seq, withdrawn = EXCLUDED.withdrawn, body = EXCLUDED.body,"
        "   submit_time = EXCLUDED.submit_time"
        " WHERE a.seq < EXCLUDED.seq",
        {PgText(tenant_), PgText(sid), PgArray(participants), PgArray(items), PgArray(rounds),
         PgArray(seqs), PgArray(withdrawn), PgArray(bodies), PgArray(times)}});
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<AnswerRecord>> ListAnswers(
      const std::string& sid, const std::optional<std::string>& pid) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT participant_id, item_id, round, seq, withdrawn, body,"
        " (extract(epoch from submit_time) * 1000000)::bigint FROM session.answers"
        " WHERE tenant_id = $1 AND session_id = $2 AND ($3::text IS NULL OR participant_id = $3)"
        " ORDER BY participant_id, item_id, round",
        tenant_, sid, pid);
    return AnswerRecords(rows);
  }

  // Answers in (participant, item, round) order, after `after`: with `whole_items` (latest
  // rounds) after its (participant, item) and withdrawn ones included, for their runs to
  // decide; otherwise after the exact row, withdrawn ones left out. The first `offset` of them
  // skipped.
  PgBinaryResult Scan(const std::string& sid, const AnswerQuery& q,
                      const std::optional<std::tuple<std::string, std::string, int>>& after,
                      size_t limit, bool whole_items, size_t offset = 0) {
    std::optional<std::string> after_participant, after_item;
    std::optional<int> after_round;
    if (after) {
      after_participant = std::get<0>(*after);
      after_item = std::get<1>(*after);
      after_round = whole_items ? std::numeric_limits<int>::max() : std::get<2>(*after);
    }
    const std::optional<std::string> items =
        q.item_ids.empty() ? std::nullopt : std::optional<std::string>(PgArray(q.item_ids));
    // In force with no item past round 1 (no re-vote yet): round 1, an index condition.
    std::optional<int> round;
    if (q.in_force) {
      if (q.item_rounds.empty()) round = 1;
    } else if (!q.all_rounds && q.round != 0) {
      round = q.round;
    }
    std::optional<std::string> current_items, current_rounds;
    if (q.in_force && !q.item_rounds.empty()) {
      std::vector<std::string> ids, numbers;
      for (const auto& [item, number] : q.item_rounds) {
        ids.push_back(item);
        numbers.push_back(absl::StrCat(number));
      }
      current_items = PgArray(ids);
      current_rounds = PgArray(numbers);
    }
    return ExecBinary(
        tx_,
        absl::StrCat(
            "SELECT ", kPageColumns,
            " FROM session.answers"
            " WHERE tenant_id = $1 AND session_id = $2 AND ($11::bool OR NOT withdrawn)"
            " AND ($3::text IS NULL OR participant_id = $3)"
            " AND ($4::text[] IS NULL OR item_id = ANY($4::text[]))"
            " AND ($5::int IS NULL OR round = $5)"
            " AND ($12::text[] IS NULL OR round = coalesce((SELECT x.r FROM unnest($12::text[],"
            " $13::int[]) AS x(i, r) WHERE x.i = item_id), 1))"
            " AND ($6::text IS NULL OR (participant_id, item_id, round) > ($6, $7::text, $8::int))"
            " ORDER BY participant_id, item_id, round LIMIT $9 OFFSET $10"),
        {PgText(tenant_), PgText(sid), PgText(q.participant_id), items, PgText(round),
         PgText(after_participant), PgText(after_item), PgText(after_round), PgText(limit),
         PgText(offset), PgText(whole_items ? "true" : "false"), current_items, current_rounds});
  }

  // Pages by offset (anonymous sessions, whose tokens cannot name a participant): the latest
  // rounds computed in SQL, then skipped to the offset.
  absl::StatusOr<std::vector<AnswerRecord>> LatestByOffset(const std::string& sid,
                                                           const AnswerQuery& q) {
    const std::optional<std::string> items =
        q.item_ids.empty() ? std::nullopt : std::optional<std::string>(PgArray(q.item_ids));
    return PageRecords(
        ExecBinary(tx_,
                   absl::StrCat("SELECT ", kPageColumns,
                                " FROM (SELECT DISTINCT ON (participant_id,"
                                " item_id) ",
                                kPageColumns,
                                " FROM session.answers WHERE tenant_id = $1 AND session_id = $2"
                                " AND ($3::text IS NULL OR participant_id = $3)"
                                " AND ($4::text[] IS NULL OR item_id = ANY($4::text[]))"
                                " ORDER BY participant_id, item_id, round DESC) latest"
                                " WHERE NOT withdrawn ORDER BY participant_id, item_id"
                                " OFFSET $5 LIMIT $6"),
                   {PgText(tenant_), PgText(sid), PgText(q.participant_id), items, PgText(q.offset),
                    PgText(q.limit)}));
  }

  absl::StatusOr<std::vector<AnswerRecord>> ListAnswerPage(const std::string& sid,
                                                           const AnswerQuery& q) override {
    const bool latest = !q.in_force && !q.all_rounds && q.round == 0;
    if (latest && q.offset > 0) return LatestByOffset(sid, q);
    // Keyset paging on the primary key's order: each page is one index range scan, however
    // deep into the session it starts.
    std::optional<std::tuple<std::string, std::string, int>> after = q.after;
    if (!latest) return PageRecords(Scan(sid, q, after, q.limit, /*whole_items=*/false, q.offset));
    // Latest rounds: the rows of each (participant, item) are adjacent in that order, so the
    // last one of each run is its latest round. A run cut off by the scan's limit is read
    // again by the next scan, which starts after the last whole run.
    std::vector<AnswerRecord> out;
    out.reserve(q.limit);
    while (out.size() < q.limit) {
      // An answer's rows are at most kMaxRoundsPerSession: a scan of more holds a whole run.
      const size_t want = q.limit - out.size() + kMaxRoundsPerSession;
      std::vector<AnswerRecord> rows = PageRecords(Scan(sid, q, after, want, true));
      const bool exhausted = rows.size() < want;
      size_t end = rows.size();
      if (!exhausted) {
        while (end > 0 && rows[end - 1].participant_id == rows.back().participant_id &&
               rows[end - 1].item_id == rows.back().item_id) {
          --end;
        }
        if (end == 0) {
          return absl::InternalError(
              absl::StrCat("more than ", kMaxRoundsPerSession, " rounds of one answer"));
        }
      }
      // Every whole run is read below (some may be withdrawn answers): the next scan starts
      // after the last.
      const std::tuple<std::string, std::string, int> last_whole_run = {
          rows.empty() ? "" : rows[end - 1].participant_id,
          rows.empty() ? "" : rows[end - 1].item_id, 0};
      for (size_t i = 0; i < end && out.size() < q.limit; ++i) {
        const bool last_of_run = i + 1 == rows.size() ||
                                 rows[i + 1].participant_id != rows[i].participant_id ||
                                 rows[i + 1].item_id != rows[i].item_id;
        if (last_of_run && !rows[i].withdrawn) out.push_back(std::move(rows[i]));
      }
      if (exhausted || out.size() == q.limit) break;
      after = last_whole_run;
    }
    return out;
  }

  absl::Status InsertFinalAnswers(const std::string& sid,
                                  const std::vector<AnswerRecord>& records) override {
    if (records.empty()) return absl::OkStatus();
    std::vector<std::string> participants, items, rounds, bodies;
    for (const AnswerRecord& r : records) {
      participants.push_back(r.participant_id);
      items.push_back(r.item_id);
      rounds.push_back(absl::StrCat(r.round));
      bodies.push_back(PgByteaElement(r.body));
    }
    tx_.exec_params(
        "INSERT INTO session.final_answers (tenant_id, session_id, participant_id, item_id,"
        " round, body) SELECT $1, $2, p, i, r, b"
        " FROM unnest($3::text[], $4::text[], $5::int[], $6::bytea[]) AS x(p, i, r, b)",
        tenant_, sid, PgArray(participants), PgArray(items), PgArray(rounds), PgArray(bodies));
    return absl::OkStatus();
  }

  absl::Status InsertInvitation(const std::string& sid, const InvitationRecord& r) override {
    tx_.exec_params(
        absl::StrCat("INSERT INTO session.invitations (tenant_id, invitation_id, session,"
                     " participant, perspective, secret_sha256, state, expire_time, create_time,"
                     " version, token_prefix) VALUES ($1, $2, $3, $4, $5, $6, $7,",
                     OptionalTime(8), ", ", Time(9), ", $10, $11)"),
        tenant_, r.invitation_id, SessionName(sid), ParticipantName(sid, r.participant_id),
        r.perspective, r.secret_sha256, r.state, Micros(r.expire_time),
        absl::ToUnixMicros(r.create_time), r.version, r.token_prefix);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<InvitationRecord>> ListInvitations(const std::string& sid) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT invitation_id, version, participant, perspective, secret_sha256, token_prefix,"
        " state, (extract(epoch from expire_time) * 1000000)::bigint,"
        " (extract(epoch from create_time) * 1000000)::bigint,"
        " (extract(epoch from revoke_time) * 1000000)::bigint,"
        " (extract(epoch from last_use_time) * 1000000)::bigint"
        " FROM session.invitations WHERE tenant_id = $1 AND session = $2"
        " ORDER BY create_time, invitation_id",
        tenant_, SessionName(sid));
    std::vector<InvitationRecord> out;
    for (const pqxx::row& row : rows) {
      InvitationRecord r;
      r.invitation_id = row[0].as<std::string>();
      r.version = row[1].as<int64_t>();
      const std::string participant = row[2].as<std::string>();
      r.participant_id = participant.substr(participant.rfind('/') + 1);
      r.perspective = row[3].as<std::string>();
      r.secret_sha256 = row[4].as<std::string>();
      r.token_prefix = row[5].as<std::string>();
      r.state = row[6].as<std::string>();
      r.expire_time = OptionalFromMicros(row[7]);
      r.create_time = absl::FromUnixMicros(row[8].as<int64_t>());
      r.revoke_time = OptionalFromMicros(row[9]);
      r.last_use_time = OptionalFromMicros(row[10]);
      out.push_back(std::move(r));
    }
    return out;
  }

  absl::Status UpdateInvitation(const std::string& sid, const InvitationRecord& r) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("UPDATE session.invitations SET version = $3, state = $4, revoke_time = ",
                     OptionalTime(5),
                     " WHERE tenant_id = $1 AND invitation_id = $2 AND session = $6"),
        tenant_, r.invitation_id, r.version, r.state, Micros(r.revoke_time), SessionName(sid));
    if (rows.affected_rows() == 0) return absl::NotFoundError(r.invitation_id);
    return absl::OkStatus();
  }

  absl::Status AddOutboxEvent(const OutboxEvent& e) override {
    tx_.exec_params(
        "INSERT INTO session.outbox (tenant_id, consumer, topic, session_id, payload)"
        " VALUES ($1, $2, $3, $4, $5)",
        tenant_, e.consumer, e.topic, e.session_id, pqxx::binarystring(e.payload));
    return absl::OkStatus();
  }

  // Read ahead (an answer batch): not held; a batch that loses the race to keep a reply fails
  // as a whole and each write is retried alone, finding the reply.
  absl::StatusOr<std::optional<IdempotentReply>> FindReply(const std::string& id) override {
    if (auto known = replies_.find(id); known != replies_.end()) return known->second;
    HoldRequestId(tx_, "session", tenant_, id);
    PgBinaryResult rows = ExecBinary(tx_,
                                     "SELECT request_id, method, request, reply, caller"
                                     " FROM session.idempotent_requests"
                                     " WHERE tenant_id = $1 AND request_id = $2",
                                     {PgText(tenant_), PgText(id)});
    if (rows.size() == 0) return std::nullopt;
    return ReplyFromRow(rows, 0);
  }

  // Kept until Flush(): one INSERT for every reply of a batch.
  absl::Status RecordReply(const std::string& id, const IdempotentReply& reply) override {
    replies_[id] = reply;
    pending_replies_.push_back(id);
    return absl::OkStatus();
  }

  // The session (locked FOR SHARE, as an answer transaction reads it), its rounds, the
  // participants and the kept replies, in one round trip.
  absl::Status Prefetch(const std::string& sid, const std::vector<std::string>& participant_ids,
                        const std::vector<std::string>& request_ids, int answer_rows) override {
    // A batch's statements take arrays (and generate_series): PostgreSQL's default plan choice
    // would plan most of them again on every batch, each time with the same index scans.
    // A generic plan is kept for the connection's life, so the lookups below must stay good
    // whatever the tables looked like when it was made: each array element is looked up by
    // the whole primary key (LATERAL ... LIMIT 1 cannot be turned into a join). `key = ANY
    // ($n)` was planned, on a table with rows but no statistics yet, as a scan of the
    // tenant's (or session's) whole key range with the ids as a filter, kept from then on.
    tx_.AddSetting("plan_cache_mode", "force_generic_plan");
    PgPipeline pipeline(tx_);
    const int seqs = answer_rows <= 0 ? -1 : AddReserveSeqs(pipeline, answer_rows);
    const int session = pipeline.AddPrepared(
        "session_prefetch_session",
        absl::StrCat("SELECT ", kColumns,
                     " FROM session.sessions WHERE tenant_id = $1 AND session_id = $2 FOR SHARE"),
        {PgText(tenant_), PgText(sid)});
    const int rounds = pipeline.AddPrepared(
        "session_prefetch_rounds",
        "SELECT body FROM session.rounds WHERE tenant_id = $1 AND session_id = $2"
        " ORDER BY number",
        {PgText(tenant_), PgText(sid)});
    const int people = participant_ids.empty()
                           ? -1
                           : pipeline.AddPrepared(
                                 "session_prefetch_participants",
                                 absl::StrCat("SELECT p.* FROM unnest($3::text[]) AS x(id),"
                                              " LATERAL (SELECT ",
                                              kParticipantColumns,
                                              " FROM session.participants WHERE tenant_id = $1"
                                              " AND session_id = $2 AND participant_id = x.id"
                                              " LIMIT 1) AS p"),
                                 {PgText(tenant_), PgText(sid), PgText(PgArray(participant_ids))});
    const int replies = request_ids.empty()
                            ? -1
                            : pipeline.AddPrepared("session_prefetch_replies",
                                                   "SELECT r.* FROM unnest($2::text[]) AS x(id),"
                                                   " LATERAL (SELECT request_id, method, request,"
                                                   " reply, caller FROM session.idempotent_requests"
                                                   " WHERE tenant_id = $1 AND request_id = x.id"
                                                   " LIMIT 1) AS r",
                                                   {PgText(tenant_), PgText(PgArray(request_ids))});
    std::vector<PgBinaryResult> results = pipeline.Run();

    if (seqs >= 0) TakeSeqs(results[seqs]);
    const PgBinaryResult& found = results[session];
    shared_sessions_[sid] =
        found.size() == 0 ? std::nullopt : std::optional<SessionRecord>(FromRow(found, 0));
    std::vector<std::string>& bodies = rounds_[sid];
    bodies.clear();
    for (int i = 0; i < results[rounds].size(); ++i) {
      bodies.emplace_back(results[rounds].Text(i, 0));
    }
    if (people >= 0) {
      for (const std::string& pid : participant_ids) participants_[{sid, pid}] = std::nullopt;
      const PgBinaryResult& rows = results[people];
      for (int i = 0; i < rows.size(); ++i) {
        ParticipantRecord record = ParticipantFromRow(rows, i);
        participants_[{sid, record.participant_id}] = std::move(record);
      }
    }
    if (replies >= 0) {
      for (const std::string& id : request_ids) replies_.try_emplace(id, std::nullopt);
      const PgBinaryResult& rows = results[replies];
      for (int i = 0; i < rows.size(); ++i) {
        replies_[std::string(rows.Text(i, 0))] = ReplyFromRow(rows, i);
      }
    }
    return absl::OkStatus();
  }

  // Kept replies go with the commit.
  void Flush() {
    if (pending_replies_.empty()) return;
    std::vector<std::string> ids, methods, requests, replies, callers;
    for (const std::string& id : pending_replies_) {
      const IdempotentReply& reply = *replies_[id];
      ids.push_back(id);
      methods.push_back(reply.method);
      requests.push_back(PgByteaElement(reply.request));
      replies.push_back(PgByteaElement(reply.reply));
      callers.push_back(PgByteaElement(reply.caller));
    }
    pending_replies_.clear();
    tx_.Defer(
        PgStatement{"session_keep_replies",
                    "INSERT INTO session.idempotent_requests"
                    " (tenant_id, request_id, method, request, reply, caller)"
                    " SELECT $1, i, m, q, r, c"
                    " FROM unnest($2::text[], $3::text[], $4::bytea[], $5::bytea[], $6::bytea[])"
                    "   AS x(i, m, q, r, c)",
                    {PgText(tenant_), PgArray(ids), PgArray(methods), PgArray(requests),
                     PgArray(replies), PgArray(callers)}});
  }

 private:
  void DeleteInvitationsOf(const std::string& sid) {
    tx_.exec_params("DELETE FROM session.invitations WHERE tenant_id = $1 AND session = $2",
                    tenant_, SessionName(sid));
  }
  std::string SessionName(const std::string& sid) const {
    return absl::StrCat("tenants/", tenant_, "/sessions/", sid);
  }
  std::string ParticipantName(const std::string& sid, const std::string& pid) const {
    return absl::StrCat(SessionName(sid), "/participants/", pid);
  }

  // Reserves `n` journal seqs in `pipeline`; TakeSeqs keeps them from its result.
  static int AddReserveSeqs(PgPipeline& pipeline, int n) {
    return pipeline.AddPrepared("session_reserve_seqs",
                                "SELECT nextval('session.answer_seq') FROM generate_series(1, $1)",
                                {PgText(n)});
  }
  void TakeSeqs(const PgBinaryResult& rows) {
    for (int i = 0; i < rows.size(); ++i) reserved_seqs_.push_back(rows.Int8(i, 0));
  }
  void ReserveSeqs(int n) {
    PgPipeline pipeline(tx_);
    AddReserveSeqs(pipeline, n);
    TakeSeqs(pipeline.Run().front());
  }

  // Rows of (request_id, method, request, reply), read in binary.
  static IdempotentReply ReplyFromRow(const PgBinaryResult& rows, int i) {
    return IdempotentReply{std::string(rows.Text(i, 1)), std::string(rows.Text(i, 2)),
                           std::string(rows.Text(i, 3)), std::string(rows.Text(i, 4))};
  }

  PgTransaction& tx_;
  const std::string tenant_;
  // Read ahead by Prefetch (nullopt: known not to exist), kept current by this transaction.
  absl::flat_hash_map<std::pair<std::string, std::string>, std::optional<ParticipantRecord>>
      participants_;
  absl::flat_hash_map<std::string, std::optional<IdempotentReply>> replies_;
  std::vector<std::string> pending_replies_;  // recorded, not yet written
  std::deque<int64_t> reserved_seqs_;         // for WriteAnswers, in order
  // Read ahead by Prefetch: sessions locked FOR SHARE (nullopt: no such session) and rounds'
  // bodies; forgotten when this transaction changes them.
  absl::flat_hash_map<std::string, std::optional<SessionRecord>> shared_sessions_;
  absl::flat_hash_map<std::string, std::vector<std::string>> rounds_;
};

}  // namespace

absl::Status PgSessionStore::InTenant(const RequestContext& rc,
                                      const std::function<absl::Status(SessionTransaction&)>& fn) {
  return pool_.WithTenant(rc, [&](PgTransaction& tx) {
    PgSessionTransaction session_tx(tx, rc.tenant_id);
    absl::Status s = fn(session_tx);
    if (s.ok()) session_tx.Flush();
    return s;
  });
}

}  // namespace lagom::session
