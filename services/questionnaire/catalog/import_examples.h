// For tests: the example import files of docs/examples (LAGOM_DOCS_EXAMPLES_DIR is set by the
// build), so the documented examples are checked on every run.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_IMPORT_EXAMPLES_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_IMPORT_EXAMPLES_H_

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace lagom::questionnaire {

// The bytes of docs/examples/<name>; a missing or empty file fails the calling test.
inline std::string ReadImportExample(const std::string& name) {
  std::ifstream in(std::string(LAGOM_DOCS_EXAMPLES_DIR) + "/" + name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << "docs/examples/" << name << " is missing or empty";
  return text.str();
}

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_IMPORT_EXAMPLES_H_
