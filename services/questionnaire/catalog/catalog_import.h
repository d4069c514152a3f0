// Catalogue import files (ImportCatalog): reading a CSV or JSON export into rows, every check a
// row can get without storage, and how a row changes a resource. No storage or gRPC types;
// CatalogCore::ImportCatalog matches the rows to stored resources. docs/import.md describes the
// columns for users.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_CATALOG_IMPORT_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_CATALOG_IMPORT_H_

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lagom/catalog/v1/catalog.pb.h"

namespace lagom::questionnaire {

// Largest payload and most rows one import takes (docs/security.md).
inline constexpr size_t kMaxImportPayloadBytes = size_t{4} << 20;
inline constexpr int kMaxImportRows = 10000;
// The questionnaire server's request size limit: a 4 MiB payload and the rest of the request,
// so an oversized payload gets ImportCatalog's own error rather than gRPC's.
inline constexpr int kMaxImportRequestBytes = (4 << 20) + (64 << 10);

// One readable row of an import.
struct ImportRow {
  int row = 0;  // 1-based data row (CSV: the header is row 0; JSON: index in "rows" + 1)
  ::lagom::catalog::v1::CatalogRow data;
  // CatalogRow field names the row gives (CSV: the header's columns; JSON: the row's keys).
  // A field not given leaves the stored resource's field as it is; given but empty clears it.
  std::set<std::string> given;

  bool Given(absl::string_view field) const { return given.contains(std::string(field)); }
  bool IsService() const {
    return data.record_type() == ::lagom::catalog::v1::CATALOG_RECORD_TYPE_SERVICE;
  }
};

struct ParsedImport {
  std::vector<ImportRow> rows;                               // rows without errors, in order
  std::vector<::lagom::catalog::v1::ImportRowError> errors;  // in row order
  // external_ids of customer organisation rows with errors: services naming them get no
  // second error for it.
  std::set<std::string> invalid_organization_ids;
};

// Reads `payload` as `format` and checks each row on its own. A payload that cannot be read as
// a whole fails with INVALID_ARGUMENT: reason PAYLOAD_INVALID (not CSV or JSON, not UTF-8,
// empty, unknown or missing columns), or FIELD_INVALID on "format" or "payload" (format unset,
// over 4 MiB or 10 000 rows). Problems of single rows are returned as errors: values that do
// not convert, required fields, fields of the other record type, the resources' field rules
// and an external_id that appears twice for one record type.
absl::StatusOr<ParsedImport> ParseImportPayload(::lagom::catalog::v1::ImportFormat format,
                                                absl::string_view payload);

// Sets the fields `row` gives on `r`: a copy of the stored resource, or an empty one.
void ApplyRow(const ImportRow& row, ::lagom::catalog::v1::CustomerOrganization& r);
// `organizations`: the resource names of row's customer_organization_external_ids, in order.
void ApplyRow(const ImportRow& row, const std::vector<std::string>& organizations,
              ::lagom::catalog::v1::ItService& r);

// Every CatalogRow field (the CSV columns), with the record types it applies to, for
// documentation and tests: "external_id" -> "both", "owner" -> "service", ...
struct ImportColumn {
  std::string name;
  std::string applies_to;  // "both", "customer_organization" or "service"
  bool required;
};
std::vector<ImportColumn> ImportColumns();

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_CATALOG_IMPORT_H_
