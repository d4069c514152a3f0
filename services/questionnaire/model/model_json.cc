#include "services/questionnaire/model/model_json.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace lagom::questionnaire {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
// Objects keep the document's key order, so problems are reported in file order.
using Json = nlohmann::ordered_json;

// Descriptors nest at most a handful of levels; this only guards against a recursive schema.
constexpr int kMaxDepth = 32;

// Well-known types whose JSON form is a string.
bool IsStringWrapped(const Descriptor& d) {
  const std::string& n = d.full_name();
  return n == "google.protobuf.Timestamp" || n == "google.protobuf.Duration" ||
         n == "google.protobuf.FieldMask";
}

std::string JsonTypeName(const Json& j) {
  if (j.is_number_integer()) return "an integer";
  if (j.is_number()) return "a number";
  if (j.is_string()) return absl::StrCat("the string \"", j.get_ref<const std::string&>(), "\"");
  if (j.is_boolean()) return "a boolean";
  if (j.is_array()) return "a list";
  if (j.is_object()) return "an object";
  return "null";
}

std::string EnumValueNames(const EnumDescriptor& e) {
  std::vector<std::string> names;
  for (int i = 0; i < e.value_count(); ++i) {
    if (e.value(i)->number() != 0) names.push_back(e.value(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

std::string FieldNames(const Descriptor& d) {
  std::vector<std::string> names;
  for (int i = 0; i < d.field_count(); ++i) names.push_back(d.field(i)->name());
  return absl::StrJoin(names, ", ");
}

// An integer given as a JSON number or a quoted decimal, within [min, max].
bool IntegerInRange(const Json& j, double min, double max) {
  double value = 0;
  if (j.is_number_integer()) {
    value = j.is_number_unsigned() ? static_cast<double>(j.get<uint64_t>())
                                   : static_cast<double>(j.get<int64_t>());
  } else if (j.is_number_float()) {
    value = j.get<double>();
    if (std::trunc(value) != value) return false;
  } else if (j.is_string()) {
    int64_t parsed = 0;
    uint64_t uparsed = 0;
    const std::string& s = j.get_ref<const std::string&>();
    if (absl::SimpleAtoi(s, &parsed)) {
      value = static_cast<double>(parsed);
    } else if (absl::SimpleAtoi(s, &uparsed)) {
      value = static_cast<double>(uparsed);
    } else {
      return false;
    }
  } else {
    return false;
  }
  return value >= min && value <= max;
}

class JsonChecker final {
 public:
  explicit JsonChecker(size_t max) : max_(max) {}

  void CheckMessage(const Json& j, const Descriptor& d, const std::string& path, int depth) {
    if (full()) return;
    if (depth > kMaxDepth) return Add(path, "nested too deeply");
    if (!j.is_object()) {
      return Add(path, absl::StrCat("expected an object (", d.name(), "), got ", JsonTypeName(j)));
    }
    std::set<int> seen;
    for (const auto& [key, value] : j.items()) {
      const FieldDescriptor* f = FindField(d, key);
      if (f == nullptr) {
        Add(Join(path, key), absl::StrCat("unknown field \"", key, "\" of ", d.name(),
                                          " (allowed: ", FieldNames(d), ")"));
        continue;
      }
      const std::string field_path = Join(path, f->name());
      if (!seen.insert(f->number()).second) {
        Add(field_path, absl::StrCat("given twice (as ", f->name(), " and ", f->json_name(), ")"));
        continue;
      }
      if (value.is_null()) continue;  // null means "not set" in proto3 JSON
      CheckField(value, *f, field_path, depth);
    }
  }

  std::vector<FieldViolation> Take() && { return std::move(out_); }
  void Add(std::string path, std::string description) {
    if (!full()) out_.push_back({std::move(path), std::move(description)});
  }

 private:
  bool full() const { return out_.size() >= max_; }

  static std::string Join(const std::string& path, absl::string_view name) {
    return path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
  }

  static const FieldDescriptor* FindField(const Descriptor& d, const std::string& key) {
    for (int i = 0; i < d.field_count(); ++i) {
      const FieldDescriptor* f = d.field(i);
      if (f->name() == key || f->json_name() == key) return f;
    }
    return nullptr;
  }

  void CheckField(const Json& j, const FieldDescriptor& f, const std::string& path, int depth) {
    if (f.is_map()) {
      if (!j.is_object()) {
        return Add(path, absl::StrCat("expected an object (a map), got ", JsonTypeName(j)));
      }
      // Keys are JSON strings already; non-string key types are left to protobuf's parser.
      const FieldDescriptor& value_field = *f.message_type()->map_value();
      for (const auto& [key, value] : j.items()) {
        const std::string entry_path = absl::StrCat(path, "[", key, "]");
        if (value.is_null()) {
          Add(entry_path, "null is not allowed as a map value");
          continue;
        }
        CheckSingular(value, value_field, entry_path, depth);
      }
      return;
    }
    if (f.is_repeated()) {
      if (!j.is_array()) return Add(path, absl::StrCat("expected a list, got ", JsonTypeName(j)));
      for (size_t i = 0; i < j.size() && !full(); ++i) {
        const std::string element_path = absl::StrCat(path, "[", i, "]");
        if (j[i].is_null()) {
          Add(element_path, "null is not allowed in a list");
          continue;
        }
        CheckSingular(j[i], f, element_path, depth);
      }
      return;
    }
    CheckSingular(j, f, path, depth);
  }

  void CheckSingular(const Json& j, const FieldDescriptor& f, const std::string& path, int depth) {
    switch (f.cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (IsStringWrapped(*f.message_type())) {
          if (!j.is_string()) {
            Add(path, absl::StrCat("expected a string (", f.message_type()->name(), "), got ",
                                   JsonTypeName(j)));
          }
          return;
        }
        return CheckMessage(j, *f.message_type(), path, depth + 1);
      case FieldDescriptor::CPPTYPE_ENUM:
        return CheckEnum(j, f, path);
      case FieldDescriptor::CPPTYPE_STRING:
        if (!j.is_string()) {
          Add(path, absl::StrCat("expected a string, got ", JsonTypeName(j)));
        }
        return;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (!j.is_boolean())
          Add(path, absl::StrCat("expected true or false, got ", JsonTypeName(j)));
        return;
      case FieldDescriptor::CPPTYPE_INT32:
        return CheckInteger(j, path, std::numeric_limits<int32_t>::min(),
                            std::numeric_limits<int32_t>::max(), "a 32-bit integer");
      case FieldDescriptor::CPPTYPE_UINT32:
        return CheckInteger(j, path, 0, std::numeric_limits<uint32_t>::max(),
                            "an unsigned 32-bit integer");
      case FieldDescriptor::CPPTYPE_INT64:
        return CheckInteger(j, path, -9.223372036854775808e18, 9.223372036854775807e18,
                            "a 64-bit integer");
      case FieldDescriptor::CPPTYPE_UINT64:
        return CheckInteger(j, path, 0, 1.8446744073709551615e19, "an unsigned 64-bit integer");
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT:
        return CheckNumber(j, path);
    }
  }

  void CheckEnum(const Json& j, const FieldDescriptor& f, const std::string& path) {
    const EnumDescriptor& e = *f.enum_type();
    if (j.is_string()) {
      const std::string& name = j.get_ref<const std::string&>();
      if (e.FindValueByName(name) == nullptr) {
        Add(path, absl::StrCat("unknown ", f.name(), " \"", name,
                               "\" (allowed: ", EnumValueNames(e), ")"));
      }
    } else if (!IntegerInRange(j, std::numeric_limits<int32_t>::min(),
                               std::numeric_limits<int32_t>::max())) {
      Add(path, absl::StrCat("expected one of ", EnumValueNames(e), ", got ", JsonTypeName(j)));
    }
  }

  void CheckInteger(const Json& j, const std::string& path, double min, double max,
                    absl::string_view what) {
    if (!IntegerInRange(j, min, max)) {
      Add(path, absl::StrCat("expected ", what, ", got ", JsonTypeName(j)));
    }
  }

  void CheckNumber(const Json& j, const std::string& path) {
    if (j.is_number()) return;
    if (j.is_string()) {
      const std::string& s = j.get_ref<const std::string&>();
      double ignored = 0;
      if (s == "NaN" || s == "Infinity" || s == "-Infinity" || absl::SimpleAtod(s, &ignored)) {
        return;
      }
    }
    Add(path, absl::StrCat("expected a number, got ", JsonTypeName(j)));
  }

  const size_t max_;
  std::vector<FieldViolation> out_;
};

}  // namespace

std::string JsonParseProblem(const std::exception& e) {
  // "[json.exception.parse_error.101] parse error at line 3, column 5: ..." without the tag.
  absl::string_view what = e.what();
  if (size_t end = what.find("] "); end != absl::string_view::npos) what.remove_prefix(end + 2);
  return absl::StrCat("not valid JSON: ", what);
}

std::vector<FieldViolation> CheckJson(absl::string_view json, const Descriptor& descriptor,
                                      absl::string_view root_field, size_t max_violations) {
  Json parsed;
  try {
    parsed = Json::parse(json.begin(), json.end());
  } catch (const Json::exception& e) {
    return {{std::string(root_field), JsonParseProblem(e)}};
  }
  return CheckParsedJson(parsed, descriptor, root_field, max_violations);
}

std::vector<FieldViolation> CheckParsedJson(const nlohmann::ordered_json& parsed,
                                            const Descriptor& descriptor,
                                            absl::string_view root_field, size_t max_violations) {
  JsonChecker checker(max_violations);
  if (!parsed.is_object()) {
    checker.Add(std::string(root_field), absl::StrCat("expected a JSON object (", descriptor.name(),
                                                      "), got ", JsonTypeName(parsed)));
  } else {
    checker.CheckMessage(parsed, descriptor, "", 0);
  }
  return std::move(checker).Take();
}

std::vector<FieldViolation> ParseModelDocumentJson(absl::string_view json,
                                                   model_api::ModelDocument* document) {
  if (json.size() > kMaxModelDocumentBytes) {
    return {{"json", absl::StrCat("a model document is at most ", kMaxModelDocumentBytes,
                                  " bytes (4 MiB); this one has ", json.size())}};
  }
  std::vector<FieldViolation> violations = CheckJson(json, *model_api::ModelDocument::descriptor());
  if (!violations.empty()) return violations;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  document->Clear();
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), document, options);
  if (!parsed.ok()) {
    return {{"json", absl::StrCat("not a ModelDocument: ", parsed.message().as_string())}};
  }
  return {};
}

model_api::ModelDocument DocumentOf(const model_api::Model& model,
                                    const model_api::ModelVersion& version) {
  model_api::ModelDocument doc;
  doc.set_format(kModelDocumentFormat);
  model_api::Model& m = *doc.mutable_model();
  if (model.has_display_name()) *m.mutable_display_name() = model.display_name();
  if (model.has_description()) *m.mutable_description() = model.description();
  *m.mutable_labels() = model.labels();
  model_api::ModelVersion& v = *doc.mutable_model_version();
  v.set_version_label(version.version_label());
  if (version.has_release_notes()) *v.mutable_release_notes() = version.release_notes();
  if (version.has_content()) *v.mutable_content() = version.content();
  v.set_content_hash(version.content_hash());
  return doc;
}

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string ModelDocumentToJson(const model_api::ModelDocument& document) {
  // The JSON printer renders the wire bytes in order, so deterministic bytes (sorted map
  // entries) give deterministic JSON. The resolver only reads the immutable generated pool.
  static google::protobuf::util::TypeResolver* const resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          "type.googleapis.com", google::protobuf::DescriptorPool::generated_pool());
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  auto printed = google::protobuf::util::BinaryToJsonString(
      resolver, absl::StrCat("type.googleapis.com/", document.GetDescriptor()->full_name()),
      DeterministicBytes(document), &json, options);
  if (!printed.ok()) return "";  // only for a message the generated pool cannot describe
  return json;
}

}  // namespace lagom::questionnaire
