// The rules an assessment model's content must satisfy before it can be stored or published.
// Validation reports every violation at once, each with the field path and what is allowed,
// e.g. `content.areas[3].items[7].scale: unknown scale 7 (allowed: SCALE_MATURITY_0_5,
// SCALE_SAMM_4, SCALE_LIKERT_5, SCALE_YES_NO)`.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_MODEL_VALIDATION_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_MODEL_VALIDATION_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/status.h"
#include "lagom/questionnaire/v1/model.pb.h"

namespace lagom::questionnaire {

namespace model_api = ::lagom::questionnaire::v1;

// Stated limits, so an oversized model is refused with a clear message rather than slowing
// everyone down.
struct ModelLimits {
  int max_areas = 40;
  int max_items_per_area = 60;
  int max_items = 300;
  size_t max_text_chars = 2000;        // any one localized string
  size_t max_content_bytes = 1 << 20;  // serialized content
  int max_languages = 10;
};

// The largest Item.weight a model may give. Weights are relative, so a bound costs nothing;
// without one, two weights of 1e308 overflow the scoring service's weighted sums to NaN, and a
// published model must always be scorable (scoring checks the same bound, kMaxItemWeight in
// services/scoring/core/scoring_model.h).
inline constexpr double kMaxItemWeight = 1000;
// The smallest non-zero Item.weight: a smaller one rounds the weighted sums towards 0 (scoring's
// kMinItemWeight).
inline constexpr double kMinItemWeight = 0.001;

// Every violation; field paths start with `prefix` (e.g. "content" or "model_version.content").
std::vector<FieldViolation> ValidateModelContent(const model_api::ModelContent& content,
                                                 absl::string_view prefix,
                                                 const ModelLimits& limits = {});

// "sha256:<hex>" of the content's canonical form: deterministic protobuf serialization (map
// entries sorted). Equal content, equal hash; what a published version is addressed by.
std::string ContentHash(const model_api::ModelContent& content);

// "sha256:<hex>" of `bytes`.
std::string Sha256Digest(absl::string_view bytes);

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_MODEL_VALIDATION_H_
