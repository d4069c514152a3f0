#include "services/questionnaire/store/pg_model_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_params.h"
#include "common/pg_quota.h"
#include "common/pg_transaction.h"
#include "services/questionnaire/store/pg_idempotency.h"

namespace lagom::questionnaire {
namespace {

constexpr char kModelColumns[] = "id, version, next_version_number, body";
constexpr char kVersionColumns[] = "model_id, id, seq, version, state, content_hash, body";

ModelRecord ModelFromRow(const pqxx::row& row) {
  ModelRecord r;
  r.id = row[0].as<std::string>();
  r.version = row[1].as<int64_t>();
  r.next_version_number = row[2].as<int64_t>();
  r.body = pqxx::binarystring(row[3]).str();
  return r;
}

ModelVersionRecord VersionFromRow(const pqxx::row& row) {
  ModelVersionRecord r;
  r.model_id = row[0].as<std::string>();
  r.id = row[1].as<std::string>();
  r.seq = row[2].as<int64_t>();
  r.version = row[3].as<int64_t>();
  r.state = row[4].as<std::string>();
  r.content_hash = row[5].as<std::string>();
  r.body = pqxx::binarystring(row[6]).str();
  return r;
}

class PgModelTransaction final : public ModelTransaction {
 public:
  PgModelTransaction(PgTransaction& tx, std::string tenant) : tx_(tx), tenant_(std::move(tenant)) {}

  absl::StatusOr<std::optional<ModelRecord>> GetModel(const std::string& id) override {
    pqxx::result rows =
        tx_.exec_params(absl::StrCat("SELECT ", kModelColumns,
                                     " FROM questionnaire.models WHERE tenant_id = $1 AND id = $2"),
                        tenant_, id);
    if (rows.empty()) return std::nullopt;
    return ModelFromRow(rows[0]);
  }

  absl::StatusOr<std::vector<ModelRecord>> ListModels() override {
    pqxx::result rows =
        tx_.exec_params(absl::StrCat("SELECT ", kModelColumns,
                                     " FROM questionnaire.models WHERE tenant_id = $1 ORDER BY id"),
                        tenant_);
    std::vector<ModelRecord> out;
    out.reserve(rows.size());
    for (const pqxx::row& row : rows) out.push_back(ModelFromRow(row));
    return out;
  }

  absl::Status HoldModel(const std::string& id) override {
    tx_.exec_params(
        "SELECT FROM questionnaire.models WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE",
        tenant_, id);
    return absl::OkStatus();
  }

  absl::StatusOr<int> CountModels() override {
    return tx_
        .exec_params1("SELECT count(*) FROM questionnaire.models WHERE tenant_id = $1", tenant_)[0]
        .as<int>();
  }

  absl::Status LockModelsQuota() override {
    LockQuota(tx_, "questionnaire.models", tenant_);
    return absl::OkStatus();
  }

  absl::Status LockVersionsQuota(const std::string& model_id) override {
    LockQuota(tx_, "questionnaire.model_versions", absl::StrCat(tenant_, "/", model_id));
    return absl::OkStatus();
  }

  absl::Status InsertModel(const ModelRecord& r) override {
    tx_.exec_params(
        "INSERT INTO questionnaire.models (tenant_id, id, version, next_version_number, body)"
        " VALUES ($1, $2, $3, $4, $5)",
        tenant_, r.id, r.version, r.next_version_number, pqxx::binarystring(r.body));
    return absl::OkStatus();
  }

  absl::Status UpdateModel(const ModelRecord& r, int64_t expected_version) override {
    pqxx::result rows = tx_.exec_params(
        "UPDATE questionnaire.models"
        " SET version = $3, next_version_number = $4, body = $5, update_time = now()"
        " WHERE tenant_id = $1 AND id = $2 AND version = $6",
        tenant_, r.id, r.version, r.next_version_number, pqxx::binarystring(r.body),
        expected_version);
    if (rows.affected_rows() == 0) return ModelMissing(r.id);
    return absl::OkStatus();
  }

  absl::Status DeleteModel(const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        "DELETE FROM questionnaire.models WHERE tenant_id = $1 AND id = $2", tenant_, id);
    if (rows.affected_rows() == 0) return absl::NotFoundError(id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<ModelVersionRecord>> GetVersion(const std::string& model_id,
                                                               const std::string& id) override {
    pqxx::result rows =
        tx_.exec_params(absl::StrCat("SELECT ", kVersionColumns,
                                     " FROM questionnaire.model_versions"
                                     " WHERE tenant_id = $1 AND model_id = $2 AND id = $3"),
                        tenant_, model_id, id);
    if (rows.empty()) return std::nullopt;
    return VersionFromRow(rows[0]);
  }

  absl::StatusOr<std::vector<ModelVersionRecord>> ListVersionsPage(const std::string& model_id,
                                                                   const VersionFilter& filter,
                                                                   int offset, int limit) override {
    // `x = ALL('{}')` holds: an empty list is no condition.
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kVersionColumns,
                     " FROM questionnaire.model_versions"
                     " WHERE tenant_id = $1 AND model_id = $2"
                     "   AND state = ALL ($3::text[]) AND state <> ALL ($4::text[])"
                     "   AND content_hash = ALL ($5::text[]) AND content_hash <> ALL ($6::text[])"
                     " ORDER BY seq DESC OFFSET $7 LIMIT $8"),
        tenant_, model_id, PgArray(filter.state_is), PgArray(filter.state_is_not),
        PgArray(filter.content_hash_is), PgArray(filter.content_hash_is_not), offset, limit);
    std::vector<ModelVersionRecord> out;
    out.reserve(rows.size());
    for (const pqxx::row& row : rows) out.push_back(VersionFromRow(row));
    return out;
  }

  absl::StatusOr<std::vector<VersionKey>> ListVersionKeys(const std::string& model_id) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT id, seq, state FROM questionnaire.model_versions"
        " WHERE tenant_id = $1 AND model_id = $2 ORDER BY seq DESC",
        tenant_, model_id);
    std::vector<VersionKey> out;
    out.reserve(rows.size());
    for (const pqxx::row& row : rows) {
      out.push_back(
          VersionKey{row[0].as<std::string>(), row[1].as<int64_t>(), row[2].as<std::string>()});
    }
    return out;
  }

  absl::Status InsertVersion(const ModelVersionRecord& r) override {
    tx_.exec_params(
        "INSERT INTO questionnaire.model_versions"
        " (tenant_id, model_id, id, seq, version, state, content_hash, body)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        tenant_, r.model_id, r.id, r.seq, r.version, r.state, r.content_hash,
        pqxx::binarystring(r.body));
    return absl::OkStatus();
  }

  absl::Status UpdateVersion(const ModelVersionRecord& r, int64_t expected_version) override {
    pqxx::result rows = tx_.exec_params(
        "UPDATE questionnaire.model_versions"
        " SET version = $4, state = $5, content_hash = $6, body = $7, update_time = now()"
        " WHERE tenant_id = $1 AND model_id = $2 AND id = $3 AND version = $8",
        tenant_, r.model_id, r.id, r.version, r.state, r.content_hash, pqxx::binarystring(r.body),
        expected_version);
    if (rows.affected_rows() == 0) return VersionMissing(r.model_id, r.id);
    return absl::OkStatus();
  }

  absl::Status DeleteVersion(const std::string& model_id, const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        "DELETE FROM questionnaire.model_versions"
        " WHERE tenant_id = $1 AND model_id = $2 AND id = $3",
        tenant_, model_id, id);
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
  // An update that matched no row: NOT_FOUND when the row is gone, ABORTED when it is there
  // with another version (someone wrote it meanwhile).
  absl::Status ModelMissing(const std::string& id) {
    pqxx::result rows = tx_.exec_params(
        "SELECT 1 FROM questionnaire.models WHERE tenant_id = $1 AND id = $2", tenant_, id);
    return rows.empty() ? absl::NotFoundError(id) : absl::AbortedError(id);
  }
  absl::Status VersionMissing(const std::string& model_id, const std::string& id) {
    pqxx::result rows = tx_.exec_params(
        "SELECT 1 FROM questionnaire.model_versions"
        " WHERE tenant_id = $1 AND model_id = $2 AND id = $3",
        tenant_, model_id, id);
    return rows.empty() ? absl::NotFoundError(id) : absl::AbortedError(id);
  }

  PgTransaction& tx_;
  const std::string tenant_;
};

}  // namespace

absl::Status PgModelStore::InTransaction(const RequestContext& rc,
                                         const std::function<absl::Status(ModelTransaction&)>& fn) {
  return pool_.WithTenant(rc, [&](PgTransaction& tx) {
    PgModelTransaction model_tx(tx, rc.tenant_id);
    return fn(model_tx);
  });
}

}  // namespace lagom::questionnaire
