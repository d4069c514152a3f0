#include "services/questionnaire/store/pg_catalog_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_params.h"
#include "common/pg_quota.h"
#include "common/pg_transaction.h"
#include "services/questionnaire/store/pg_idempotency.h"

namespace lagom::questionnaire {
namespace {

const char* KindName(CatalogKind kind) {
  return kind == CatalogKind::kCustomerOrganization ? "customer_organization" : "service";
}

// Timestamps travel as microseconds since the epoch, so no text parsing is involved.
constexpr char kSelectColumns[] =
    "id, version, external_id, refs, body, "
    "(extract(epoch from create_time) * 1000000)::bigint, "
    "(extract(epoch from update_time) * 1000000)::bigint";

std::vector<std::string> ParseTextArray(const pqxx::field& field) {
  std::vector<std::string> out;
  pqxx::array_parser parser = field.as_array();
  for (auto [kind, value] = parser.get_next(); kind != pqxx::array_parser::done;
       std::tie(kind, value) = parser.get_next()) {
    if (kind == pqxx::array_parser::string_value) out.push_back(value);
  }
  return out;
}

CatalogRecord RecordFromRow(const pqxx::row& row) {
  CatalogRecord record;
  record.id = row[0].as<std::string>();
  record.version = row[1].as<int64_t>();
  if (!row[2].is_null()) record.external_id = row[2].as<std::string>();
  record.refs = ParseTextArray(row[3]);
  record.body = pqxx::binarystring(row[4]).str();
  record.create_time = absl::FromUnixMicros(row[5].as<int64_t>());
  record.update_time = absl::FromUnixMicros(row[6].as<int64_t>());
  return record;
}

class PgCatalogTransaction final : public CatalogTransaction {
 public:
  PgCatalogTransaction(PgTransaction& tx, std::string tenant)
      : tx_(tx), tenant_(std::move(tenant)) {}

  absl::StatusOr<std::optional<CatalogRecord>> Get(CatalogKind kind,
                                                   const std::string& id) override {
    pqxx::result rows =
        tx_.exec_params(absl::StrCat("SELECT ", kSelectColumns,
                                     " FROM questionnaire.catalog_resources"
                                     " WHERE tenant_id = $1 AND kind = $2 AND id = $3"),
                        tenant_, KindName(kind), id);
    if (rows.empty()) return std::nullopt;
    return RecordFromRow(rows[0]);
  }

  absl::StatusOr<std::vector<CatalogRecord>> List(CatalogKind kind) override {
    pqxx::result rows =
        tx_.exec_params(absl::StrCat("SELECT ", kSelectColumns,
                                     " FROM questionnaire.catalog_resources"
                                     " WHERE tenant_id = $1 AND kind = $2 ORDER BY id"),
                        tenant_, KindName(kind));
    std::vector<CatalogRecord> out;
    out.reserve(rows.size());
    for (const pqxx::row& row : rows) out.push_back(RecordFromRow(row));
    return out;
  }

  // FOR UPDATE rather than FOR NO KEY UPDATE: it must wait for Refer's FOR KEY SHARE (no
  // foreign key refers to these rows, so nothing else takes that).
  absl::Status Hold(CatalogKind kind, const std::string& id) override {
    tx_.exec_params(
        "SELECT FROM questionnaire.catalog_resources"
        " WHERE tenant_id = $1 AND kind = $2 AND id = $3 FOR UPDATE",
        tenant_, KindName(kind), id);
    return absl::OkStatus();
  }

  absl::StatusOr<bool> Refer(CatalogKind kind, const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT FROM questionnaire.catalog_resources"
        " WHERE tenant_id = $1 AND kind = $2 AND ($3 = '' OR id = $3) FOR KEY SHARE",
        tenant_, KindName(kind), id);
    return !rows.empty();
  }

  absl::StatusOr<int> Count(CatalogKind kind) override {
    return tx_
        .exec_params1(
            "SELECT count(*) FROM questionnaire.catalog_resources"
            " WHERE tenant_id = $1 AND kind = $2",
            tenant_, KindName(kind))[0]
        .as<int>();
  }

  absl::StatusOr<std::optional<std::string>> FindByExternalId(
      CatalogKind kind, const std::string& external_id) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT id FROM questionnaire.catalog_resources"
        " WHERE tenant_id = $1 AND kind = $2 AND external_id = $3",
        tenant_, KindName(kind), external_id);
    if (rows.empty()) return std::nullopt;
    return rows[0][0].as<std::string>();
  }

  absl::StatusOr<std::vector<std::string>> FindReferencing(CatalogKind kind,
                                                           const std::string& ref) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT id FROM questionnaire.catalog_resources"
        " WHERE tenant_id = $1 AND kind = $2 AND refs @> ARRAY[$3::text] ORDER BY id",
        tenant_, KindName(kind), ref);
    std::vector<std::string> ids;
    for (const pqxx::row& row : rows) ids.push_back(row[0].as<std::string>());
    return ids;
  }

  absl::Status LockQuota(CatalogKind kind) override {
    lagom::LockQuota(tx_, absl::StrCat("questionnaire.catalog.", KindName(kind)), tenant_);
    return absl::OkStatus();
  }

  absl::Status Insert(CatalogKind kind, const CatalogRecord& r) override {
    pqxx::result rows = tx_.exec_params(
        "INSERT INTO questionnaire.catalog_resources"
        " (tenant_id, kind, id, version, external_id, refs, body, create_time, update_time)"
        " VALUES ($1, $2, $3, $4, $5, $6::text[], $7,"
        "         to_timestamp($8::double precision / 1000000),"
        "         to_timestamp($9::double precision / 1000000))"
        " ON CONFLICT (tenant_id, kind, id) DO NOTHING",
        tenant_, KindName(kind), r.id, r.version, r.external_id, PgArray(r.refs),
        pqxx::binarystring(r.body), absl::ToUnixMicros(r.create_time),
        absl::ToUnixMicros(r.update_time));
    if (rows.affected_rows() == 0) return absl::AlreadyExistsError(r.id);
    return absl::OkStatus();
  }

  absl::Status Update(CatalogKind kind, const CatalogRecord& r) override {
    pqxx::result rows = tx_.exec_params(
        "UPDATE questionnaire.catalog_resources"
        " SET version = $4, external_id = $5, refs = $6::text[], body = $7,"
        "     update_time = to_timestamp($8::double precision / 1000000)"
        " WHERE tenant_id = $1 AND kind = $2 AND id = $3 AND version = $4 - 1",
        tenant_, KindName(kind), r.id, r.version, r.external_id, PgArray(r.refs),
        pqxx::binarystring(r.body), absl::ToUnixMicros(r.update_time));
    if (rows.affected_rows() == 0) return ChangedMeanwhile(kind, r.id);
    return absl::OkStatus();
  }

  absl::Status Delete(CatalogKind kind, const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        "DELETE FROM questionnaire.catalog_resources"
        " WHERE tenant_id = $1 AND kind = $2 AND id = $3",
        tenant_, KindName(kind), id);
    if (rows.affected_rows() == 0) return absl::NotFoundError(id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<IdempotentReply>> FindReply(const std::string& request_id) override {
    return FindStoredReply(tx_, tenant_, request_id);
  }

  absl::Status RecordReply(const std::string& request_id, const IdempotentReply& reply) override {
    StoreReply(tx_, tenant_, request_id, reply);
    return absl::OkStatus();
  }

 private:
  PgTransaction& tx_;
  const std::string tenant_;
};

}  // namespace

absl::Status PgCatalogStore::InTransaction(
    const RequestContext& rc, const std::function<absl::Status(CatalogTransaction&)>& fn) {
  return pool_.WithTenant(rc, [&](PgTransaction& tx) {
    PgCatalogTransaction catalog_tx(tx, rc.tenant_id);
    return fn(catalog_tx);
  });
}

}  // namespace lagom::questionnaire
