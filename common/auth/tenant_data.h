// A tenant's data across Lagom's services, counted and deleted when the hosting operator deletes
// the tenant (lagom.tenancy.v1.DeleteTenant, served by the questionnaire service):
//
// - Each service keeps its share in its own schema and answers for it with two functions its
//   migrations define, <schema>.tenant_data() and <schema>.purge_tenant(), run in a
//   transaction of the tenant (PgTenantData).
// - The session and reporting services serve them as lagom.auth.v1.TenantDataService
//   (TenantDataServiceImpl); the questionnaire service reaches them through RemoteTenantData
//   and its own share directly.
// - Without force, DeleteTenant asks every holder for its counts and refuses while any keeps
//   something. With force, it writes one tenant.purge event per holder to its outbox in the
//   transaction that marks the tenant DELETED; a relay per holder hands each over
//   (TenantPurgeConsumer) until the holder has purged, surviving crashes of either side.
#ifndef LAGOM_COMMON_AUTH_TENANT_DATA_H_
#define LAGOM_COMMON_AUTH_TENANT_DATA_H_

#include <grpcpp/channel.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/executor.h"
#include "common/outbox_relay.h"
#include "common/pg_outbox_store.h"
#include "common/postgres.h"
#include "common/request_context.h"
#include "lagom/auth/v1/tenant_data.grpc.pb.h"

namespace lagom::auth {

// The outbox topic of a purge; the event's tenant is the one to purge.
inline constexpr char kTenantPurgeTopic[] = "tenant.purge";

using TenantDataCounts = std::vector<v1::TenantDataCount>;

// One service's share of a tenant's data.
class TenantDataHolder {
 public:
  virtual ~TenantDataHolder() = default;
  // The outbox consumer that purges this share: "questionnaire", "session", "reporting".
  virtual const std::string& name() const = 0;
  // What the service keeps of the tenant, by kind (empty: nothing).
  virtual absl::StatusOr<TenantDataCounts> Describe(const std::string& tenant_id) = 0;
  // Deletes all of it; what was deleted, by kind. Idempotent.
  virtual absl::StatusOr<TenantDataCounts> Purge(const std::string& tenant_id) = 0;
};

// A service's own share: `schema`'s tenant_data() and purge_tenant() functions. `schema` comes
// from the service's code, never from input.
class PgTenantData final : public TenantDataHolder {
 public:
  PgTenantData(PgPool& pool, std::string schema) : pool_(pool), schema_(std::move(schema)) {}

  const std::string& name() const override { return schema_; }
  absl::StatusOr<TenantDataCounts> Describe(const std::string& tenant_id) override;
  absl::StatusOr<TenantDataCounts> Purge(const std::string& tenant_id) override;

 private:
  absl::StatusOr<TenantDataCounts> Run(const std::string& tenant_id, const char* function);

  PgPool& pool_;
  const std::string schema_;
};

// Another service's share, through its TenantDataService, called as Lagom's own identity.
// Without a channel (no address configured) every call is FAILED_PRECONDITION saying so.
class RemoteTenantData final : public TenantDataHolder {
 public:
  RemoteTenantData(std::string name, std::shared_ptr<grpc::Channel> channel,
                   std::string service_token, absl::Duration deadline = absl::Seconds(30));

  const std::string& name() const override { return name_; }
  absl::StatusOr<TenantDataCounts> Describe(const std::string& tenant_id) override;
  absl::StatusOr<TenantDataCounts> Purge(const std::string& tenant_id) override;

 private:
  // One call of `method` about `tenant_id` into `response`; FAILED_PRECONDITION without a
  // channel, the service's refusal (its code kept) saying which service and call it was.
  template <typename Request, typename Response>
  absl::Status Call(grpc::Status (v1::TenantDataService::Stub::*method)(grpc::ClientContext*,
                                                                        const Request&, Response*),
                    const char* method_name, const std::string& tenant_id, Response* response);

  const std::string name_;
  std::unique_ptr<v1::TenantDataService::Stub> stub_;
  const std::string service_token_;
  const absl::Duration deadline_;
};

// lagom.auth.v1.TenantDataService over the service's own share. `after_purge` (may be empty)
// runs after the share is deleted, for what the service keeps of the tenant outside
// PostgreSQL (the session service's live state in Redis); its failure fails the call, so the
// purge is handed over again.
class TenantDataServiceImpl final : public v1::TenantDataService::CallbackService {
 public:
  // Not owned.
  TenantDataServiceImpl(TenantDataHolder& data, const CallAdmitter& admitter, Executor& executor,
                        std::function<absl::Status(const std::string& tenant_id)> after_purge = {})
      : data_(data),
        admitter_(admitter),
        executor_(executor),
        after_purge_(std::move(after_purge)) {}

  grpc::ServerUnaryReactor* DescribeTenantData(grpc::CallbackServerContext* ctx,
                                               const v1::DescribeTenantDataRequest* req,
                                               v1::DescribeTenantDataResponse* resp) override;
  grpc::ServerUnaryReactor* PurgeTenantData(grpc::CallbackServerContext* ctx,
                                            const v1::PurgeTenantDataRequest* req,
                                            v1::PurgeTenantDataResponse* resp) override;

 private:
  TenantDataHolder& data_;
  const CallAdmitter& admitter_;
  Executor& executor_;
  const std::function<absl::Status(const std::string&)> after_purge_;
};

// Hands tenant.purge events to one holder (the relay of the holder's outbox rows).
class TenantPurgeConsumer final : public EventConsumer {
 public:
  explicit TenantPurgeConsumer(TenantDataHolder& holder) : holder_(holder) {}
  // OK once the holder purged the event's tenant; INVALID_ARGUMENT for another topic.
  absl::Status Deliver(const OutboxDelivery& event) override;

 private:
  TenantDataHolder& holder_;
};

// The relay of one holder's tenant.purge events in the questionnaire service's outbox
// (questionnaire.outbox, consumer = the holder's name), started at once.
class TenantPurgeRelay final {
 public:
  // Not owned.
  TenantPurgeRelay(PgPool& pool, TenantDataHolder& holder);

 private:
  PgOutboxStore store_;
  TenantPurgeConsumer consumer_;
  OutboxRelay relay_;
};

// "2 sessions, 14 answers": counts as a person reads them.
std::string DescribeCounts(const TenantDataCounts& counts);

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_TENANT_DATA_H_
