#include "services/questionnaire/questionnaire_service.h"

#include "common/unary.h"

namespace lagom::questionnaire {

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::CreateModel(
    grpc::CallbackServerContext* ctx, const questionnaire_api::CreateModelRequest* req,
    questionnaire_api::CreateModelResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "CreateModel");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::GetModel(
    grpc::CallbackServerContext* ctx, const questionnaire_api::GetModelRequest* req,
    questionnaire_api::GetModelResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "GetModel");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ListModels(
    grpc::CallbackServerContext* ctx, const questionnaire_api::ListModelsRequest* req,
    questionnaire_api::ListModelsResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ListModels");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::UpdateModel(
    grpc::CallbackServerContext* ctx, const questionnaire_api::UpdateModelRequest* req,
    questionnaire_api::UpdateModelResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "UpdateModel");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::DeleteModel(
    grpc::CallbackServerContext* ctx, const questionnaire_api::DeleteModelRequest* req,
    questionnaire_api::DeleteModelResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "DeleteModel");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::CreateModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::CreateModelVersionRequest* req,
    questionnaire_api::CreateModelVersionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "CreateModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::GetModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::GetModelVersionRequest* req,
    questionnaire_api::GetModelVersionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "GetModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ListModelVersions(
    grpc::CallbackServerContext* ctx, const questionnaire_api::ListModelVersionsRequest* req,
    questionnaire_api::ListModelVersionsResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ListModelVersions");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::UpdateModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::UpdateModelVersionRequest* req,
    questionnaire_api::UpdateModelVersionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "UpdateModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::DeleteModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::DeleteModelVersionRequest* req,
    questionnaire_api::DeleteModelVersionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "DeleteModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ValidateModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::ValidateModelVersionRequest* req,
    questionnaire_api::ValidateModelVersionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ValidateModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::PublishModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::PublishModelVersionRequest* req,
    questionnaire_api::PublishModelVersionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "PublishModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::DeprecateModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::DeprecateModelVersionRequest* req,
    questionnaire_api::DeprecateModelVersionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "DeprecateModelVersion");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ImportModel(
    grpc::CallbackServerContext* ctx, const questionnaire_api::ImportModelRequest* req,
    questionnaire_api::ImportModelResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ImportModel");
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ExportModelVersion(
    grpc::CallbackServerContext* ctx, const questionnaire_api::ExportModelVersionRequest* req,
    questionnaire_api::ExportModelVersionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ExportModelVersion");
}

}  // namespace lagom::questionnaire
