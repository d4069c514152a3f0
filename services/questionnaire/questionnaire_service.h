// gRPC adapter of lagom.questionnaire.v1.QuestionnaireService.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_QUESTIONNAIRE_SERVICE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_QUESTIONNAIRE_SERVICE_H_

#include "common/request_context.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"

namespace lagom::questionnaire {

namespace questionnaire_api = ::lagom::questionnaire::v1;

class QuestionnaireServiceImpl final
    : public questionnaire_api::QuestionnaireService::CallbackService {
 public:
  explicit QuestionnaireServiceImpl(const CallAdmitter& admitter) : admitter_(admitter) {}

  // Every RPC is admitted (authenticated, authorised, rate-limited) and then answers
  // UNIMPLEMENTED (NOT_IMPLEMENTED_YET) until the release that builds it replaces the handler
  // with a call into its core.
  grpc::ServerUnaryReactor* CreateModel(grpc::CallbackServerContext* ctx,
                                        const questionnaire_api::CreateModelRequest* req,
                                        questionnaire_api::CreateModelResponse* resp) override;
  grpc::ServerUnaryReactor* GetModel(grpc::CallbackServerContext* ctx,
                                     const questionnaire_api::GetModelRequest* req,
                                     questionnaire_api::GetModelResponse* resp) override;
  grpc::ServerUnaryReactor* ListModels(grpc::CallbackServerContext* ctx,
                                       const questionnaire_api::ListModelsRequest* req,
                                       questionnaire_api::ListModelsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateModel(grpc::CallbackServerContext* ctx,
                                        const questionnaire_api::UpdateModelRequest* req,
                                        questionnaire_api::UpdateModelResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteModel(grpc::CallbackServerContext* ctx,
                                        const questionnaire_api::DeleteModelRequest* req,
                                        questionnaire_api::DeleteModelResponse* resp) override;
  grpc::ServerUnaryReactor* CreateModelVersion(
      grpc::CallbackServerContext* ctx, const questionnaire_api::CreateModelVersionRequest* req,
      questionnaire_api::CreateModelVersionResponse* resp) override;
  grpc::ServerUnaryReactor* GetModelVersion(
      grpc::CallbackServerContext* ctx, const questionnaire_api::GetModelVersionRequest* req,
      questionnaire_api::GetModelVersionResponse* resp) override;
  grpc::ServerUnaryReactor* ListModelVersions(
      grpc::CallbackServerContext* ctx, const questionnaire_api::ListModelVersionsRequest* req,
      questionnaire_api::ListModelVersionsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateModelVersion(
      grpc::CallbackServerContext* ctx, const questionnaire_api::UpdateModelVersionRequest* req,
      questionnaire_api::UpdateModelVersionResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteModelVersion(
      grpc::CallbackServerContext* ctx, const questionnaire_api::DeleteModelVersionRequest* req,
      questionnaire_api::DeleteModelVersionResponse* resp) override;
  grpc::ServerUnaryReactor* ValidateModelVersion(
      grpc::CallbackServerContext* ctx, const questionnaire_api::ValidateModelVersionRequest* req,
      questionnaire_api::ValidateModelVersionResponse* resp) override;
  grpc::ServerUnaryReactor* PublishModelVersion(
      grpc::CallbackServerContext* ctx, const questionnaire_api::PublishModelVersionRequest* req,
      questionnaire_api::PublishModelVersionResponse* resp) override;
  grpc::ServerUnaryReactor* DeprecateModelVersion(
      grpc::CallbackServerContext* ctx, const questionnaire_api::DeprecateModelVersionRequest* req,
      questionnaire_api::DeprecateModelVersionResponse* resp) override;
  grpc::ServerUnaryReactor* ImportModel(grpc::CallbackServerContext* ctx,
                                        const questionnaire_api::ImportModelRequest* req,
                                        questionnaire_api::ImportModelResponse* resp) override;
  grpc::ServerUnaryReactor* ExportModelVersion(
      grpc::CallbackServerContext* ctx, const questionnaire_api::ExportModelVersionRequest* req,
      questionnaire_api::ExportModelVersionResponse* resp) override;

 private:
  const CallAdmitter& admitter_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_QUESTIONNAIRE_SERVICE_H_
