// Assessment models and their versions: names, lifecycle (DRAFT → PUBLISHED → DEPRECATED),
// validation, publishing by content hash, import and export, and the built-in models every
// tenant reads and nobody changes. No gRPC or storage types: requests and responses are the API
// messages, storage is a ModelStore. Roles are enforced by the CallAdmitter before any of this
// runs; the core still validates input and scopes every read and write to rc.tenant_id.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_MODEL_MODEL_CORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_MODEL_MODEL_CORE_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/request_context.h"
#include "lagom/questionnaire/v1/questionnaire.pb.h"
#include "services/questionnaire/model/audit_sink.h"
#include "services/questionnaire/model/model_store.h"

namespace lagom::questionnaire {

namespace questionnaire_api = ::lagom::questionnaire::v1;

// How many models a tenant may hold, and versions a model.
inline constexpr int kMaxModelsPerTenant = 1000;
inline constexpr int kMaxVersionsPerModel = 1000;

// True for `models/{m}` and `models/{m}/versions/{v}`: built-in, readable without storage.
bool IsBuiltinName(absl::string_view name);

// A GetModelVersionResponse in protobuf wire format: a published version goes out exactly as
// it was stored, never parsed and serialized again. Built-in versions are serialized once, at
// first use, and shared: `shared` then points at them (they live as long as the process).
struct WireResponse {
  std::string owned;
  const std::string* shared = nullptr;
  absl::string_view bytes() const { return shared != nullptr ? *shared : owned; }
};

class ModelCore final {
 public:
  using Clock = std::function<absl::Time()>;
  ModelCore(ModelStore& store, AuditSink& audit, Clock clock = absl::Now)
      : store_(store), audit_(audit), clock_(std::move(clock)) {}

  absl::Status CreateModel(const RequestContext& rc,
                           const questionnaire_api::CreateModelRequest& req,
                           questionnaire_api::CreateModelResponse* resp);
  absl::Status GetModel(const RequestContext& rc, const questionnaire_api::GetModelRequest& req,
                        questionnaire_api::GetModelResponse* resp);
  absl::Status ListModels(const RequestContext& rc, const questionnaire_api::ListModelsRequest& req,
                          questionnaire_api::ListModelsResponse* resp);
  absl::Status UpdateModel(const RequestContext& rc,
                           const questionnaire_api::UpdateModelRequest& req,
                           questionnaire_api::UpdateModelResponse* resp);
  absl::Status DeleteModel(const RequestContext& rc,
                           const questionnaire_api::DeleteModelRequest& req,
                           questionnaire_api::DeleteModelResponse* resp);

  absl::Status CreateModelVersion(const RequestContext& rc,
                                  const questionnaire_api::CreateModelVersionRequest& req,
                                  questionnaire_api::CreateModelVersionResponse* resp);
  absl::Status GetModelVersion(const RequestContext& rc,
                               const questionnaire_api::GetModelVersionRequest& req,
                               questionnaire_api::GetModelVersionResponse* resp);
  // GetModelVersion answered in wire format (see WireResponse).
  absl::Status GetModelVersionWire(const RequestContext& rc,
                                   const questionnaire_api::GetModelVersionRequest& req,
                                   WireResponse* resp);
  absl::Status ListModelVersions(const RequestContext& rc,
                                 const questionnaire_api::ListModelVersionsRequest& req,
                                 questionnaire_api::ListModelVersionsResponse* resp);
  absl::Status UpdateModelVersion(const RequestContext& rc,
                                  const questionnaire_api::UpdateModelVersionRequest& req,
                                  questionnaire_api::UpdateModelVersionResponse* resp);
  absl::Status DeleteModelVersion(const RequestContext& rc,
                                  const questionnaire_api::DeleteModelVersionRequest& req,
                                  questionnaire_api::DeleteModelVersionResponse* resp);
  absl::Status ValidateModelVersion(const RequestContext& rc,
                                    const questionnaire_api::ValidateModelVersionRequest& req,
                                    questionnaire_api::ValidateModelVersionResponse* resp);
  // Validates (INVALID_ARGUMENT, reason VALIDATION_FAILED, every violation, nothing changed),
  // then freezes the version: content_hash = ContentHash(content), publish_time, PUBLISHED.
  absl::Status PublishModelVersion(const RequestContext& rc,
                                   const questionnaire_api::PublishModelVersionRequest& req,
                                   questionnaire_api::PublishModelVersionResponse* resp);
  absl::Status DeprecateModelVersion(const RequestContext& rc,
                                     const questionnaire_api::DeprecateModelVersionRequest& req,
                                     questionnaire_api::DeprecateModelVersionResponse* resp);

  // A valid document becomes a DRAFT version (of a new or an existing model); an invalid one
  // is INVALID_ARGUMENT with every violation, and nothing is stored.
  absl::Status ImportModel(const RequestContext& rc,
                           const questionnaire_api::ImportModelRequest& req,
                           questionnaire_api::ImportModelResponse* resp);
  absl::Status ExportModelVersion(const RequestContext& rc,
                                  const questionnaire_api::ExportModelVersionRequest& req,
                                  questionnaire_api::ExportModelVersionResponse* resp);

 private:
  void RecordAudit(const RequestContext& rc, AuditEntry entry);

  ModelStore& store_;
  AuditSink& audit_;
  Clock clock_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_MODEL_MODEL_CORE_H_
