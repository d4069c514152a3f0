#include "common/auth/tenant_data.h"

#include <grpcpp/client_context.h>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/auth/authenticator.h"
#include "common/log.h"
#include "common/pg_transaction.h"
#include "common/status.h"
#include "common/unary.h"

namespace lagom::auth {
namespace {

absl::Status CheckTenantId(const std::string& tenant_id) {
  if (IsValidTenantId(tenant_id)) return absl::OkStatus();
  return InvalidArgumentError("invalid tenant",
                              {{"tenant_id",
                                "required: the tenant's id (2-63 lowercase letters, digits or '-', "
                                "starting with a letter)"}});
}

}  // namespace

absl::StatusOr<TenantDataCounts> PgTenantData::Describe(const std::string& tenant_id) {
  return Run(tenant_id, "tenant_data");
}

absl::StatusOr<TenantDataCounts> PgTenantData::Purge(const std::string& tenant_id) {
  return Run(tenant_id, "purge_tenant");
}

absl::StatusOr<TenantDataCounts> PgTenantData::Run(const std::string& tenant_id,
                                                   const char* function) {
  if (absl::Status s = CheckTenantId(tenant_id); !s.ok()) return s;
  RequestContext rc;
  rc.tenant_id = tenant_id;
  TenantDataCounts counts;
  absl::Status s = pool_.WithTenant(rc, [&](PgTransaction& tx) {
    counts.clear();
    for (const pqxx::row& row :
         tx.exec(absl::StrCat("SELECT * FROM ", schema_, ".", function, "() ORDER BY 1"))) {
      v1::TenantDataCount& count = counts.emplace_back();
      count.set_kind(row[0].as<std::string>());
      count.set_count(row[1].as<int64_t>());
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return counts;
}

RemoteTenantData::RemoteTenantData(std::string name, std::shared_ptr<grpc::Channel> channel,
                                   std::string service_token, absl::Duration deadline)
    : name_(std::move(name)),
      stub_(channel == nullptr ? nullptr : v1::TenantDataService::NewStub(channel)),
      service_token_(std::move(service_token)),
      deadline_(deadline) {}

template <typename Request, typename Response>
absl::Status RemoteTenantData::Call(grpc::Status (v1::TenantDataService::Stub::*method)(
                                        grpc::ClientContext*, const Request&, Response*),
                                    const char* method_name, const std::string& tenant_id,
                                    Response* response) {
  if (stub_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no address of the ", name_, " service is configured (--", name_, "_addr)"));
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  // Lagom's own identity, no tenant: the only caller TenantDataService admits.
  ctx.AddMetadata(kServiceTokenKey, service_token_);
  Request request;
  request.set_tenant_id(tenant_id);
  const grpc::Status s = ((*stub_).*method)(&ctx, request, response);
  if (s.ok()) return absl::OkStatus();
  return absl::Status(FromGrpcStatus(s).code(), absl::StrCat("the ", name_, " service's ",
                                                             method_name, ": ", s.error_message()));
}

absl::StatusOr<TenantDataCounts> RemoteTenantData::Describe(const std::string& tenant_id) {
  v1::DescribeTenantDataResponse resp;
  if (absl::Status s = Call(&v1::TenantDataService::Stub::DescribeTenantData, "DescribeTenantData",
                            tenant_id, &resp);
      !s.ok()) {
    return s;
  }
  return TenantDataCounts(resp.counts().begin(), resp.counts().end());
}

absl::StatusOr<TenantDataCounts> RemoteTenantData::Purge(const std::string& tenant_id) {
  v1::PurgeTenantDataResponse resp;
  if (absl::Status s =
          Call(&v1::TenantDataService::Stub::PurgeTenantData, "PurgeTenantData", tenant_id, &resp);
      !s.ok()) {
    return s;
  }
  return TenantDataCounts(resp.deleted().begin(), resp.deleted().end());
}

grpc::ServerUnaryReactor* TenantDataServiceImpl::DescribeTenantData(
    grpc::CallbackServerContext* ctx, const v1::DescribeTenantDataRequest* req,
    v1::DescribeTenantDataResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext&) {
    absl::StatusOr<TenantDataCounts> counts = data_.Describe(req->tenant_id());
    if (!counts.ok()) return counts.status();
    resp->mutable_counts()->Assign(counts->begin(), counts->end());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* TenantDataServiceImpl::PurgeTenantData(
    grpc::CallbackServerContext* ctx, const v1::PurgeTenantDataRequest* req,
    v1::PurgeTenantDataResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext&) {
    absl::StatusOr<TenantDataCounts> deleted = data_.Purge(req->tenant_id());
    if (!deleted.ok()) return deleted.status();
    if (after_purge_) {
      if (absl::Status s = after_purge_(req->tenant_id()); !s.ok()) return s;
    }
    resp->mutable_deleted()->Assign(deleted->begin(), deleted->end());
    return absl::OkStatus();
  });
}

absl::Status TenantPurgeConsumer::Deliver(const OutboxDelivery& event) {
  if (event.topic != kTenantPurgeTopic) {
    return absl::InvalidArgumentError(absl::StrCat("no consumer for topic ", event.topic));
  }
  absl::StatusOr<TenantDataCounts> deleted = holder_.Purge(event.tenant_id);
  if (!deleted.ok()) return deleted.status();
  if (!deleted->empty()) {
    LogInfo(absl::StrCat("tenant ", event.tenant_id, ": ", holder_.name(), " deleted ",
                         DescribeCounts(*deleted)));
  }
  return absl::OkStatus();
}

TenantPurgeRelay::TenantPurgeRelay(PgPool& pool, TenantDataHolder& holder)
    : store_(pool, {"questionnaire.outbox", "tenant", holder.name()}),
      consumer_(holder),
      relay_(store_, consumer_) {
  relay_.Start();
}

std::string DescribeCounts(const TenantDataCounts& counts) {
  return absl::StrJoin(counts, ", ", [](std::string* out, const v1::TenantDataCount& c) {
    absl::StrAppend(out, c.count(), " ", c.kind());
  });
}

}  // namespace lagom::auth
