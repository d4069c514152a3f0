#include "services/session/store/pg_session_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lagom::session {
namespace {

// Timestamps travel as microseconds since the epoch, exactly, in both directions.
constexpr char kColumns[] =
    "session_id, version, state, model_version, body,"
    " (extract(epoch from create_time) * 1000000)::bigint";
std::string Time(int param) {
  return absl::StrCat("(timestamptz 'epoch' + $", param, "::bigint * interval '1 microsecond')");
}

SessionRecord FromRow(const pqxx::row& row) {
  return SessionRecord{row[0].as<std::string>(),
                       row[1].as<int64_t>(),
                       row[2].as<std::string>(),
                       row[3].as<std::string>(),
                       pqxx::binarystring(row[4]).str(),
                       absl::FromUnixMicros(row[5].as<int64_t>())};
}

// States travel as one comma-separated parameter (they never contain commas).
std::string StateList(const std::vector<std::string>& states) {
  return absl::StrJoin(states, ",");
}

class PgSessionTransaction final : public SessionTransaction {
 public:
  PgSessionTransaction(pqxx::work& tx, std::string tenant)
      : tx_(tx), tenant_(std::move(tenant)) {}

  absl::StatusOr<std::optional<SessionRecord>> Get(const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kColumns,
                     " FROM session.sessions WHERE tenant_id = $1 AND session_id = $2"),
        tenant_, id);
    if (rows.empty()) return std::nullopt;
    return FromRow(rows[0]);
  }

  absl::StatusOr<std::vector<SessionRecord>> List(const SessionPageQuery& q) override {
    std::optional<int64_t> after_micros;
    std::optional<std::string> after_id;
    if (q.after) {
      after_micros = absl::ToUnixMicros(q.after->first);
      after_id = q.after->second;
    }
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kColumns,
                     " FROM session.sessions"
                     " WHERE tenant_id = $1 AND state = ANY (string_to_array($2, ','))"
                     "   AND ($3::bigint IS NULL OR (create_time, session_id) < (",
                     Time(3), ", $4::text))"
                     " ORDER BY create_time DESC, session_id DESC LIMIT $5"),
        tenant_, StateList(q.states), after_micros, after_id, q.limit);
    std::vector<SessionRecord> out;
    out.reserve(rows.size());
    for (const pqxx::row& row : rows) out.push_back(FromRow(row));
    return out;
  }

  absl::StatusOr<int> Count(const std::vector<std::string>& states) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT count(*) FROM session.sessions"
        " WHERE tenant_id = $1 AND state = ANY (string_to_array($2, ','))",
        tenant_, StateList(states));
    return rows[0][0].as<int>();
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
    return absl::OkStatus();
  }

  absl::Status Update(const SessionRecord& r, int64_t expected_version) override {
    pqxx::result rows = tx_.exec_params(
        "UPDATE session.sessions SET version = $3, state = $4, model_version = $5, body = $6"
        " WHERE tenant_id = $1 AND session_id = $2 AND version = $7",
        tenant_, r.session_id, r.version, r.state, r.model_version, pqxx::binarystring(r.body),
        expected_version);
    if (rows.affected_rows() == 0) {
      absl::StatusOr<std::optional<SessionRecord>> current = Get(r.session_id);
      if (!current.ok()) return current.status();
      if (!current->has_value()) return absl::NotFoundError(r.session_id);
      return absl::AbortedError(absl::StrCat(r.session_id, " is no longer at version ",
                                             expected_version));
    }
    return absl::OkStatus();
  }

  absl::Status Delete(const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        "DELETE FROM session.sessions WHERE tenant_id = $1 AND session_id = $2", tenant_, id);
    if (rows.affected_rows() == 0) return absl::NotFoundError(id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<IdempotentReply>> FindReply(const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT method, request, reply FROM session.idempotent_requests"
        " WHERE tenant_id = $1 AND request_id = $2",
        tenant_, id);
    if (rows.empty()) return std::nullopt;
    return IdempotentReply{rows[0][0].as<std::string>(), pqxx::binarystring(rows[0][1]).str(),
                           pqxx::binarystring(rows[0][2]).str()};
  }

  absl::Status RecordReply(const std::string& id, const IdempotentReply& reply) override {
    tx_.exec_params(
        "INSERT INTO session.idempotent_requests"
        " (tenant_id, request_id, method, request, reply) VALUES ($1, $2, $3, $4, $5)",
        tenant_, id, reply.method, pqxx::binarystring(reply.request),
        pqxx::binarystring(reply.reply));
    return absl::OkStatus();
  }

 private:
  pqxx::work& tx_;
  const std::string tenant_;
};

}  // namespace

absl::Status PgSessionStore::InTenant(const RequestContext& rc,
                                      const std::function<absl::Status(SessionTransaction&)>& fn) {
  return pool_.WithTenant(rc, [&](pqxx::work& tx) {
    PgSessionTransaction session_tx(tx, rc.tenant_id);
    return fn(session_tx);
  });
}

}  // namespace lagom::session
