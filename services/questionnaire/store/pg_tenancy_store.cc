#include "services/questionnaire/store/pg_tenancy_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/auth/tenant_data.h"
#include "common/pg_params.h"
#include "common/pg_quota.h"
#include "common/pg_transaction.h"
#include "services/questionnaire/store/pg_idempotency.h"

namespace lagom::questionnaire {
namespace {

// Timestamps travel as microseconds since the epoch, exactly, in both directions.
std::string Micros(absl::string_view column) {
  return absl::StrCat("(extract(epoch from ", column, ") * 1000000)::bigint");
}
std::string Time(int param) {
  return absl::StrCat("(timestamptz 'epoch' + $", param, "::bigint * interval '1 microsecond')");
}

std::optional<int64_t> OptMicros(const std::optional<absl::Time>& t) {
  if (!t) return std::nullopt;
  return absl::ToUnixMicros(*t);
}
std::optional<absl::Time> OptTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return absl::FromUnixMicros(f.as<int64_t>());
}

// --- Tenants ----------------------------------------------------------------------------

std::string TenantColumns() {
  return absl::StrCat("id, version, state, body, create_request_id, ", Micros("create_time"), ", ",
                      Micros("update_time"));
}

TenantRecord TenantFromRow(const pqxx::row& row) {
  TenantRecord r;
  r.id = row[0].as<std::string>();
  r.version = row[1].as<int64_t>();
  r.state = row[2].as<std::string>();
  r.body = pqxx::binarystring(row[3]).str();
  r.create_request_id = row[4].as<std::string>();
  r.create_time = absl::FromUnixMicros(row[5].as<int64_t>());
  r.update_time = absl::FromUnixMicros(row[6].as<int64_t>());
  return r;
}

// --- API keys ---------------------------------------------------------------------------

std::string ApiKeyColumns() {
  return absl::StrCat("key_id, version, display_name, role, state, secret_hash, secret_prefix, ",
                      "previous_secret_hash, ", Micros("previous_secret_expire_time"),
                      ", creator, ", Micros("create_time"), ", ", Micros("expire_time"), ", ",
                      Micros("last_use_time"), ", ", Micros("rotate_time"), ", ",
                      Micros("revoke_time"));
}

ApiKeyRecord ApiKeyFromRow(const pqxx::row& row) {
  ApiKeyRecord r;
  r.key_id = row[0].as<std::string>();
  r.version = row[1].as<int64_t>();
  r.display_name = row[2].as<std::string>();
  r.role = row[3].as<int>();
  r.state = row[4].as<std::string>();
  r.secret_hash = row[5].as<std::string>();
  r.secret_prefix = row[6].as<std::string>();
  r.previous_secret_hash = row[7].as<std::string>();
  r.previous_secret_expire_time = OptTime(row[8]);
  r.creator = row[9].as<std::string>();
  r.create_time = absl::FromUnixMicros(row[10].as<int64_t>());
  r.expire_time = OptTime(row[11]);
  r.last_use_time = OptTime(row[12]);
  r.rotate_time = OptTime(row[13]);
  r.revoke_time = OptTime(row[14]);
  return r;
}

// ALREADY_EXISTS naming the key when the tenant has one of that id.
absl::Status InsertApiKeyRow(PgTransaction& tx, const std::string& tenant, const ApiKeyRecord& r) {
  pqxx::result rows = tx.exec_params(
      absl::StrCat("INSERT INTO questionnaire.api_keys (tenant_id, key_id, version, display_name,"
                   " role, state, secret_hash, secret_prefix, previous_secret_hash,"
                   " previous_secret_expire_time, creator, create_time, expire_time,"
                   " last_use_time, rotate_time, revoke_time)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ",
                   Time(10), ", $11, ", Time(12), ", ", Time(13), ", ", Time(14), ", ", Time(15),
                   ", ", Time(16), ") ON CONFLICT (tenant_id, key_id) DO NOTHING"),
      tenant, r.key_id, r.version, r.display_name, r.role, r.state, r.secret_hash, r.secret_prefix,
      r.previous_secret_hash, OptMicros(r.previous_secret_expire_time), r.creator,
      absl::ToUnixMicros(r.create_time), OptMicros(r.expire_time), OptMicros(r.last_use_time),
      OptMicros(r.rotate_time), OptMicros(r.revoke_time));
  if (rows.affected_rows() == 0) return absl::AlreadyExistsError(r.key_id);
  return absl::OkStatus();
}

// --- Role bindings and audit --------------------------------------------------------------

std::string RoleBindingColumns() {
  return absl::StrCat("id, version, principal, role, resource, ", Micros("create_time"));
}

RoleBindingRecord RoleBindingFromRow(const pqxx::row& row) {
  RoleBindingRecord r;
  r.id = row[0].as<std::string>();
  r.version = row[1].as<int64_t>();
  r.principal = row[2].as<std::string>();
  r.role = row[3].as<int>();
  r.resource = row[4].as<std::string>();
  r.create_time = absl::FromUnixMicros(row[5].as<int64_t>());
  return r;
}

AuditRecord AuditFromRow(const pqxx::row& row) {
  AuditRecord r;
  r.id = row[0].as<std::string>();
  r.event_time = absl::FromUnixMicros(row[1].as<int64_t>());
  r.principal = row[2].as<std::string>();
  r.principal_role = row[3].as<std::string>();
  r.credential_kind = row[4].as<std::string>();
  r.action = row[5].as<std::string>();
  r.method = row[6].as<std::string>();
  r.resource = row[7].as<std::string>();
  r.request_id = row[8].as<std::string>();
  r.origin = row[9].as<std::string>();
  r.detail = row[10].as<std::string>();
  return r;
}

// LIKE pattern matching `prefix` literally at the start.
std::string LikePrefix(const std::string& prefix) {
  std::string out;
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

class PgTenancyTransaction final : public TenancyTransaction {
 public:
  PgTenancyTransaction(PgTransaction& tx, std::string tenant)
      : tx_(tx), tenant_(std::move(tenant)) {}

  absl::StatusOr<std::optional<TenantRecord>> GetOwnTenant() override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", TenantColumns(), " FROM questionnaire.tenants WHERE id = $1"),
        tenant_);
    if (rows.empty()) return std::nullopt;
    return TenantFromRow(rows[0]);
  }

  absl::StatusOr<std::optional<SettingsRecord>> GetSettings() override {
    pqxx::result rows =
        tx_.exec_params(absl::StrCat("SELECT version, body, ", Micros("update_time"),
                                     " FROM questionnaire.tenant_settings WHERE tenant_id = $1"),
                        tenant_);
    if (rows.empty()) return std::nullopt;
    return SettingsRecord{rows[0][0].as<int64_t>(), pqxx::binarystring(rows[0][1]).str(),
                          absl::FromUnixMicros(rows[0][2].as<int64_t>())};
  }

  absl::Status PutSettings(const SettingsRecord& r) override {
    tx_.exec_params(
        absl::StrCat("INSERT INTO questionnaire.tenant_settings (tenant_id, version, body,"
                     " update_time) VALUES ($1, $2, $3, ",
                     Time(4),
                     ") ON CONFLICT (tenant_id) DO UPDATE SET version = EXCLUDED.version,"
                     " body = EXCLUDED.body, update_time = EXCLUDED.update_time"),
        tenant_, r.version, pqxx::binarystring(r.body), absl::ToUnixMicros(r.update_time));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<ApiKeyRecord>> GetApiKey(const std::string& key_id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", ApiKeyColumns(),
                     " FROM questionnaire.api_keys WHERE tenant_id = $1 AND key_id = $2"),
        tenant_, key_id);
    if (rows.empty()) return std::nullopt;
    return ApiKeyFromRow(rows[0]);
  }

  absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys() override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", ApiKeyColumns(),
                     " FROM questionnaire.api_keys WHERE tenant_id = $1 ORDER BY key_id"),
        tenant_);
    std::vector<ApiKeyRecord> out;
    for (const pqxx::row& row : rows) out.push_back(ApiKeyFromRow(row));
    return out;
  }

  absl::Status LockApiKeysQuota() override {
    LockQuota(tx_, "questionnaire.api_keys", tenant_);
    return absl::OkStatus();
  }

  absl::Status LockRoleBindingsQuota() override {
    LockQuota(tx_, "questionnaire.role_bindings", tenant_);
    return absl::OkStatus();
  }

  absl::Status HoldApiKey(const std::string& key_id) override {
    tx_.exec_params(
        "SELECT FROM questionnaire.api_keys WHERE tenant_id = $1 AND key_id = $2 FOR NO KEY UPDATE",
        tenant_, key_id);
    return absl::OkStatus();
  }

  // The settings' row may not exist yet: a transaction-level advisory lock on the tenant's
  // settings (as pg_quota.h takes one on a quota) also holds the first write back.
  absl::Status HoldSettings() override {
    tx_.exec_params(
        "SELECT pg_advisory_xact_lock(hashtext('questionnaire.tenant_settings'), hashtext($1))",
        tenant_);
    return absl::OkStatus();
  }

  absl::StatusOr<ApiKeyCount> CountApiKeys(absl::Time now) override {
    const pqxx::row counts = tx_.exec_params1(
        "SELECT count(*) FILTER (WHERE state = 'ACTIVE' AND (expire_time IS NULL OR"
        "   expire_time > to_timestamp($2::double precision / 1000000))), count(*)"
        " FROM questionnaire.api_keys WHERE tenant_id = $1",
        tenant_, absl::ToUnixMicros(now));
    return ApiKeyCount{counts[0].as<int>(), counts[1].as<int>()};
  }
  absl::StatusOr<int> CountRoleBindings() override { return CountRows("role_bindings"); }

  absl::Status InsertApiKey(const ApiKeyRecord& r) override {
    return InsertApiKeyRow(tx_, tenant_, r);
  }

  absl::Status UpdateApiKey(const ApiKeyRecord& r) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("UPDATE questionnaire.api_keys SET version = $3, display_name = $4,"
                     " role = $5, state = $6, secret_hash = $7, secret_prefix = $8,"
                     " previous_secret_hash = $9, previous_secret_expire_time = ",
                     Time(10), ", expire_time = ", Time(11), ", last_use_time = ", Time(12),
                     ", rotate_time = ", Time(13), ", revoke_time = ", Time(14),
                     " WHERE tenant_id = $1 AND key_id = $2"),
        tenant_, r.key_id, r.version, r.display_name, r.role, r.state, r.secret_hash,
        r.secret_prefix, r.previous_secret_hash, OptMicros(r.previous_secret_expire_time),
        OptMicros(r.expire_time), OptMicros(r.last_use_time), OptMicros(r.rotate_time),
        OptMicros(r.revoke_time));
    if (rows.affected_rows() == 0) return absl::NotFoundError(r.key_id);
    return absl::OkStatus();
  }

  absl::Status TouchApiKey(const std::string& key_id, absl::Time when) override {
    pqxx::result rows =
        tx_.exec_params(absl::StrCat("UPDATE questionnaire.api_keys SET last_use_time = ", Time(3),
                                     " WHERE tenant_id = $1 AND key_id = $2"),
                        tenant_, key_id, absl::ToUnixMicros(when));
    if (rows.affected_rows() == 0) return absl::NotFoundError(key_id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<RoleBindingRecord>> GetRoleBinding(const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", RoleBindingColumns(),
                     " FROM questionnaire.role_bindings WHERE tenant_id = $1 AND id = $2"),
        tenant_, id);
    if (rows.empty()) return std::nullopt;
    return RoleBindingFromRow(rows[0]);
  }

  absl::StatusOr<std::vector<RoleBindingRecord>> ListRoleBindings() override {
    return Bindings("", "");
  }

  absl::Status InsertRoleBinding(const RoleBindingRecord& r) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("INSERT INTO questionnaire.role_bindings (tenant_id, id, version, principal,"
                     " role, resource, create_time) VALUES ($1, $2, $3, $4, $5, $6, ",
                     Time(7), ") ON CONFLICT (tenant_id, id) DO NOTHING"),
        tenant_, r.id, r.version, r.principal, r.role, r.resource,
        absl::ToUnixMicros(r.create_time));
    if (rows.affected_rows() == 0) return absl::AlreadyExistsError(r.id);
    return absl::OkStatus();
  }

  absl::Status DeleteRoleBinding(const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        "DELETE FROM questionnaire.role_bindings WHERE tenant_id = $1 AND id = $2", tenant_, id);
    if (rows.affected_rows() == 0) return absl::NotFoundError(id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<RoleBindingRecord>> FindRoleBindings(
      const std::string& principal) override {
    return Bindings(" AND principal = $2", principal);
  }

  absl::Status AppendAudit(const AuditRecord& r) override {
    InsertAuditRow(tx_, tenant_, r);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<AuditRecord>> ListAudit(const AuditQuery& q) override {
    // Unset bounds travel as NULL, so no sentinel time is ever computed.
    std::optional<int64_t> before, start, end;
    if (q.before) before = absl::ToUnixMicros(q.before->first);
    if (q.start_time != absl::InfinitePast()) start = absl::ToUnixMicros(q.start_time);
    if (q.end_time != absl::InfiniteFuture()) end = absl::ToUnixMicros(q.end_time);
    pqxx::result rows = tx_.exec_params(
        absl::StrCat(
            "SELECT id, ", Micros("event_time"),
            ", principal, principal_role, credential_kind, action, method, resource, request_id,"
            " origin, detail FROM questionnaire.audit_events WHERE tenant_id = $1"
            " AND ($2::bigint IS NULL OR (event_time, id) < (",
            Time(2), ", $3))", " AND ($4::bigint IS NULL OR event_time >= ", Time(4), ")",
            " AND ($5::bigint IS NULL OR event_time < ", Time(5), ")",
            " AND ($6 = '' OR action = $6) AND ($7 = '' OR principal = $7)"
            " AND ($8 = '' OR method = $8)"
            " AND ($9 = '' OR (CASE WHEN $10 THEN resource LIKE $11 ELSE resource = $9 END))"
            " ORDER BY event_time DESC, id DESC LIMIT $12"),
        tenant_, before, q.before ? q.before->second : std::string(), start, end, q.action,
        q.principal, q.method, q.resource, q.resource_is_prefix, LikePrefix(q.resource), q.limit);
    std::vector<AuditRecord> out;
    for (const pqxx::row& row : rows) out.push_back(AuditFromRow(row));
    return out;
  }

  absl::StatusOr<std::optional<IdempotentReply>> FindReply(const std::string& request_id) override {
    return FindStoredReply(tx_, tenant_, request_id);
  }

  absl::Status RecordReply(const std::string& request_id, const IdempotentReply& reply) override {
    StoreReply(tx_, tenant_, request_id, reply);
    return absl::OkStatus();
  }

 private:
  // The tenant's rows of questionnaire.`table`.
  int CountRows(const char* table) {
    return tx_
        .exec_params1(
            absl::StrCat("SELECT count(*) FROM questionnaire.", table, " WHERE tenant_id = $1"),
            tenant_)[0]
        .as<int>();
  }

  absl::StatusOr<std::vector<RoleBindingRecord>> Bindings(const char* where,
                                                          const std::string& principal) {
    const std::string sql = absl::StrCat("SELECT ", RoleBindingColumns(),
                                         " FROM questionnaire.role_bindings WHERE tenant_id = $1",
                                         where, " ORDER BY create_time, id");
    pqxx::result rows =
        *where == '\0' ? tx_.exec_params(sql, tenant_) : tx_.exec_params(sql, tenant_, principal);
    std::vector<RoleBindingRecord> out;
    for (const pqxx::row& row : rows) out.push_back(RoleBindingFromRow(row));
    return out;
  }

  PgTransaction& tx_;
  const std::string tenant_;
};

class PgOperatorTransaction final : public OperatorTransaction {
 public:
  explicit PgOperatorTransaction(PgTransaction& tx) : tx_(tx) {}

  absl::StatusOr<std::optional<TenantRecord>> GetTenant(const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", TenantColumns(), " FROM questionnaire.tenants WHERE id = $1"), id);
    if (rows.empty()) return std::nullopt;
    return TenantFromRow(rows[0]);
  }

  absl::Status HoldTenant(const std::string& id) override {
    tx_.exec_params("SELECT FROM questionnaire.tenants WHERE id = $1 FOR NO KEY UPDATE", id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<TenantRecord>> ListTenants() override {
    pqxx::result rows = tx_.exec(
        absl::StrCat("SELECT ", TenantColumns(), " FROM questionnaire.tenants ORDER BY id"));
    std::vector<TenantRecord> out;
    for (const pqxx::row& row : rows) out.push_back(TenantFromRow(row));
    return out;
  }

  absl::Status InsertTenant(const TenantRecord& r) override {
    tx_.exec_params(
        absl::StrCat("INSERT INTO questionnaire.tenants (id, version, state, body,"
                     " create_request_id, create_time, update_time) VALUES ($1, $2, $3, $4, $5, ",
                     Time(6), ", ", Time(7), ")"),
        r.id, r.version, r.state, pqxx::binarystring(r.body), r.create_request_id,
        absl::ToUnixMicros(r.create_time), absl::ToUnixMicros(r.update_time));
    return absl::OkStatus();
  }

  absl::Status UpdateTenant(const TenantRecord& r) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("UPDATE questionnaire.tenants SET version = $2, state = $3, body = $4,"
                     " update_time = ",
                     Time(5), " WHERE id = $1"),
        r.id, r.version, r.state, pqxx::binarystring(r.body), absl::ToUnixMicros(r.update_time));
    if (rows.affected_rows() == 0) return absl::NotFoundError(r.id);
    return absl::OkStatus();
  }

  absl::Status InsertInitialApiKey(const std::string& tenant_id, const ApiKeyRecord& r) override {
    absl::Status inserted;
    absl::Status scoped =
        InTenantScope(tenant_id, [&] { inserted = InsertApiKeyRow(tx_, tenant_id, r); });
    return scoped.ok() ? inserted : scoped;
  }

  absl::Status AppendAudit(const std::string& tenant_id, const AuditRecord& r) override {
    return InTenantScope(tenant_id, [&] { InsertAuditRow(tx_, tenant_id, r); });
  }

  absl::Status QueuePurge(const std::string& tenant_id, const std::vector<std::string>& holders,
                          absl::Duration delay) override {
    tx_.exec_params(
        "INSERT INTO questionnaire.outbox (tenant_id, consumer, topic, tenant, payload,"
        " next_attempt_time)"
        " SELECT $1, c, $3, 'tenants/' || $1, ''::bytea,"
        "   now() + $4::bigint * interval '1 millisecond'"
        " FROM unnest($2::text[]) AS c",
        tenant_id, PgArray(holders), auth::kTenantPurgeTopic, absl::ToInt64Milliseconds(delay));
    return absl::OkStatus();
  }

 private:
  // The write runs as the tenant (row-level security checks it against that tenant), then the
  // transaction goes back to no tenant.
  template <typename Fn>
  absl::Status InTenantScope(const std::string& tenant_id, Fn&& fn) {
    tx_.exec_params("SELECT set_config('lagom.tenant_id', $1, true)", tenant_id);
    fn();
    tx_.exec("SELECT set_config('lagom.tenant_id', '', true)");
    return absl::OkStatus();
  }

  PgTransaction& tx_;
};

}  // namespace

void InsertAuditRow(PgTransaction& tx, const std::string& tenant, const AuditRecord& r) {
  tx.exec_params(
      absl::StrCat("INSERT INTO questionnaire.audit_events (tenant_id, id, event_time, principal,"
                   " principal_role, credential_kind, action, method, resource, request_id,"
                   " origin, detail) VALUES ($1, $2, ",
                   Time(3), ", $4, $5, $6, $7, $8, $9, $10, $11, $12)"),
      tenant, r.id, absl::ToUnixMicros(r.event_time), r.principal, r.principal_role,
      r.credential_kind, r.action, r.method, r.resource, r.request_id, r.origin, r.detail);
}

absl::Status PgTenancyStore::InTenant(const RequestContext& rc,
                                      const std::function<absl::Status(TenancyTransaction&)>& fn) {
  return pool_.WithTenant(rc, [&](PgTransaction& tx) {
    PgTenancyTransaction tenancy_tx(tx, rc.tenant_id);
    return fn(tenancy_tx);
  });
}

absl::Status PgTenancyStore::AsOperator(
    const RequestContext&, const std::function<absl::Status(OperatorTransaction&)>& fn) {
  return pool_.WithOperator([&](PgTransaction& tx) {
    PgOperatorTransaction operator_tx(tx);
    return fn(operator_tx);
  });
}

}  // namespace lagom::questionnaire
