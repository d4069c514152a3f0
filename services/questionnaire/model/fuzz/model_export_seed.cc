// Prints the export of the built-in model's newest version: the document tools/fuzz seeds the
// fuzzer's corpus with (the same JSON ExportModelVersion gives).
#include <iostream>

#include "services/questionnaire/model/builtin_models.h"
#include "services/questionnaire/model/model_json.h"

int main() {
  namespace q = ::lagom::questionnaire;
  const q::BuiltinModel& builtin = q::BuiltinModels().front();
  std::cout << q::ModelDocumentToJson(q::DocumentOf(builtin.model, builtin.versions.back()));
  return 0;
}
