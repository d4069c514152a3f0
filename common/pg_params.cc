#include "common/pg_params.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace lagom {

std::string PgArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string PgByteaElement(const std::string& bytes) {
  return absl::StrCat("\\x", absl::BytesToHexString(bytes));
}

}  // namespace lagom
