// What the catalogue core needs from storage: records of one tenant, read and written inside
// one transaction. The PostgreSQL adapter is store/pg_catalog_store; unit tests use a fake.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_CATALOG_STORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_CATALOG_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/request_context.h"
#include "common/resource_util.h"
#include "common/status.h"

namespace lagom::questionnaire {

enum class CatalogKind { kCustomerOrganization, kService };

// One stored resource. `body` is the serialized resource message; the other fields are what
// storage indexes or checks.
struct CatalogRecord {
  std::string id;
  int64_t version = 0;
  std::optional<std::string> external_id;
  std::vector<std::string> refs;  // resource names this record refers to
  std::string body;
  absl::Time create_time;
  absl::Time update_time;
};

// All calls are scoped to the tenant of the transaction. Insert of a duplicate id or
// external_id fails ALREADY_EXISTS; Delete of a missing record fails NOT_FOUND. Update writes
// version n only over version n - 1: over a record changed or deleted since it was read, it
// fails ChangedMeanwhile (ABORTED) and writes nothing.
class CatalogTransaction {
 public:
  virtual ~CatalogTransaction() = default;
  virtual absl::StatusOr<std::optional<CatalogRecord>> Get(CatalogKind kind,
                                                           const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<CatalogRecord>> List(CatalogKind kind) = 0;
  // Holds the record (if it exists) until the transaction ends: writers of one record go one
  // after the other, so an etag checked stays current up to the write, and a deletion waits
  // for the writers referring to it (Refer) and then sees their references. Take it before
  // reading the record to change or delete it.
  virtual absl::Status Hold(CatalogKind kind, const std::string& id) = 0;
  // Whether the record exists, keeping it from being deleted until the transaction ends (it
  // is about to be referred to). With an empty `id`, every record of `kind`.
  virtual absl::StatusOr<bool> Refer(CatalogKind kind, const std::string& id) = 0;
  // How many records of `kind` the tenant holds (nothing read but the count).
  virtual absl::StatusOr<int> Count(CatalogKind kind) = 0;
  virtual absl::StatusOr<std::optional<std::string>> FindByExternalId(
      CatalogKind kind, const std::string& external_id) = 0;
  // Ids of records of `kind` whose refs contain `ref`.
  virtual absl::StatusOr<std::vector<std::string>> FindReferencing(CatalogKind kind,
                                                                   const std::string& ref) = 0;
  // Holds the tenant's quota of `kind` until the transaction ends: taken before counting the
  // records of `kind` to add more, so that adds at the same moment are counted one after the
  // other. Take both kinds' in CatalogKind order.
  virtual absl::Status LockQuota(CatalogKind kind) = 0;
  virtual absl::Status Insert(CatalogKind kind, const CatalogRecord& record) = 0;
  virtual absl::Status Update(CatalogKind kind, const CatalogRecord& record) = 0;
  virtual absl::Status Delete(CatalogKind kind, const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<IdempotentReply>> FindReply(
      const std::string& request_id) = 0;
  virtual absl::Status RecordReply(const std::string& request_id, const IdempotentReply& reply) = 0;
};

// ABORTED, STATE_CONFLICT: the record `id` of `kind` changed or went since it was read.
inline absl::Status ChangedMeanwhile(CatalogKind kind, absl::string_view id) {
  return Error(absl::StatusCode::kAborted, "STATE_CONFLICT",
               absl::StrCat(kind == CatalogKind::kService ? "service " : "customer organisation ",
                            id, " changed while this request ran; send it again"));
}

class CatalogStore {
 public:
  virtual ~CatalogStore() = default;
  // Runs fn in one transaction of rc's tenant: committed when fn returns OK, else rolled back.
  virtual absl::Status InTransaction(
      const RequestContext& rc, const std::function<absl::Status(CatalogTransaction&)>& fn) = 0;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_CATALOG_STORE_H_
