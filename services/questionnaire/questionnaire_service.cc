#include "services/questionnaire/questionnaire_service.h"

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <memory>

#include "common/status.h"
#include "common/unary.h"

namespace lagom::questionnaire {

namespace api = ::lagom::questionnaire::v1;

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::CreateModel(grpc::CallbackServerContext* ctx,
                                                                const api::CreateModelRequest* req,
                                                                api::CreateModelResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.CreateModel(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::GetModel(grpc::CallbackServerContext* ctx,
                                                             const api::GetModelRequest* req,
                                                             api::GetModelResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.GetModel(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ListModels(grpc::CallbackServerContext* ctx,
                                                               const api::ListModelsRequest* req,
                                                               api::ListModelsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.ListModels(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::UpdateModel(grpc::CallbackServerContext* ctx,
                                                                const api::UpdateModelRequest* req,
                                                                api::UpdateModelResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.UpdateModel(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::DeleteModel(grpc::CallbackServerContext* ctx,
                                                                const api::DeleteModelRequest* req,
                                                                api::DeleteModelResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.DeleteModel(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::CreateModelVersion(
    grpc::CallbackServerContext* ctx, const api::CreateModelVersionRequest* req,
    api::CreateModelVersionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.CreateModelVersion(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::GetModelVersion(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req_bytes, grpc::ByteBuffer* resp) {
  auto req = std::make_shared<api::GetModelVersionRequest>();
  grpc::ByteBuffer copy(*req_bytes);  // shares the slices; Deserialize consumes its input
  if (!grpc::SerializationTraits<api::GetModelVersionRequest>::Deserialize(&copy, req.get()).ok()) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(
        ToGrpcStatus(Error(absl::StatusCode::kInvalidArgument, "PAYLOAD_INVALID",
                           "the request is not a lagom.questionnaire.v1.GetModelVersionRequest")));
    return reactor;
  }
  auto answer = [this, req, resp](const RequestContext& rc) -> absl::Status {
    WireResponse wire;
    if (absl::Status s = core_.GetModelVersionWire(rc, *req, &wire); !s.ok()) return s;
    grpc::Slice slice =
        wire.shared != nullptr
            ? grpc::Slice(wire.shared->data(), wire.shared->size(), grpc::Slice::STATIC_SLICE)
            : grpc::Slice(wire.owned);
    *resp = grpc::ByteBuffer(&slice, 1);
    return absl::OkStatus();
  };
  // Built-in models live in memory: reading one never blocks, so it skips the executor hop.
  if (IsBuiltinName(req->name())) return HandleUnaryInline(ctx, admitter_, *req, answer);
  return HandleUnary(ctx, admitter_, executor_, *req, answer);
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ListModelVersions(
    grpc::CallbackServerContext* ctx, const api::ListModelVersionsRequest* req,
    api::ListModelVersionsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.ListModelVersions(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::UpdateModelVersion(
    grpc::CallbackServerContext* ctx, const api::UpdateModelVersionRequest* req,
    api::UpdateModelVersionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.UpdateModelVersion(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::DeleteModelVersion(
    grpc::CallbackServerContext* ctx, const api::DeleteModelVersionRequest* req,
    api::DeleteModelVersionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.DeleteModelVersion(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ValidateModelVersion(
    grpc::CallbackServerContext* ctx, const api::ValidateModelVersionRequest* req,
    api::ValidateModelVersionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.ValidateModelVersion(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::PublishModelVersion(
    grpc::CallbackServerContext* ctx, const api::PublishModelVersionRequest* req,
    api::PublishModelVersionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.PublishModelVersion(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::DeprecateModelVersion(
    grpc::CallbackServerContext* ctx, const api::DeprecateModelVersionRequest* req,
    api::DeprecateModelVersionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.DeprecateModelVersion(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ImportModel(grpc::CallbackServerContext* ctx,
                                                                const api::ImportModelRequest* req,
                                                                api::ImportModelResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.ImportModel(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* QuestionnaireServiceImpl::ExportModelVersion(
    grpc::CallbackServerContext* ctx, const api::ExportModelVersionRequest* req,
    api::ExportModelVersionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.ExportModelVersion(rc, *req, resp);
  });
}

}  // namespace lagom::questionnaire
