// The model file format: a ModelDocument as proto3 JSON. Reading checks the JSON against the
// message descriptors first, so every problem is reported at once with its path and what is
// allowed (protobuf's own parser stops at the first error with a terse message), e.g.
//   model_version.content.areas[3].items[7].scale: unknown scale "LIKERT7" (allowed:
//   SCALE_MATURITY_0_5, SCALE_SAMM_4, SCALE_LIKERT_5, SCALE_YES_NO)
// Writing is deterministic: fields in proto order, map entries sorted by key.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_MODEL_MODEL_JSON_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_MODEL_MODEL_JSON_H_

#include <google/protobuf/descriptor.h>

#include <cstddef>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/status.h"
#include "lagom/questionnaire/v1/questionnaire.pb.h"

namespace lagom::questionnaire {

namespace model_api = ::lagom::questionnaire::v1;

// Largest model document ImportModel reads (docs/security.md).
inline constexpr size_t kMaxModelDocumentBytes = size_t{4} << 20;
// ModelDocument.format written by export and accepted by import.
inline constexpr char kModelDocumentFormat[] = "lagom.model.v1";

// Problems of `json` as the proto3 JSON of `descriptor`: not JSON at all, unknown fields, wrong
// JSON types, unknown enum names, integers out of range. Paths use proto field names from the
// top of the document ("model_version.content.areas[3].items[7].scale"); a problem with the
// text as a whole is reported on `root_field`. At most `max_violations` are returned.
std::vector<FieldViolation> CheckJson(absl::string_view json,
                                      const google::protobuf::Descriptor& descriptor,
                                      absl::string_view root_field = "json",
                                      size_t max_violations = 100);

// The same for JSON already parsed. It never descends below the descriptor's own nesting, so
// a value nested arbitrarily deep where a field expects a scalar is reported, not walked.
std::vector<FieldViolation> CheckParsedJson(const nlohmann::ordered_json& parsed,
                                            const google::protobuf::Descriptor& descriptor,
                                            absl::string_view root_field = "json",
                                            size_t max_violations = 100);

// "not valid JSON: parse error at line 3, column 5: ..." for what the JSON parser threw.
std::string JsonParseProblem(const std::exception& e);

// Size limit, CheckJson, then protobuf's parser. Returns the violations; when there are none
// *document holds the parsed document. Content rules are not checked here
// (ValidateModelContent).
std::vector<FieldViolation> ParseModelDocumentJson(absl::string_view json,
                                                   model_api::ModelDocument* document);

// The portable document of a version: the model's display name, description and labels; the
// version's label, notes, content and content hash. Names, states and times are left out.
model_api::ModelDocument DocumentOf(const model_api::Model& model,
                                    const model_api::ModelVersion& version);

// Indented proto3 JSON (lowerCamelCase names), byte-for-byte the same for equal documents.
std::string ModelDocumentToJson(const model_api::ModelDocument& document);

// Deterministic protobuf serialization (map entries sorted by key).
std::string DeterministicBytes(const google::protobuf::Message& message);

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_MODEL_MODEL_JSON_H_
