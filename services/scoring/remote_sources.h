// The scoring service's sources over gRPC: each call carries the service token and the
// original caller (tenant, identity, role, deadline), so the other services apply the caller's
// rights, never the scoring service's own.
#ifndef LAGOM_SERVICES_SCORING_REMOTE_SOURCES_H_
#define LAGOM_SERVICES_SCORING_REMOTE_SOURCES_H_

#include <google/protobuf/arena.h>
#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"
#include "lagom/reporting/v1/reporting.grpc.pb.h"
#include "lagom/session/v1/session.grpc.pb.h"
#include "lagom/tenancy/v1/tenancy.grpc.pb.h"
#include "services/scoring/sources.h"

namespace lagom::scoring {

class RemoteSessionReader final : public SessionReader {
 public:
  // A null channel: the process was started without the session service's address.
  RemoteSessionReader(std::shared_ptr<grpc::Channel> session, std::string service_token);

  absl::StatusOr<session_api::Session> GetSession(const RequestContext& rc,
                                                  const std::string& name) override;
  absl::Status ReadAnswers(const RequestContext& rc, const session_api::Session& session,
                           const std::vector<std::string>& item_ids,
                           const AnswerPageSink& take) override;
  absl::StatusOr<std::vector<sapi::ExpectedRespondents>> CountInvited(
      const RequestContext& rc, const std::string& session) override;

 private:
  // A ListAnswerValues page, parsed onto its own arena.
  struct AnswerPage {
    std::unique_ptr<google::protobuf::Arena> arena;
    session_api::ListAnswerValuesResponse* response = nullptr;
    grpc::Status status;
  };
  AnswerPage ReadPage(const RequestContext& rc, const session_api::ListAnswerValuesRequest& req,
                      const std::string& page_token);

  std::unique_ptr<session_api::SessionService::Stub> stub_;
  const std::string service_token_;
};

class RemoteQuestionnaireReader final : public QuestionnaireReader {
 public:
  RemoteQuestionnaireReader(std::shared_ptr<grpc::Channel> questionnaire,
                            std::string service_token);

  // Published and deprecated versions never change, so each tenant's first read of one is
  // kept (per tenant: a tenant's own versions are readable by that tenant only).
  absl::StatusOr<qapi::ModelVersion> GetModelVersion(const RequestContext& rc,
                                                     const std::string& name) override;
  absl::StatusOr<int> MinRespondents(const RequestContext& rc) override;

 private:
  std::unique_ptr<qapi::QuestionnaireService::Stub> models_;
  std::unique_ptr<tenancy::v1::TenantService::Stub> tenants_;
  const std::string service_token_;
  absl::Mutex mu_;
  // (tenant, version name) → frozen version.
  absl::flat_hash_map<std::pair<std::string, std::string>, qapi::ModelVersion> frozen_
      ABSL_GUARDED_BY(mu_);
};

class RemoteScorecardRecorder final : public ScorecardRecorder {
 public:
  // A null channel: the process was started without the reporting service's address.
  RemoteScorecardRecorder(std::shared_ptr<grpc::Channel> reporting, std::string service_token);

  absl::StatusOr<sapi::Scorecard> Record(const RequestContext& rc, const sapi::Scorecard& scorecard,
                                         const std::string& request_id) override;
  absl::StatusOr<sapi::Scorecard> Get(const RequestContext& rc, const std::string& name) override;

 private:
  std::unique_ptr<reporting::v1::ReportingService::Stub> stub_;
  const std::string service_token_;
};

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_REMOTE_SOURCES_H_
