// What the model core needs from storage: a tenant's models and model versions, read and
// written inside one transaction. The PostgreSQL adapter is store/pg_model_store; unit tests
// use FakeModelStore. Built-in models are not stored: they ship in the binary.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_MODEL_MODEL_STORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_MODEL_MODEL_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/request_context.h"
#include "common/resource_util.h"

namespace lagom::questionnaire {

// One stored model. `body` is the serialized lagom.questionnaire.v1.Model.
struct ModelRecord {
  std::string id;
  int64_t version = 0;              // bumped on every write; the etag is EtagOf(version)
  int64_t next_version_number = 1;  // id of the next server-numbered version
  std::string body;
};

// One stored version. `body` is the deterministic serialization of the whole ModelVersion;
// a published version's body is kept exactly as published and returned unchanged.
struct ModelVersionRecord {
  std::string model_id;
  std::string id;
  int64_t seq = 0;           // creation order within the model; lists are newest (highest) first
  int64_t version = 0;       // bumped on every write
  std::string state;         // "DRAFT", "PUBLISHED" or "DEPRECATED"
  std::string content_hash;  // set once published
  std::string body;
};

// A version without its body: what numbers a new one, and what its state pins.
struct VersionKey {
  std::string id;
  int64_t seq = 0;
  std::string state;
};

// Which versions a page lists: each column must equal every value of its `*_is` and none of
// its `*_is_not` (empty: any).
struct VersionFilter {
  std::vector<std::string> state_is, state_is_not;  // "DRAFT", "PUBLISHED", "DEPRECATED"
  std::vector<std::string> content_hash_is, content_hash_is_not;
};

// All calls are scoped to the tenant of the transaction. Insert of a duplicate id fails
// ALREADY_EXISTS. Update succeeds only when the stored record still has `expected_version`
// (ABORTED otherwise: someone else wrote it meanwhile); Update and Delete of a missing record
// fail NOT_FOUND. Deleting a model deletes its versions.
class ModelTransaction {
 public:
  virtual ~ModelTransaction() = default;
  virtual absl::StatusOr<std::optional<ModelRecord>> GetModel(const std::string& id) = 0;
  // Holds the model (if it exists) until the transaction ends: the writers of one model (its
  // edits, new versions, publishing) go one after the other, so that none fails ABORTED
  // because another changed the model meanwhile. Take it before reading the model or any of
  // its versions to change them.
  virtual absl::Status HoldModel(const std::string& id) = 0;
  // Ordered by id.
  virtual absl::StatusOr<std::vector<ModelRecord>> ListModels() = 0;
  // How many models the tenant holds (nothing read but the count).
  virtual absl::StatusOr<int> CountModels() = 0;
  // Hold the tenant's quota of models, or a model's quota of versions, until the transaction
  // ends: taken before counting them to add one, so that adds at the same moment are counted one
  // after the other. Take the models' before any versions'.
  virtual absl::Status LockModelsQuota() = 0;
  virtual absl::Status LockVersionsQuota(const std::string& model_id) = 0;
  virtual absl::Status InsertModel(const ModelRecord& record) = 0;
  virtual absl::Status UpdateModel(const ModelRecord& record, int64_t expected_version) = 0;
  virtual absl::Status DeleteModel(const std::string& id) = 0;

  virtual absl::StatusOr<std::optional<ModelVersionRecord>> GetVersion(const std::string& model_id,
                                                                       const std::string& id) = 0;
  // The versions `filter` admits, newest first, skipping `offset` and at most `limit`: only
  // what one page shows is read (a version's content can be large).
  virtual absl::StatusOr<std::vector<ModelVersionRecord>> ListVersionsPage(
      const std::string& model_id, const VersionFilter& filter, int offset, int limit) = 0;
  // All of them without bodies, newest (highest seq) first.
  virtual absl::StatusOr<std::vector<VersionKey>> ListVersionKeys(const std::string& model_id) = 0;
  virtual absl::Status InsertVersion(const ModelVersionRecord& record) = 0;
  virtual absl::Status UpdateVersion(const ModelVersionRecord& record,
                                     int64_t expected_version) = 0;
  virtual absl::Status DeleteVersion(const std::string& model_id, const std::string& id) = 0;

  virtual absl::StatusOr<std::optional<IdempotentReply>> FindReply(
      const std::string& request_id) = 0;
  virtual absl::Status RecordReply(const std::string& request_id, const IdempotentReply& reply) = 0;
};

class ModelStore {
 public:
  virtual ~ModelStore() = default;
  // Runs fn in one transaction of rc's tenant: committed when fn returns OK, else rolled back.
  virtual absl::Status InTransaction(const RequestContext& rc,
                                     const std::function<absl::Status(ModelTransaction&)>& fn) = 0;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_MODEL_MODEL_STORE_H_
