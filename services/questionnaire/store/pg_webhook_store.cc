#include "services/questionnaire/store/pg_webhook_store.h"

#include <algorithm>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/pg_params.h"
#include "common/pg_quota.h"
#include "common/pg_transaction.h"
#include "services/questionnaire/store/pg_idempotency.h"
#include "services/questionnaire/store/pg_tenancy_store.h"

namespace lagom::questionnaire::webhooks {
namespace {

// Timestamps travel as microseconds since the epoch, exactly, in both directions.
std::string Micros(absl::string_view column) {
  return absl::StrCat("(extract(epoch from ", column, ") * 1000000)::bigint");
}
std::string Time(int param) {
  return absl::StrCat("(timestamptz 'epoch' + $", param, "::bigint * interval '1 microsecond')");
}

// Event types never hold spaces (ValidateEndpoint allows known types only).
std::string WebhookColumns() {
  return absl::StrCat(
      "webhook_id, url, array_to_string(event_types, ' '), display_name, state, secret,"
      " secret_prefix, creator, ",
      Micros("create_time"));
}

WebhookRecord WebhookFromRow(const pqxx::row& row) {
  WebhookRecord r;
  r.id = row[0].as<std::string>();
  r.url = row[1].as<std::string>();
  r.event_types = absl::StrSplit(row[2].as<std::string>(), ' ', absl::SkipEmpty());
  r.display_name = row[3].as<std::string>();
  r.state = row[4].as<std::string>();
  r.secret = row[5].as<std::string>();
  r.secret_prefix = row[6].as<std::string>();
  r.creator = row[7].as<std::string>();
  r.create_time = absl::FromUnixMicros(row[8].as<int64_t>());
  return r;
}

std::string DeliveryColumns() {
  return absl::StrCat(
      "delivery_id, webhook_id, event_id, event_type, state, attempts,"
      " last_status_code, last_error, ",
      Micros("create_time"), ", ", Micros("last_attempt_time"), ", ", Micros("next_attempt_time"));
}

DeliveryRecord DeliveryFromRow(const pqxx::row& row) {
  DeliveryRecord r;
  r.id = row[0].as<int64_t>();
  r.webhook_id = row[1].as<std::string>();
  r.event_id = row[2].as<std::string>();
  r.event_type = row[3].as<std::string>();
  r.state = row[4].as<std::string>();
  r.attempts = row[5].as<int>();
  r.last_status_code = row[6].as<int>();
  r.last_error = row[7].as<std::string>();
  r.create_time = absl::FromUnixMicros(row[8].as<int64_t>());
  if (!row[9].is_null()) r.last_attempt_time = absl::FromUnixMicros(row[9].as<int64_t>());
  r.next_attempt_time = absl::FromUnixMicros(row[10].as<int64_t>());
  return r;
}

class PgWebhookTransaction final : public WebhookTransaction {
 public:
  PgWebhookTransaction(PgTransaction& tx, std::string tenant)
      : tx_(tx), tenant_(std::move(tenant)) {}

  absl::StatusOr<std::optional<WebhookRecord>> GetWebhook(const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", WebhookColumns(),
                     " FROM questionnaire.webhooks WHERE tenant_id = $1 AND webhook_id = $2"),
        tenant_, id);
    if (rows.empty()) return std::nullopt;
    return WebhookFromRow(rows[0]);
  }

  absl::StatusOr<std::vector<WebhookRecord>> ListWebhooks(const std::string& after_id,
                                                          int limit) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", WebhookColumns(),
                     " FROM questionnaire.webhooks WHERE tenant_id = $1 AND webhook_id > $2"
                     " ORDER BY webhook_id LIMIT $3"),
        tenant_, after_id, limit);
    std::vector<WebhookRecord> out;
    for (const pqxx::row& row : rows) out.push_back(WebhookFromRow(row));
    return out;
  }

  absl::Status LockWebhooksQuota() override {
    LockQuota(tx_, "questionnaire.webhooks", tenant_);
    return absl::OkStatus();
  }

  absl::StatusOr<int> CountWebhooks() override {
    return tx_
        .exec_params1("SELECT count(*) FROM questionnaire.webhooks WHERE tenant_id = $1",
                      tenant_)[0]
        .as<int>();
  }

  absl::Status InsertWebhook(const WebhookRecord& r) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("INSERT INTO questionnaire.webhooks (tenant_id, webhook_id, url, event_types,"
                     " display_name, state, secret, secret_prefix, creator, create_time)"
                     " VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8, $9, ",
                     Time(10), ") ON CONFLICT (tenant_id, webhook_id) DO NOTHING"),
        tenant_, r.id, r.url, PgArray(r.event_types), r.display_name, r.state, r.secret,
        r.secret_prefix, r.creator, absl::ToUnixMicros(r.create_time));
    if (rows.affected_rows() == 0) return absl::AlreadyExistsError(r.id);
    return absl::OkStatus();
  }

  absl::Status DeleteWebhook(const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        "DELETE FROM questionnaire.webhooks WHERE tenant_id = $1 AND webhook_id = $2", tenant_, id);
    if (rows.affected_rows() == 0) return absl::NotFoundError(id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<DeliveryRecord>> ListDeliveries(const std::string& webhook_id,
                                                             int64_t before_id,
                                                             int limit) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", DeliveryColumns(),
                     " FROM questionnaire.webhook_deliveries"
                     " WHERE tenant_id = $1 AND webhook_id = $2 AND ($3 = 0 OR delivery_id < $3)"
                     " ORDER BY delivery_id DESC LIMIT $4"),
        tenant_, webhook_id, before_id, limit);
    std::vector<DeliveryRecord> out;
    for (const pqxx::row& row : rows) out.push_back(DeliveryFromRow(row));
    return out;
  }

  absl::StatusOr<std::optional<int>> Enqueue(const EventRecord& e) override {
    // A deleted tenant's events (handed over late, after the deletion) are dropped: its
    // webhooks are purged, and what it had is not to grow again.
    if (!tx_.exec_params("SELECT 1 FROM questionnaire.tenants WHERE id = $1 AND state = 'DELETED'",
                         tenant_)
             .empty()) {
      return std::optional<int>(0);
    }
    pqxx::result seen = tx_.exec_params(
        absl::StrCat("INSERT INTO questionnaire.webhook_events (tenant_id, event_id, event_type,"
                     " create_time) VALUES ($1, $2, $3, ",
                     Time(4), ") ON CONFLICT (tenant_id, event_id) DO NOTHING"),
        tenant_, e.event_id, e.event_type, absl::ToUnixMicros(e.create_time));
    if (seen.affected_rows() == 0) return std::nullopt;
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("INSERT INTO questionnaire.webhook_deliveries (tenant_id, webhook_id,"
                     " event_id, event_type, payload, state, create_time, next_attempt_time)"
                     " SELECT tenant_id, webhook_id, $2, $3, $4, 'PENDING', ",
                     Time(5),
                     ", now() FROM questionnaire.webhooks"
                     " WHERE tenant_id = $1 AND state = 'ACTIVE' AND $3 = ANY (event_types)"
                     " ON CONFLICT (tenant_id, webhook_id, event_id) DO NOTHING"),
        tenant_, e.event_id, e.event_type, e.payload, absl::ToUnixMicros(e.create_time));
    return std::optional<int>(static_cast<int>(rows.affected_rows()));
  }

  absl::StatusOr<std::optional<IdempotentReply>> FindReply(const std::string& request_id) override {
    return FindStoredReply(tx_, tenant_, request_id);
  }

  absl::Status RecordReply(const std::string& request_id, const IdempotentReply& reply) override {
    StoreReply(tx_, tenant_, request_id, reply);
    return absl::OkStatus();
  }
  absl::Status AppendAudit(const AuditRecord& record) override {
    InsertAuditRow(tx_, tenant_, record);
    return absl::OkStatus();
  }

 private:
  PgTransaction& tx_;
  const std::string tenant_;
};

}  // namespace

absl::Status PgWebhookStore::InTenant(const RequestContext& rc,
                                      const std::function<absl::Status(WebhookTransaction&)>& fn) {
  return pool_.WithTenant(rc, [&](PgTransaction& tx) {
    PgWebhookTransaction webhook_tx(tx, rc.tenant_id);
    return fn(webhook_tx);
  });
}

absl::StatusOr<std::vector<DueDelivery>> PgDeliveryQueue::Claim(int limit, int per_tenant,
                                                                absl::Duration lease) {
  std::vector<DueDelivery> out;
  absl::Status s = pool_.WithOperator([&](PgTransaction& tx) {
    out.clear();
    // The due deliveries ranked within their tenant; the first `per_tenant` of each are the
    // candidates, locked (skipping what another worker holds) oldest first.
    pqxx::result rows = tx.exec_params(
        absl::StrCat("UPDATE questionnaire.webhook_deliveries SET attempts = attempts + 1,"
                     "   next_attempt_time = now() + $2::bigint * interval '1 millisecond'"
                     " WHERE delivery_id IN (SELECT delivery_id"
                     "   FROM questionnaire.webhook_deliveries"
                     "   WHERE delivery_id IN (SELECT delivery_id FROM (SELECT delivery_id,"
                     "       row_number() OVER (PARTITION BY tenant_id"
                     "         ORDER BY next_attempt_time, delivery_id) AS tenant_rank"
                     "       FROM questionnaire.webhook_deliveries"
                     "       WHERE state = 'PENDING' AND next_attempt_time <= now()) ranked"
                     "     WHERE tenant_rank <= $3)"
                     "   AND state = 'PENDING' AND next_attempt_time <= now()"
                     "   ORDER BY next_attempt_time, delivery_id LIMIT $1 FOR UPDATE SKIP LOCKED)"
                     " RETURNING delivery_id, tenant_id, webhook_id, event_id, event_type,"
                     "   payload, ",
                     Micros("create_time"), ", attempts"),
        limit, absl::ToInt64Milliseconds(lease), per_tenant);
    for (const pqxx::row& row : rows) {
      DueDelivery d;
      d.id = row[0].as<int64_t>();
      d.tenant_id = row[1].as<std::string>();
      d.webhook_id = row[2].as<std::string>();
      d.event_id = row[3].as<std::string>();
      d.event_type = row[4].as<std::string>();
      d.payload = row[5].as<std::string>();
      d.create_time = absl::FromUnixMicros(row[6].as<int64_t>());
      d.attempts = row[7].as<int>();
      out.push_back(std::move(d));
    }
    // The endpoint is read inside its tenant: the operator never sees the webhooks table.
    for (DueDelivery& d : out) {
      tx.exec_params("SELECT set_config('lagom.tenant_id', $1, true)", d.tenant_id);
      pqxx::result endpoint = tx.exec_params(
          "SELECT url, secret FROM questionnaire.webhooks WHERE tenant_id = $1 AND webhook_id = $2",
          d.tenant_id, d.webhook_id);
      if (!endpoint.empty()) {
        d.url = endpoint[0][0].as<std::string>();
        d.secret = endpoint[0][1].as<std::string>();
      }
    }
    tx.exec("SELECT set_config('lagom.tenant_id', '', true)");
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  std::sort(out.begin(), out.end(),
            [](const DueDelivery& a, const DueDelivery& b) { return a.id < b.id; });
  return out;
}

absl::Status PgDeliveryQueue::Record(const DueDelivery& delivery, int status_code,
                                     const std::string& error, const std::string& state,
                                     std::optional<absl::Time> next_attempt_time) {
  std::optional<int64_t> next;
  if (next_attempt_time) next = absl::ToUnixMicros(*next_attempt_time);
  return pool_.WithOperator([&](PgTransaction& tx) -> absl::Status {
    // Each claim counts an attempt, so the count is the claim's token: a worker whose lease ran
    // out (and whose delivery another worker claimed since) records nothing.
    const pqxx::result updated = tx.exec_params(
        absl::StrCat("UPDATE questionnaire.webhook_deliveries SET last_status_code = $2,"
                     "   last_error = $3, state = $4, last_attempt_time = now(),"
                     "   next_attempt_time = COALESCE(",
                     Time(5),
                     ", next_attempt_time)"
                     " WHERE delivery_id = $1 AND state = 'PENDING' AND attempts = $6"),
        delivery.id, status_code, error, state, next, delivery.attempts);
    if (updated.affected_rows() == 0) {
      return absl::AbortedError(
          absl::StrCat("delivery ", delivery.id, " (attempt ", delivery.attempts,
                       ") was claimed again after its lease ran out, delivered or deleted since"));
    }
    return absl::OkStatus();
  });
}

}  // namespace lagom::questionnaire::webhooks
