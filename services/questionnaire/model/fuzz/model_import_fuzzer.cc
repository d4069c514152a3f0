// libFuzzer target for ImportModel's reading of a model document: the JSON pre-check, protobuf's
// parser and ValidateModelContent must never crash, hang or leak on any input, and whatever
// they accept must export and read back to the same content.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "services/questionnaire/model/model_json.h"
#include "services/questionnaire/model/validation.h"

namespace q = ::lagom::questionnaire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view json(reinterpret_cast<const char*>(data), size);
  q::model_api::ModelDocument document;
  if (!q::ParseModelDocumentJson(json, &document).empty()) return 0;
  const q::model_api::ModelContent& content = document.model_version().content();
  q::ValidateModelContent(content, "model_version.content");
  const std::string hash = q::ContentHash(content);

  // NaN has many bit patterns and only one spelling, so its documents cannot round-trip
  // byte-for-byte; every other accepted document must.
  if (absl::StrContains(json, "NaN")) return 0;
  const std::string exported = q::ModelDocumentToJson(document);
  if (exported.size() > q::kMaxModelDocumentBytes) return 0;  // indentation made it larger
  q::model_api::ModelDocument again;
  std::vector<lagom::FieldViolation> problems = q::ParseModelDocumentJson(exported, &again);
  if (!problems.empty() || q::ContentHash(again.model_version().content()) != hash) {
    __builtin_trap();  // an export the importer refuses, or one that changes the content
  }
  return 0;
}
