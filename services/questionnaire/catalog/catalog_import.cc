#include "services/questionnaire/catalog/catalog_import.h"

#include <csv.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "services/questionnaire/catalog/catalog_rules.h"
#include "services/questionnaire/model/model_json.h"

namespace lagom::questionnaire {
namespace {

namespace catalog = ::lagom::catalog::v1;
using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Json = nlohmann::ordered_json;

// Errors listed in one response; a file with more gets a last line saying how many are left.
constexpr size_t kMaxListedErrors = 1000;
constexpr absl::string_view kByteOrderMark = "\xEF\xBB\xBF";

enum class AppliesTo { kBoth, kOrganization, kService };

struct ColumnRule {
  const char* name;
  AppliesTo applies;
};

// One line per CatalogRow field, in the order docs/import.md lists them.
constexpr ColumnRule kColumnRules[] = {
    {"record_type", AppliesTo::kBoth},
    {"external_id", AppliesTo::kBoth},
    {"display_name", AppliesTo::kBoth},
    {"description", AppliesTo::kBoth},
    {"contact_name", AppliesTo::kOrganization},
    {"contact_email", AppliesTo::kOrganization},
    {"industry", AppliesTo::kOrganization},
    {"country_code", AppliesTo::kOrganization},
    {"language_tag", AppliesTo::kOrganization},
    {"owner", AppliesTo::kService},
    {"owner_email", AppliesTo::kService},
    {"category", AppliesTo::kService},
    {"lifecycle_stage", AppliesTo::kService},
    {"service_level_summary", AppliesTo::kService},
    {"service_level_support_hours", AppliesTo::kService},
    {"service_level_agreement_reference", AppliesTo::kService},
    {"service_level_availability_target_percent", AppliesTo::kService},
    {"customer_organization_external_ids", AppliesTo::kService},
    {"labels", AppliesTo::kBoth},
};
constexpr absl::string_view kRequiredColumns[] = {"record_type", "external_id", "display_name"};

bool IsRequired(absl::string_view name) {
  return std::find(std::begin(kRequiredColumns), std::end(kRequiredColumns), name) !=
         std::end(kRequiredColumns);
}

std::string AllowedColumns() {
  std::vector<std::string> names;
  for (const ColumnRule& rule : kColumnRules) names.emplace_back(rule.name);
  return absl::StrJoin(names, ", ");
}

const Descriptor& RowDescriptor() { return *catalog::CatalogRow::descriptor(); }

catalog::ImportRowError RowError(const ImportRow& row, std::string field, std::string message,
                                 absl::string_view reason = "FIELD_INVALID") {
  catalog::ImportRowError error;
  error.set_row(row.row);
  error.set_external_id(row.data.external_id());
  error.set_field(std::move(field));
  error.set_message(std::move(message));
  error.set_reason(std::string(reason));
  return error;
}

// INVALID_ARGUMENT / PAYLOAD_INVALID: "<what>: <first problem> (and N more)", every problem a
// violation of "payload".
absl::Status PayloadInvalid(absl::string_view what, const std::vector<std::string>& problems) {
  Violations v;
  for (const std::string& problem : problems) v.Add("payload", problem);
  return WithReason(std::move(v).ToStatus(what), "PAYLOAD_INVALID");
}

// --- Enum values by their short names ---------------------------------------------------------

// CATALOG_RECORD_TYPE_SERVICE is "service" (record types are written in lower case, as the
// resource kinds); SERVICE_LIFECYCLE_STAGE_LIVE is "LIVE".
std::string ShortName(const FieldDescriptor& f, const EnumValueDescriptor& value) {
  absl::string_view prefix = f.enum_type()->value(0)->name();
  absl::ConsumeSuffix(&prefix, "UNSPECIFIED");
  std::string name(absl::StripPrefix(value.name(), prefix));
  return f.name() == "record_type" ? absl::AsciiStrToLower(name) : name;
}

std::string AllowedValues(const FieldDescriptor& f) {
  std::vector<std::string> names;
  for (int i = 0; i < f.enum_type()->value_count(); ++i) {
    const EnumValueDescriptor& value = *f.enum_type()->value(i);
    if (value.number() != 0) names.push_back(ShortName(f, value));
  }
  return absl::StrJoin(names, ", ");
}

// The value named `text`: its short name or full name, in any case.
const EnumValueDescriptor* FindEnumValue(const FieldDescriptor& f, absl::string_view text) {
  for (int i = 0; i < f.enum_type()->value_count(); ++i) {
    const EnumValueDescriptor& value = *f.enum_type()->value(i);
    if (value.number() != 0 && (absl::EqualsIgnoreCase(text, ShortName(f, value)) ||
                                absl::EqualsIgnoreCase(text, value.name()))) {
      return &value;
    }
  }
  return nullptr;
}

std::string UnknownEnumValue(const FieldDescriptor& f, absl::string_view text) {
  return absl::StrCat("unknown ", f.name(), " \"", text, "\" (allowed: ", AllowedValues(f), ")");
}

// --- One CSV cell into a CatalogRow field -----------------------------------------------------

// Sets `f` from a cell's text; an empty cell leaves it unset. Returns what is wrong, or "".
std::string SetFromCell(const FieldDescriptor& f, absl::string_view text,
                        catalog::CatalogRow& row) {
  if (text.empty()) return "";
  const Reflection& reflection = *row.GetReflection();
  if (f.is_map()) {  // labels: key=value;key=value
    for (absl::string_view entry : absl::StrSplit(text, ';', absl::SkipWhitespace())) {
      std::pair<absl::string_view, absl::string_view> kv =
          absl::StrSplit(entry, absl::MaxSplits('=', 1));
      const std::string key(absl::StripAsciiWhitespace(kv.first));
      if (!absl::StrContains(entry, '=') || key.empty()) {
        return absl::StrCat("\"", absl::StripAsciiWhitespace(entry),
                            "\" is not key=value (write labels as key=value;key=value)");
      }
      if (!row.mutable_labels()
               ->insert({key, std::string(absl::StripAsciiWhitespace(kv.second))})
               .second) {
        return absl::StrCat("label \"", key, "\" is given twice");
      }
    }
    return "";
  }
  if (f.is_repeated()) {  // external ids separated by ";"
    for (absl::string_view item : absl::StrSplit(text, ';', absl::SkipWhitespace())) {
      reflection.AddString(&row, &f, std::string(absl::StripAsciiWhitespace(item)));
    }
    return "";
  }
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* value = FindEnumValue(f, text);
      if (value == nullptr) return UnknownEnumValue(f, text);
      reflection.SetEnumValue(&row, &f, value->number());
      return "";
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double number = 0;
      if (!absl::SimpleAtod(text, &number) || !std::isfinite(number)) {
        return absl::StrCat("\"", text, "\" is not a number like 99.5");
      }
      reflection.SetDouble(&row, &f, number);
      return "";
    }
    default:
      reflection.SetString(&row, &f, std::string(text));
      return "";
  }
}

bool IsSet(const catalog::CatalogRow& row, const FieldDescriptor& f) {
  const Reflection& reflection = *row.GetReflection();
  return f.is_repeated() ? reflection.FieldSize(row, &f) > 0 : reflection.HasField(row, &f);
}

// --- Checks of one row ------------------------------------------------------------------------

// A resource rule's path ("row.service_level.summary") as the column it came from.
std::string ColumnOfPath(absl::string_view path, std::string* key) {
  absl::ConsumePrefix(&path, "row.");
  if (absl::ConsumePrefix(&path, "service_level.")) return absl::StrCat("service_level_", path);
  if (path == "customer_organizations") return "customer_organization_external_ids";
  if (absl::ConsumePrefix(&path, "labels.")) {
    *key = std::string(path);
    return "labels";
  }
  return std::string(path);
}

// Required fields, fields of the other record type, and the resources' own field rules; a
// field that already has an error gets no second one.
void CheckRow(const ImportRow& row, std::vector<catalog::ImportRowError>& errors) {
  std::set<std::string> failed;
  for (const catalog::ImportRowError& e : errors) failed.insert(e.field());
  // A row that could not be split into fields has nothing more to check.
  for (const catalog::ImportRowError& e : errors) {
    if (e.field().empty()) return;
  }
  const auto add = [&](const std::string& field, std::string message,
                       absl::string_view reason = "FIELD_INVALID") {
    if (failed.insert(field).second)
      errors.push_back(RowError(row, field, std::move(message), reason));
  };
  const catalog::CatalogRow& d = row.data;
  if (d.record_type() == catalog::CATALOG_RECORD_TYPE_UNSPECIFIED) {
    add("record_type",
        absl::StrCat("required: ", AllowedValues(*RowDescriptor().FindFieldByName("record_type"))),
        "FIELD_REQUIRED");
  } else if (!catalog::CatalogRecordType_IsValid(d.record_type())) {
    // A number (JSON rows may give one) that names no record type: not taken for either.
    add("record_type",
        absl::StrCat(d.record_type(), " is not a record type; allowed: ",
                     AllowedValues(*RowDescriptor().FindFieldByName("record_type"))));
    return;
  }
  if (absl::StripAsciiWhitespace(d.external_id()).empty()) {
    add("external_id", "required: the record's id in the ITSM platform, e.g. a ServiceNow sys_id",
        "FIELD_REQUIRED");
  }
  if (absl::StripAsciiWhitespace(d.display_name()).empty()) {
    add("display_name", "required: the name shown to people", "FIELD_REQUIRED");
  }
  if (d.record_type() == catalog::CATALOG_RECORD_TYPE_UNSPECIFIED) return;

  const AppliesTo other = row.IsService() ? AppliesTo::kOrganization : AppliesTo::kService;
  for (const ColumnRule& rule : kColumnRules) {
    if (rule.applies == other && IsSet(d, *RowDescriptor().FindFieldByName(rule.name))) {
      add(rule.name,
          row.IsService()
              ? "applies to customer organisations only; leave it empty on service rows"
              : "applies to services only; leave it empty on customer_organization rows");
    }
  }

  Violations v;
  if (row.IsService()) {
    catalog::ItService service;
    ApplyRow(row,
             {d.customer_organization_external_ids().begin(),
              d.customer_organization_external_ids().end()},
             service);
    ValidateItService(service, "row", v);
  } else {
    catalog::CustomerOrganization organization;
    ApplyRow(row, organization);
    ValidateCustomerOrganization(organization, "row", v);
  }
  if (v.empty()) return;
  for (const FieldViolation& violation : ViolationsOf(std::move(v).ToStatus(""))) {
    std::string key;
    std::string column = ColumnOfPath(violation.field, &key);
    add(column, key.empty() ? violation.description
                            : absl::StrCat("label \"", key, "\": ", violation.description));
  }
}

// Collects rows in order: a row with any error is left out and its errors listed; an
// external_id seen before for the same record type is an error of the later row.
class RowCollector final {
 public:
  // `read_whole`: every field of the row was read, so its values can be checked.
  void Add(ImportRow row, std::vector<catalog::ImportRowError> errors, bool read_whole = true) {
    if (read_whole) CheckRow(row, errors);
    const catalog::CatalogRow& d = row.data;
    if (d.record_type() != catalog::CATALOG_RECORD_TYPE_UNSPECIFIED && !d.external_id().empty()) {
      auto [it, fresh] =
          first_row_.emplace(std::make_pair(d.record_type(), d.external_id()), row.row);
      if (!fresh) {
        errors.push_back(
            RowError(row, "external_id",
                     absl::StrCat("external_id \"", d.external_id(), "\" is also on row ",
                                  it->second, ": one row per record type and external_id"),
                     "ALREADY_EXISTS"));
      }
    }
    if (errors.empty()) {
      out_.rows.push_back(std::move(row));
      return;
    }
    if (!row.IsService() && !d.external_id().empty()) {
      out_.invalid_organization_ids.insert(d.external_id());
    }
    for (catalog::ImportRowError& e : errors) {
      ++error_count_;
      if (static_cast<size_t>(out_.errors.size()) < kMaxListedErrors) {
        out_.errors.push_back(std::move(e));
      }
    }
  }

  ParsedImport Take() && {
    if (const size_t listed = out_.errors.size(); error_count_ > listed) {
      catalog::ImportRowError& more = out_.errors.emplace_back();
      more.set_message(absl::StrCat(error_count_ - listed,
                                    " more errors are not listed; fix these and import again"));
      more.set_reason("FIELD_INVALID");
    }
    return std::move(out_);
  }

 private:
  ParsedImport out_;
  size_t error_count_ = 0;
  std::map<std::pair<int, std::string>, int> first_row_;
};

absl::Status TooManyRows(size_t rows) {
  Violations v;
  v.Add("payload", absl::StrCat("at most ", kMaxImportRows, " rows per import; this one has ", rows,
                                ": split the export"));
  return std::move(v).ToStatus("invalid import request");
}

// --- CSV --------------------------------------------------------------------------------------

// The records of a CSV text, read by libcsv in strict mode (RFC 4180 quoting). Unquoted
// fields lose surrounding spaces and tabs; blank lines are skipped.
class CsvRecords final {
 public:
  CsvRecords() { csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI); }
  ~CsvRecords() { csv_free(&parser_); }
  CsvRecords(const CsvRecords&) = delete;
  CsvRecords& operator=(const CsvRecords&) = delete;

  // Reads all of `text`; returns what makes it malformed, or "".
  std::string Read(absl::string_view text) {
    size_t done = csv_parse(&parser_, text.data(), text.size(), OnField, OnRecord, this);
    if (done < text.size()) return Malformed(text, done);
    if (csv_fini(&parser_, OnField, OnRecord, this) != 0) {
      return "a quoted field is not closed: the file ends inside double quotes";
    }
    return "";
  }

  // The header and at most kMaxImportRows records after it, each with at most one field more
  // than a CatalogRow has: what a valid import can use. The rest is only counted, so a payload
  // of millions of short lines or empty fields costs no more memory than a valid one.
  std::vector<std::vector<std::string>>& records() { return records_; }
  // Records in the payload, the header included.
  size_t record_count() const { return fields_per_record_.size(); }
  // Fields of stored record `i` in the payload.
  size_t field_count(size_t i) const { return fields_per_record_[i]; }

 private:
  static void OnField(void* data, size_t size, void* self) {
    auto* reader = static_cast<CsvRecords*>(self);
    if (++reader->fields_ <= static_cast<size_t>(RowDescriptor().field_count()) + 1 &&
        reader->records_.size() <= static_cast<size_t>(kMaxImportRows)) {
      reader->field_.emplace_back(static_cast<const char*>(data), size);
    }
  }
  static void OnRecord(int /*terminator*/, void* self) {
    auto* reader = static_cast<CsvRecords*>(self);
    if (reader->records_.size() <= static_cast<size_t>(kMaxImportRows)) {
      reader->records_.push_back(std::move(reader->field_));
    }
    reader->fields_per_record_.push_back(reader->fields_);
    reader->field_.clear();
    reader->fields_ = 0;
  }

  std::string Malformed(absl::string_view text, size_t done) {
    if (csv_error(&parser_) != CSV_EPARSE) return csv_strerror(csv_error(&parser_));
    const size_t line = 1 + std::count(text.begin(), text.begin() + done, '\n');
    return absl::StrCat("line ", line,
                        ": a double quote inside an unquoted field, or text after a closing quote "
                        "(RFC 4180: enclose such a field in double quotes and double each quote "
                        "inside it)");
  }

  csv_parser parser_;
  std::vector<std::string> field_;
  size_t fields_ = 0;  // of the record being read
  std::vector<std::vector<std::string>> records_;
  std::vector<size_t> fields_per_record_;
};

// The header's columns as CatalogRow fields, or the problems that make it unusable.
absl::StatusOr<std::vector<const FieldDescriptor*>> ReadHeader(
    const std::vector<std::string>& header) {
  std::vector<std::string> problems;
  std::vector<const FieldDescriptor*> columns;
  std::set<std::string> seen;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(header[i]));
    const FieldDescriptor* f = RowDescriptor().FindFieldByName(name);
    if (name.empty()) {
      problems.push_back(absl::StrCat("column ", i + 1, " of the header has no name"));
    } else if (f == nullptr) {
      problems.push_back(
          absl::StrCat("unknown column \"", header[i], "\" (allowed: ", AllowedColumns(), ")"));
    } else if (!seen.insert(name).second) {
      problems.push_back(absl::StrCat("column \"", name, "\" appears twice"));
    }
    columns.push_back(f);
  }
  for (absl::string_view required : kRequiredColumns) {
    if (!seen.contains(std::string(required))) {
      problems.push_back(absl::StrCat("missing required column \"", required, "\""));
    }
  }
  if (!problems.empty()) return PayloadInvalid("the CSV header is not usable", problems);
  return columns;
}

absl::StatusOr<ParsedImport> ParseCsv(absl::string_view text) {
  absl::ConsumePrefix(&text, kByteOrderMark);
  const size_t valid = google::protobuf::internal::UTF8SpnStructurallyValid(
      google::protobuf::StringPiece(text.data(), text.size()));
  if (valid < text.size()) {
    const size_t line = 1 + std::count(text.begin(), text.begin() + valid, '\n');
    return PayloadInvalid("the CSV payload is not UTF-8",
                          {absl::StrCat("line ", line, " (byte ", valid + 1,
                                        ") is not UTF-8: export the file as UTF-8")});
  }
  CsvRecords csv;
  if (std::string malformed = csv.Read(text); !malformed.empty()) {
    return PayloadInvalid("the CSV payload cannot be read", {malformed});
  }
  std::vector<std::vector<std::string>>& records = csv.records();
  if (records.empty()) {
    return PayloadInvalid("the CSV payload is empty",
                          {absl::StrCat("empty: expected a header row naming the columns (",
                                        AllowedColumns(), ") and a row per record")});
  }
  absl::StatusOr<std::vector<const FieldDescriptor*>> columns = ReadHeader(records[0]);
  if (!columns.ok()) return columns.status();
  if (csv.record_count() - 1 > static_cast<size_t>(kMaxImportRows)) {
    return TooManyRows(csv.record_count() - 1);
  }

  std::set<std::string> given;
  for (const FieldDescriptor* f : *columns) given.insert(f->name());
  RowCollector collector;
  for (size_t i = 1; i < records.size(); ++i) {
    const std::vector<std::string>& cells = records[i];
    ImportRow row{.row = static_cast<int>(i), .data = {}, .given = given};
    std::vector<catalog::ImportRowError> errors;
    for (size_t c = 0; c < cells.size() && c < columns->size(); ++c) {
      if ((*columns)[c]->name() == "external_id") row.data.set_external_id(cells[c]);
    }
    if (csv.field_count(i) != columns->size()) {
      errors.push_back(
          RowError(row, "",
                   absl::StrCat("has ", csv.field_count(i), " fields but the header has ",
                                columns->size(), " (quote fields that contain commas)")));
      collector.Add(std::move(row), std::move(errors));
      continue;
    }
    for (size_t c = 0; c < cells.size(); ++c) {
      const FieldDescriptor& f = *(*columns)[c];
      if (std::string problem = SetFromCell(f, cells[c], row.data); !problem.empty()) {
        errors.push_back(RowError(row, f.name(), std::move(problem)));
      }
    }
    collector.Add(std::move(row), std::move(errors));
  }
  return std::move(collector).Take();
}

// --- JSON -------------------------------------------------------------------------------------

const FieldDescriptor* FindRowField(const std::string& key) {
  const Descriptor& d = RowDescriptor();
  for (int i = 0; i < d.field_count(); ++i) {
    if (d.field(i)->name() == key || d.field(i)->json_name() == key) return d.field(i);
  }
  return nullptr;
}

// Reads one element of "rows". Enum values may be short names ("service", "LIVE"), as in CSV.
void ReadJsonRow(Json element, int number, RowCollector& collector) {
  ImportRow row{.row = number, .data = {}, .given = {}};
  std::vector<catalog::ImportRowError> errors;
  if (!element.is_object()) {
    errors.push_back(RowError(row, "", "expected an object (a CatalogRow)"));
    return collector.Add(std::move(row), std::move(errors));
  }
  for (const char* key : {"external_id", "externalId"}) {  // for the errors' external_id
    if (auto it = element.find(key); it != element.end() && it->is_string()) {
      row.data.set_external_id(it->get<std::string>());
    }
  }
  for (auto& [key, value] : element.items()) {
    const FieldDescriptor* f = FindRowField(key);
    if (f == nullptr) continue;  // CheckJson names it
    row.given.insert(f->name());
    if (f->enum_type() != nullptr && value.is_string() &&
        value.get_ref<const std::string&>().empty()) {
      value = nullptr;  // "" clears the field, as null and an empty CSV cell do
    } else if (f->enum_type() != nullptr && value.is_string()) {
      const EnumValueDescriptor* enum_value =
          FindEnumValue(*f, value.get_ref<const std::string&>());
      if (enum_value == nullptr) {
        errors.push_back(
            RowError(row, f->name(), UnknownEnumValue(*f, value.get_ref<const std::string&>())));
        value = nullptr;
      } else {
        value = enum_value->name();
      }
    }
  }
  // Checked as parsed before anything walks it: a row may nest values arbitrarily deep (within
  // the payload limit), and serializing such a value recurses once per level.
  for (FieldViolation& problem : CheckParsedJson(element, RowDescriptor(), "", 20)) {
    errors.push_back(RowError(row, std::move(problem.field), std::move(problem.description)));
  }
  if (errors.empty()) {
    auto parsed = google::protobuf::util::JsonStringToMessage(element.dump(), &row.data);
    if (!parsed.ok()) errors.push_back(RowError(row, "", parsed.message().as_string()));
  }
  const bool read_whole = errors.empty();
  collector.Add(std::move(row), std::move(errors), read_whole);
}

absl::StatusOr<ParsedImport> ParseJson(absl::string_view text) {
  Json document;
  try {
    document = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    return PayloadInvalid("the JSON payload cannot be read", {JsonParseProblem(e)});
  }
  constexpr char kShape[] = "expected a JSON object {\"rows\": [{...}, ...]}";
  if (!document.is_object()) return PayloadInvalid("the JSON payload cannot be read", {kShape});
  std::vector<std::string> problems;
  for (const auto& [key, value] : document.items()) {
    if (key != "rows")
      problems.push_back(absl::StrCat("unknown field \"", key, "\" (allowed: rows)"));
  }
  if (!document.contains("rows") || !document["rows"].is_array()) {
    problems.push_back(absl::StrCat("\"rows\" must be a list; ", kShape));
  }
  if (!problems.empty()) return PayloadInvalid("the JSON payload cannot be read", problems);
  Json& rows = document["rows"];
  if (rows.size() > static_cast<size_t>(kMaxImportRows)) return TooManyRows(rows.size());
  RowCollector collector;
  for (size_t i = 0; i < rows.size(); ++i) {
    ReadJsonRow(std::move(rows[i]), static_cast<int>(i + 1), collector);
  }
  return std::move(collector).Take();
}

// Copies the string fields the row gives whose name the resource shares (display_name,
// contact_email, owner, ...).
void CopyGivenStrings(const ImportRow& row, Message& resource) {
  const Reflection& from = *row.data.GetReflection();
  const Reflection& to = *resource.GetReflection();
  for (const std::string& name : row.given) {
    const FieldDescriptor* src = RowDescriptor().FindFieldByName(name);
    const FieldDescriptor* dst = resource.GetDescriptor()->FindFieldByName(name);
    if (src != nullptr && dst != nullptr && !src->is_repeated() && !dst->is_repeated() &&
        src->type() == FieldDescriptor::TYPE_STRING &&
        dst->type() == FieldDescriptor::TYPE_STRING) {
      to.SetString(&resource, dst, from.GetString(row.data, src));
    }
  }
}

}  // namespace

absl::StatusOr<ParsedImport> ParseImportPayload(catalog::ImportFormat format,
                                                absl::string_view payload) {
  Violations v;
  if (format != catalog::IMPORT_FORMAT_CSV && format != catalog::IMPORT_FORMAT_JSON) {
    v.Add("format", "required: IMPORT_FORMAT_CSV or IMPORT_FORMAT_JSON");
  }
  if (payload.size() > kMaxImportPayloadBytes) {
    v.Add("payload", absl::StrCat("at most ", kMaxImportPayloadBytes,
                                  " bytes (4 MiB) per import; this one has ", payload.size(),
                                  ": split the export"));
  }
  if (!v.empty()) return std::move(v).ToStatus("invalid import request");
  if (absl::StripAsciiWhitespace(absl::StripPrefix(payload, kByteOrderMark)).empty()) {
    return PayloadInvalid("the payload is empty",
                          {format == catalog::IMPORT_FORMAT_CSV
                               ? "empty: expected a header row naming the columns and a row per "
                                 "record"
                               : "empty: expected a JSON object {\"rows\": [{...}, ...]}"});
  }
  return format == catalog::IMPORT_FORMAT_CSV ? ParseCsv(payload) : ParseJson(payload);
}

void ApplyRow(const ImportRow& row, catalog::CustomerOrganization& r) {
  CopyGivenStrings(row, r);
  if (row.Given("labels")) *r.mutable_labels() = row.data.labels();
}

void ApplyRow(const ImportRow& row, const std::vector<std::string>& organizations,
              catalog::ItService& r) {
  const catalog::CatalogRow& d = row.data;
  CopyGivenStrings(row, r);
  if (row.Given("labels")) *r.mutable_labels() = d.labels();
  if (row.Given("lifecycle_stage")) {
    r.set_lifecycle_stage(d.lifecycle_stage() == catalog::SERVICE_LIFECYCLE_STAGE_UNSPECIFIED
                              ? catalog::SERVICE_LIFECYCLE_STAGE_LIVE
                              : d.lifecycle_stage());
  }
  catalog::ServiceLevelSummary& sl = *r.mutable_service_level();
  if (row.Given("service_level_summary")) sl.set_summary(d.service_level_summary());
  if (row.Given("service_level_support_hours"))
    sl.set_support_hours(d.service_level_support_hours());
  if (row.Given("service_level_agreement_reference")) {
    sl.set_agreement_reference(d.service_level_agreement_reference());
  }
  if (row.Given("service_level_availability_target_percent")) {
    if (d.has_service_level_availability_target_percent()) {
      sl.set_availability_target_percent(d.service_level_availability_target_percent());
    } else {
      sl.clear_availability_target_percent();
    }
  }
  // All empty is the same as none, so a re-import does not count it as a change.
  if (sl.ByteSizeLong() == 0) r.clear_service_level();
  if (row.Given("customer_organization_external_ids")) {
    r.mutable_customer_organizations()->Assign(organizations.begin(), organizations.end());
  }
}

std::vector<ImportColumn> ImportColumns() {
  std::vector<ImportColumn> out;
  for (const ColumnRule& rule : kColumnRules) {
    out.push_back({rule.name,
                   rule.applies == AppliesTo::kBoth           ? "both"
                   : rule.applies == AppliesTo::kOrganization ? "customer_organization"
                                                              : "service",
                   IsRequired(rule.name)});
  }
  return out;
}

}  // namespace lagom::questionnaire
