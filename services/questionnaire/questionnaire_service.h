// gRPC adapter of lagom.questionnaire.v1.QuestionnaireService: each handler reads the caller's
// context, hands the call to ModelCore on the executor (it blocks on PostgreSQL), and
// translates back. Reads of built-in models touch no storage and run inline.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_QUESTIONNAIRE_SERVICE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_QUESTIONNAIRE_SERVICE_H_

#include "common/executor.h"
#include "common/request_context.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"
#include "services/questionnaire/model/model_core.h"

namespace lagom::questionnaire {

namespace questionnaire_api = ::lagom::questionnaire::v1;

// GetModelVersion is served raw (bytes in, bytes out) so that a version goes out exactly as it
// was published and stored, without parsing and serializing it again on every call: it is the
// call every session and scorer makes, and versions are large.
class QuestionnaireServiceImpl final
    : public questionnaire_api::QuestionnaireService::WithRawCallbackMethod_GetModelVersion<
          questionnaire_api::QuestionnaireService::CallbackService> {
 public:
  QuestionnaireServiceImpl(ModelCore& core, const CallAdmitter& admitter, Executor& executor)
      : core_(core), admitter_(admitter), executor_(executor) {}

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
  grpc::ServerUnaryReactor* GetModelVersion(grpc::CallbackServerContext* ctx,
                                            const grpc::ByteBuffer* req,
                                            grpc::ByteBuffer* resp) override;
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
  ModelCore& core_;
  const CallAdmitter& admitter_;
  Executor& executor_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_QUESTIONNAIRE_SERVICE_H_
