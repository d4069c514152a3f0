#include "services/gateway/openapi.h"

#include <deque>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/api/field_behavior.pb.h"

namespace lagom::gateway {
namespace {

namespace pb = ::google::protobuf;
using Json = nlohmann::ordered_json;

constexpr char kStatusType[] = "google.rpc.Status";

// A descriptor's leading comment, one space of indentation taken off each line.
template <typename Descriptor>
std::string Comment(const Descriptor& descriptor) {
  pb::SourceLocation location;
  if (!descriptor.GetSourceLocation(&location)) return "";
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(location.leading_comments, '\n')) {
    absl::ConsumePrefix(&line, " ");
    lines.emplace_back(absl::StripTrailingAsciiWhitespace(line));
  }
  return std::string(absl::StripAsciiWhitespace(absl::StrJoin(lines, "\n")));
}

std::string Ref(absl::string_view full_name) {
  return absl::StrCat("#/components/schemas/", full_name);
}

// Collects the message and enum types the document refers to, in the order first met.
class Schemas {
 public:
  Json RefTo(const pb::Descriptor& message) {
    Want(message.full_name(), &message, nullptr);
    return Json{{"$ref", Ref(message.full_name())}};
  }

  Json ForField(const pb::FieldDescriptor& field) {
    if (field.is_map()) {
      return Json{{"type", "object"},
                  {"additionalProperties", ForSingle(*field.message_type()->map_value())}};
    }
    Json single = ForSingle(field);
    if (!field.is_repeated()) return single;
    return Json{{"type", "array"}, {"items", single}};
  }

  // Every collected schema; schemas of the types they refer to are collected on the way.
  Json Build() {
    Json out = Json::object();
    while (!todo_.empty()) {
      auto [message, enumeration] = todo_.front();
      todo_.pop_front();
      if (message != nullptr) {
        out[message->full_name()] = MessageSchema(*message);
      } else {
        out[enumeration->full_name()] = EnumSchema(*enumeration);
      }
    }
    return out;
  }

 private:
  void Want(const std::string& name, const pb::Descriptor* message,
            const pb::EnumDescriptor* enumeration) {
    if (seen_.insert(name).second) todo_.emplace_back(message, enumeration);
  }

  Json ForSingle(const pb::FieldDescriptor& field) {
    switch (field.type()) {
      case pb::FieldDescriptor::TYPE_BOOL:
        return Json{{"type", "boolean"}};
      case pb::FieldDescriptor::TYPE_STRING:
        return Json{{"type", "string"}};
      case pb::FieldDescriptor::TYPE_BYTES:
        return Json{{"type", "string"}, {"format", "byte"}};
      case pb::FieldDescriptor::TYPE_INT32:
      case pb::FieldDescriptor::TYPE_SINT32:
      case pb::FieldDescriptor::TYPE_SFIXED32:
        return Json{{"type", "integer"}, {"format", "int32"}};
      case pb::FieldDescriptor::TYPE_UINT32:
      case pb::FieldDescriptor::TYPE_FIXED32:
        return Json{{"type", "integer"}, {"format", "int64"}, {"minimum", 0}};
      // 64-bit integers are JSON strings in the protobuf JSON mapping.
      case pb::FieldDescriptor::TYPE_INT64:
      case pb::FieldDescriptor::TYPE_SINT64:
      case pb::FieldDescriptor::TYPE_SFIXED64:
        return Json{{"type", "string"}, {"format", "int64"}};
      case pb::FieldDescriptor::TYPE_UINT64:
      case pb::FieldDescriptor::TYPE_FIXED64:
        return Json{{"type", "string"}, {"format", "uint64"}};
      case pb::FieldDescriptor::TYPE_DOUBLE:
        return Json{{"type", "number"}, {"format", "double"}};
      case pb::FieldDescriptor::TYPE_FLOAT:
        return Json{{"type", "number"}, {"format", "float"}};
      case pb::FieldDescriptor::TYPE_ENUM:
        Want(field.enum_type()->full_name(), nullptr, field.enum_type());
        return Json{{"$ref", Ref(field.enum_type()->full_name())}};
      default:
        return ForMessage(*field.message_type());
    }
  }

  // The well-known types have JSON forms of their own.
  Json ForMessage(const pb::Descriptor& message) {
    const std::string& name = message.full_name();
    if (name == "google.protobuf.Timestamp") {
      return Json{{"type", "string"}, {"format", "date-time"}};
    }
    if (name == "google.protobuf.Duration") {
      return Json{{"type", "string"},
                  {"description", "seconds with an \"s\" suffix, e.g. \"1.5s\""}};
    }
    if (name == "google.protobuf.FieldMask") {
      return Json{{"type", "string"},
                  {"description", "comma-separated field paths, e.g. \"title,description\""}};
    }
    if (name == "google.protobuf.Struct" || name == "google.protobuf.Empty") {
      return Json{{"type", "object"}};
    }
    if (name == "google.protobuf.Value") return Json::object();
    if (name == "google.protobuf.ListValue")
      return Json{{"type", "array"}, {"items", Json::object()}};
    if (name == "google.protobuf.Any") {
      return Json{{"type", "object"},
                  {"properties", {{"@type", {{"type", "string"}}}}},
                  {"additionalProperties", true}};
    }
    if (message.file()->name() == "google/protobuf/wrappers.proto") {
      Json inner = ForSingle(*message.FindFieldByNumber(1));
      inner["nullable"] = true;
      return inner;
    }
    return RefTo(message);
  }

  Json MessageSchema(const pb::Descriptor& message) {
    Json schema = {{"type", "object"}};
    if (std::string comment = Comment(message); !comment.empty()) schema["description"] = comment;
    Json properties = Json::object();
    for (int i = 0; i < message.field_count(); ++i) {
      const pb::FieldDescriptor& field = *message.field(i);
      Json property = ForField(field);
      std::string description = Comment(field);
      bool read_only = false;
      for (int behavior : field.options().GetRepeatedExtension(google::api::field_behavior)) {
        if (behavior == google::api::OUTPUT_ONLY) read_only = true;
        if (behavior == google::api::REQUIRED)
          description = absl::StrCat("Required. ", description);
      }
      description = std::string(absl::StripAsciiWhitespace(description));
      if (property.contains("$ref") && (!description.empty() || read_only)) {
        property = Json{{"allOf", Json::array({property})}};  // $ref takes no siblings
      }
      if (!description.empty()) property["description"] = description;
      if (read_only) property["readOnly"] = true;
      properties[field.json_name()] = property;
    }
    schema["properties"] = properties;
    return schema;
  }

  static Json EnumSchema(const pb::EnumDescriptor& enumeration) {
    Json names = Json::array();
    std::vector<std::string> described;
    for (int i = 0; i < enumeration.value_count(); ++i) {
      const pb::EnumValueDescriptor& value = *enumeration.value(i);
      names.push_back(value.name());
      if (std::string comment = Comment(value); !comment.empty()) {
        described.push_back(absl::StrCat("- ", value.name(), ": ", comment));
      }
    }
    Json schema = {{"type", "string"}, {"enum", names}};
    std::string description = Comment(enumeration);
    if (!described.empty()) {
      absl::StrAppend(&description, description.empty() ? "" : "\n\n",
                      absl::StrJoin(described, "\n"));
    }
    if (!description.empty()) schema["description"] = description;
    return schema;
  }

  absl::flat_hash_set<std::string> seen_;
  std::deque<std::pair<const pb::Descriptor*, const pb::EnumDescriptor*>> todo_;
};

struct OpenApiPath {
  std::string path;
  Json parameters = Json::array();
};

// "/v1/{name=tenants/*/sessions/*}:close" → "/v1/tenants/{tenant}/sessions/{session}:close",
// each wildcard a path parameter named after the collection before it.
OpenApiPath ConvertPath(const Route& route) {
  const PathTemplate& path = route.path;
  OpenApiPath out;
  std::set<std::string> names;
  std::vector<std::string> parts;
  auto variable_of = [&](int segment) -> const PathTemplate::Variable* {
    for (const PathTemplate::Variable& v : path.variables()) {
      if (segment >= v.first_segment && segment < v.end_segment) return &v;
    }
    return nullptr;
  };
  for (int i = 0; i < static_cast<int>(path.segments().size()); ++i) {
    const PathTemplate::Segment& segment = path.segments()[i];
    if (segment.kind == PathTemplate::SegmentKind::kLiteral) {
      parts.push_back(segment.literal);
      continue;
    }
    const PathTemplate::Variable* variable = variable_of(i);
    std::string name;
    if (i > 0 && path.segments()[i - 1].kind == PathTemplate::SegmentKind::kLiteral &&
        variable != nullptr && i > variable->first_segment) {
      name = Singular(path.segments()[i - 1].literal);
    } else if (variable != nullptr) {
      name = FieldPathName(route.path_fields[variable - path.variables().data()], true);
    } else {
      name = absl::StrCat("segment", i);
    }
    for (int n = 2; !names.insert(name).second; ++n) name = absl::StrCat(name, n);
    parts.push_back(absl::StrCat("{", name, "}"));
    std::string description;
    if (variable != nullptr) {
      std::vector<std::string> shape;
      for (int k = variable->first_segment; k < variable->end_segment; ++k) {
        const PathTemplate::Segment& s = path.segments()[k];
        shape.push_back(k == i ? absl::StrCat("{", name, "}")
                        : s.kind == PathTemplate::SegmentKind::kLiteral ? s.literal
                                                                        : "*");
      }
      description = absl::StrCat("Part of the request field `", variable->field_path, "` (`",
                                 absl::StrJoin(shape, "/"), "`).");
    }
    Json schema = {{"type", "string"}};
    if (segment.kind == PathTemplate::SegmentKind::kRest) {
      description = absl::StrCat(description, " The rest of the path; may contain \"/\".");
    }
    out.parameters.push_back(Json{{"name", name},
                                  {"in", "path"},
                                  {"required", true},
                                  {"description", description},
                                  {"schema", schema}});
  }
  out.path = absl::StrCat("/", absl::StrJoin(parts, "/"));
  if (!path.verb().empty()) absl::StrAppend(&out.path, ":", path.verb());
  return out;
}

Json Operation(const Route& route, Schemas& schemas, Json parameters) {
  const pb::MethodDescriptor& method = *route.method;
  Json operation;
  operation["tags"] = Json::array({method.service()->name()});
  operation["operationId"] =
      absl::StrCat(method.service()->name(), "_", method.name(),
                   route.binding == 0 ? "" : absl::StrCat("_", route.binding + 1));
  operation["summary"] = method.name();
  if (std::string comment = Comment(method); !comment.empty()) operation["description"] = comment;
  for (const QueryParameter& query : route.query_parameters) {
    Json parameter = {{"name", query.json_name}, {"in", "query"}};
    if (std::string comment = Comment(*query.fields.back()); !comment.empty()) {
      parameter["description"] = comment;
    }
    parameter["schema"] = schemas.ForField(*query.fields.back());
    if (query.fields.back()->is_repeated()) parameter["explode"] = true;
    parameters.push_back(parameter);
  }
  if (!parameters.empty()) operation["parameters"] = parameters;
  if (!route.body.empty()) {
    const pb::Descriptor& body =
        route.body == "*" ? *method.input_type() : *route.body_fields.back()->message_type();
    operation["requestBody"] = {
        {"description", route.body == "*"
                            ? "The request; fields the path sets are taken from the path."
                            : absl::StrCat("The request's `", route.body, "`.")},
        {"required", route.body != "*"},
        {"content", {{"application/json", {{"schema", schemas.RefTo(body)}}}}}};
  }
  const pb::Descriptor& response = route.response_fields.empty()
                                       ? *method.output_type()
                                       : *route.response_fields.back()->message_type();
  const pb::Descriptor* status = method.file()->pool()->FindMessageTypeByName(kStatusType);
  const Json error_schema = status != nullptr ? schemas.RefTo(*status) : Json{{"type", "object"}};
  Json ok;
  if (route.server_streaming()) {
    ok = {
        {"description",
         "A stream of messages, one JSON object a line (newline-delimited JSON): "
         "{\"result\": message}, and {\"error\": google.rpc.Status} if the stream fails "
         "after it started."},
        {"content",
         {{"application/x-ndjson",
           {{"schema",
             {{"type", "object"},
              {"properties", {{"result", schemas.RefTo(response)}, {"error", error_schema}}}}}}}}}};
  } else {
    ok = {{"description", "OK"},
          {"content", {{"application/json", {{"schema", schemas.RefTo(response)}}}}}};
  }
  operation["responses"] = {
      {"200", ok},
      {"default",
       {{"description",
         "An error: google.rpc.Status with the gRPC code, a message and details (ErrorInfo "
         "with the reason, BadRequest with field violations, RetryInfo). The HTTP status "
         "follows google/rpc/code.proto: 400 INVALID_ARGUMENT, FAILED_PRECONDITION and "
         "OUT_OF_RANGE; 401 UNAUTHENTICATED; 403 PERMISSION_DENIED; 404 NOT_FOUND; 409 "
         "ALREADY_EXISTS and ABORTED; 413 a body over the gateway's limit; 429 "
         "RESOURCE_EXHAUSTED (Retry-After when rate limited, none when a quota is spent); 499 "
         "CANCELLED; 500 INTERNAL, UNKNOWN and "
         "DATA_LOSS; 501 UNIMPLEMENTED; 503 UNAVAILABLE; 504 DEADLINE_EXCEEDED."},
        {"content", {{"application/json", {{"schema", error_schema}}}}}}}};
  return operation;
}

}  // namespace

std::string Singular(absl::string_view collection) {
  if (absl::EndsWith(collection, "ies")) {
    return absl::StrCat(collection.substr(0, collection.size() - 3), "y");
  }
  if (absl::EndsWith(collection, "s") && collection.size() > 1) {
    return std::string(collection.substr(0, collection.size() - 1));
  }
  return absl::StrCat(collection, "Id");
}

std::string OpenApiDocument(const Transcoder& transcoder) {
  Schemas schemas;
  Json paths = Json::object();
  Json tags = Json::array();
  absl::flat_hash_set<std::string> tagged;
  for (const Route& route : transcoder.routes()) {
    const pb::ServiceDescriptor& service = *route.method->service();
    if (tagged.insert(service.name()).second) {
      Json tag = {{"name", service.name()}};
      if (std::string comment = Comment(service); !comment.empty()) tag["description"] = comment;
      tags.push_back(tag);
    }
    OpenApiPath path = ConvertPath(route);
    paths[path.path][absl::AsciiStrToLower(route.http_method)] =
        Operation(route, schemas, std::move(path.parameters));
  }
  Json document;
  document["openapi"] = "3.0.3";
  document["info"] = {
      {"title", "Lagom API"},
      {"version", "v1"},
      {"description",
       "Lagom's public gRPC API over HTTP/JSON, as lagom-gateway serves it: every method "
       "annotated with google.api.http, in the protobuf JSON mapping (lowerCamelCase field "
       "names, enums by name, 64-bit integers as strings, fields at their default value left "
       "out). Generated from the protos; do not edit (docs/rest.md says how to regenerate)."}};
  document["tags"] = tags;
  document["security"] =
      Json::array({{{"bearer", Json::array()}}, {{"inviteToken", Json::array()}}});
  document["paths"] = paths;
  document["components"] = {
      {"securitySchemes",
       {{"bearer",
         {{"type", "http"},
          {"scheme", "bearer"},
          {"description",
           "A tenant's API key (lgm_<tenant>.<secret>) or a JWT of a configured "
           "identity provider, passed to the services unchanged."}}},
        {"inviteToken",
         {{"type", "apiKey"},
          {"in", "header"},
          {"name", "x-lagom-invite-token"},
          {"description", "A respondent's invitation token."}}}}},
      {"schemas", schemas.Build()}};
  return document.dump(2) + "\n";
}

}  // namespace lagom::gateway
