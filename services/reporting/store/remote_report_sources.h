// ReportSources over the other services: the questionnaire process (model versions, the
// tenant's language, its catalogue's names) and the session service (comments), each called
// with the service token on behalf of the caller, so the caller's rights apply there.
#ifndef LAGOM_SERVICES_REPORTING_STORE_REMOTE_REPORT_SOURCES_H_
#define LAGOM_SERVICES_REPORTING_STORE_REMOTE_REPORT_SOURCES_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"
#include "lagom/session/v1/session.grpc.pb.h"
#include "lagom/tenancy/v1/tenancy.grpc.pb.h"
#include "services/reporting/core/report_core.h"

namespace lagom::reporting {

class RemoteReportSources final : public ReportSources {
 public:
  // A null `session` channel: reports carry no comments (the process was started without the
  // session service's address).
  RemoteReportSources(std::shared_ptr<grpc::Channel> questionnaire,
                      std::shared_ptr<grpc::Channel> session, std::string service_token);

  absl::StatusOr<questionnaire::v1::ModelContent> ModelContent(
      const RequestContext& rc, const std::string& model_version) override;
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> DisplayNames(
      const RequestContext& rc) override;
  absl::StatusOr<std::string> DefaultLanguage(const RequestContext& rc) override;
  absl::StatusOr<std::vector<ReportComment>> Comments(const RequestContext& rc,
                                                      const std::string& session) override;

 private:
  std::unique_ptr<questionnaire::v1::QuestionnaireService::Stub> models_;
  std::unique_ptr<catalog::v1::CatalogService::Stub> catalog_;
  std::unique_ptr<tenancy::v1::TenantService::Stub> tenants_;
  std::unique_ptr<session::v1::SessionService::Stub> sessions_;
  const std::string service_token_;
};

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_STORE_REMOTE_REPORT_SOURCES_H_
