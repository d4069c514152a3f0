#include "services/questionnaire/questionnaire_service.h"

#include "common/unary.h"

namespace lagom::questionnaire {

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::CreateModel(
    grpc::CallbackServerContext* ctx, const questionnaire_api::CreateModelRequest*,
    questionnaire_api::CreateModelResponse*) {
  return NotImplementedYet(ctx, "CreateModel");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::GetModel(
    grpc::CallbackServerContext* ctx, const questionnaire_api::GetModelRequest*,
    questionnaire_api::GetModelResponse*) {
  return NotImplementedYet(ctx, "GetModel");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ListModels(
    grpc::CallbackServerContext* ctx, const questionnaire_api::ListModelsRequest*,
    questionnaire_api::ListModelsResponse*) {
  return NotImplementedYet(ctx, "ListModels");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::UpdateModel(
    grpc::CallbackServerContext* ctx, const questionnaire_api::UpdateModelRequest*,
    questionnaire_api::UpdateModelResponse*) {
  return NotImplementedYet(ctx, "UpdateModel");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::DeleteModel(
    grpc::CallbackServerContext* ctx, const questionnaire_api::DeleteModelRequest*,
    questionnaire_api::DeleteModelResponse*) {
  return NotImplementedYet(ctx, "DeleteModel");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::CreateModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::CreateModelVersionRequest*,
    questionnaire_api::CreateModelVersionResponse*) {
  return NotImplementedYet(ctx, "CreateModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::GetModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::GetModelVersionRequest*,
    questionnaire_api::GetModelVersionResponse*) {
  return NotImplementedYet(ctx, "GetModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ListModelVersions(
    grpc::CallbackServerContext* ctx, const questionnaire_api::ListModelVersionsRequest*,
    questionnaire_api::ListModelVersionsResponse*) {
  return NotImplementedYet(ctx, "ListModelVersions");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::UpdateModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::UpdateModelVersionRequest*,
    questionnaire_api::UpdateModelVersionResponse*) {
  return NotImplementedYet(ctx, "UpdateModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::DeleteModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::DeleteModelVersionRequest*,
    questionnaire_api::DeleteModelVersionResponse*) {
  return NotImplementedYet(ctx, "DeleteModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ValidateModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::ValidateModelVersionRequest*,
    questionnaire_api::ValidateModelVersionResponse*) {
  return NotImplementedYet(ctx, "ValidateModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::PublishModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::PublishModelVersionRequest*,
    questionnaire_api::PublishModelVersionResponse*) {
  return NotImplementedYet(ctx, "PublishModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::DeprecateModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::DeprecateModelVersionRequest*,
    questionnaire_api::DeprecateModelVersionResponse*) {
  return NotImplementedYet(ctx, "DeprecateModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ImportModel(
    grpc::CallbackServerContext* ctx, const questionnaire_api::ImportModelRequest*,
    questionnaire_api::ImportModelResponse*) {
  return NotImplementedYet(ctx, "ImportModel");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ExportModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::ExportModelVersionRequest*,
    questionnaire_api::ExportModelVersionResponse*) {
  return NotImplementedYet(ctx, "ExportModelVersion");
}

}  // namespace lagom::questionnaire
