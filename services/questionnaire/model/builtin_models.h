// Models that ship with Lagom, readable by every tenant and owned by none:
// `models/lagom-itsm/versions/1` ("Lagom ITSM — good enough", v1). Their content is a JSON
// file in the source tree (the protobuf JSON mapping of ModelVersion), embedded at build time
// and checked by the same validation as any imported model.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_MODEL_BUILTIN_MODELS_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_MODEL_BUILTIN_MODELS_H_

#include <vector>

#include "lagom/questionnaire/v1/model.pb.h"

namespace lagom::questionnaire {

struct BuiltinModel {
  ::lagom::questionnaire::v1::Model model;                // name "models/<id>", builtin = true
  std::vector<::lagom::questionnaire::v1::ModelVersion> versions;  // PUBLISHED, content_hash set
};

// Parsed, validated and hashed once; a built-in model that fails validation is a build defect
// and aborts with the violations (a unit test keeps that from ever shipping).
const std::vector<BuiltinModel>& BuiltinModels();

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_MODEL_BUILTIN_MODELS_H_
