#include "services/gateway/transcoder.h"

#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/type.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <algorithm>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "google/api/annotations.pb.h"
#include "services/gateway/json_errors.h"

namespace lagom::gateway {
namespace {

namespace pb = ::google::protobuf;

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

// protobuf 3.21's util::Status is a type of its own.
absl::Status FromProtobuf(const pb::util::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.code()),
                      std::string(status.message().data(), status.message().size()));
}

pb::StringPiece Piece(absl::string_view text) { return pb::StringPiece(text.data(), text.size()); }
// Nested request messages deeper than this are not offered as query parameters.
constexpr size_t kMaxQueryDepth = 4;

absl::Status RuleError(const pb::MethodDescriptor& method, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(method.full_name(), ": google.api.http: ", what));
}

std::pair<std::string, std::string> MethodAndPath(const google::api::HttpRule& rule) {
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      return {"GET", rule.get()};
    case google::api::HttpRule::kPut:
      return {"PUT", rule.put()};
    case google::api::HttpRule::kPost:
      return {"POST", rule.post()};
    case google::api::HttpRule::kDelete:
      return {"DELETE", rule.delete_()};
    case google::api::HttpRule::kPatch:
      return {"PATCH", rule.patch()};
    case google::api::HttpRule::kCustom:
      return {rule.custom().kind(), rule.custom().path()};
    default:
      return {"", ""};
  }
}

}  // namespace

std::string FieldPathName(const FieldChain& fields, bool json) {
  return absl::StrJoin(fields, ".", [json](std::string* out, const pb::FieldDescriptor* f) {
    absl::StrAppend(out, json ? f->json_name() : f->name());
  });
}

namespace {

bool IsBoundBy(absl::string_view name, const std::vector<std::string>& bound) {
  for (const std::string& b : bound) {
    if (name == b || absl::StartsWith(name, absl::StrCat(b, "."))) return true;
  }
  return false;
}

// Every field the query string may set: leaves (scalars, enums, scalar well-known types) not
// bound by the path or the body, through singular messages, without cycles.
void CollectQueryParameters(const pb::Descriptor& message, const std::vector<std::string>& bound,
                            FieldChain& prefix, std::vector<const pb::Descriptor*>& stack,
                            std::vector<QueryParameter>& out) {
  for (int i = 0; i < message.field_count(); ++i) {
    const pb::FieldDescriptor* field = message.field(i);
    if (field->is_map()) continue;
    prefix.push_back(field);
    const std::string name = FieldPathName(prefix, false);
    const pb::Descriptor* type = field->message_type();
    if (IsBoundBy(name, bound)) {
      // set by the path or the body
    } else if (type != nullptr && !IsScalarWellKnownType(*type)) {
      if (!field->is_repeated() && stack.size() < kMaxQueryDepth &&
          std::find(stack.begin(), stack.end(), type) == stack.end()) {
        stack.push_back(type);
        CollectQueryParameters(*type, bound, prefix, stack, out);
        stack.pop_back();
      }
    } else {
      out.push_back({name, FieldPathName(prefix, true), prefix});
    }
    prefix.pop_back();
  }
}

// A route's identity for clashes: method, literal or wildcard segments, verb.
std::string Shape(const Route& route) {
  std::string shape = route.http_method;
  for (const PathTemplate::Segment& s : route.path.segments()) {
    absl::StrAppend(&shape, "/",
                    s.kind == PathTemplate::SegmentKind::kLiteral  ? s.literal
                    : s.kind == PathTemplate::SegmentKind::kSingle ? "*"
                                                                   : "**");
  }
  return absl::StrCat(shape, ":", route.path.verb());
}

absl::StatusOr<Route> MakeRoute(const pb::MethodDescriptor& method,
                                const google::api::HttpRule& rule, int binding) {
  Route route;
  route.method = &method;
  route.binding = binding;
  route.grpc_path = absl::StrCat("/", method.service()->full_name(), "/", method.name());
  std::string path;
  std::tie(route.http_method, path) = MethodAndPath(rule);
  if (route.http_method.empty() || path.empty()) return RuleError(method, "no HTTP method or path");
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(path);
  if (!parsed.ok()) return RuleError(method, parsed.status().message());
  route.path = *std::move(parsed);

  const pb::Descriptor& input = *method.input_type();
  std::vector<std::string> bound;
  for (const PathTemplate::Variable& variable : route.path.variables()) {
    absl::StatusOr<FieldChain> fields = ResolveFieldPath(input, variable.field_path);
    if (!fields.ok()) return RuleError(method, fields.status().message());
    const pb::FieldDescriptor& leaf = *fields->back();
    if (leaf.is_repeated() || leaf.cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      return RuleError(method, absl::StrCat("path variable ", variable.field_path,
                                            " must be a singular scalar field"));
    }
    bound.push_back(FieldPathName(*fields, false));
    route.path_fields.push_back(*std::move(fields));
  }
  route.body = rule.body();
  if (!route.body.empty() && route.body != "*") {
    absl::StatusOr<FieldChain> fields = ResolveFieldPath(input, route.body);
    if (!fields.ok()) return RuleError(method, fields.status().message());
    if (fields->back()->is_repeated() || fields->back()->message_type() == nullptr) {
      return RuleError(method,
                       absl::StrCat("body \"", route.body, "\" must be a singular message field"));
    }
    bound.push_back(FieldPathName(*fields, false));
    route.body_fields = *std::move(fields);
  }
  route.response_body = rule.response_body();
  if (!route.response_body.empty()) {
    absl::StatusOr<FieldChain> fields =
        ResolveFieldPath(*method.output_type(), route.response_body);
    if (!fields.ok()) return RuleError(method, fields.status().message());
    if (fields->back()->is_repeated() || fields->back()->message_type() == nullptr) {
      return RuleError(method, absl::StrCat("response_body \"", route.response_body,
                                            "\" must be a singular message field"));
    }
    route.response_fields = *std::move(fields);
  }
  if (route.body != "*") {
    FieldChain prefix;
    std::vector<const pb::Descriptor*> stack = {&input};
    CollectQueryParameters(input, bound, prefix, stack, route.query_parameters);
  }
  for (size_t i = 0; i < route.query_parameters.size(); ++i) {
    route.query_index.emplace(route.query_parameters[i].name, static_cast<int>(i));
    route.query_index.emplace(route.query_parameters[i].json_name, static_cast<int>(i));
  }
  return route;
}

// "\"text\"" in JSON, for well-known types written as strings.
std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, "\\u00", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string EnumNames(const pb::EnumDescriptor& type) {
  std::vector<std::string> names;
  for (int i = 0; i < type.value_count(); ++i) names.push_back(type.value(i)->name());
  return absl::StrJoin(names, ", ");
}

}  // namespace

namespace {

// protobuf's JSON conversion asks the resolver for every message and enum type it meets, on
// every call, and the pool resolver builds each google.protobuf.Type afresh from its
// descriptor: a copy of the first answer is several times cheaper for large messages.
class CachingTypeResolver final : public pb::util::TypeResolver {
 public:
  explicit CachingTypeResolver(const pb::DescriptorPool& pool)
      : inner_(pb::util::NewTypeResolverForDescriptorPool(kTypeUrlPrefix, &pool)) {}

  pb::util::Status ResolveMessageType(const std::string& url, pb::Type* type) override {
    return Resolve(url, type, types_,
                   [&](pb::Type* out) { return inner_->ResolveMessageType(url, out); });
  }
  pb::util::Status ResolveEnumType(const std::string& url, pb::Enum* type) override {
    return Resolve(url, type, enums_,
                   [&](pb::Enum* out) { return inner_->ResolveEnumType(url, out); });
  }

 private:
  template <typename T, typename Fill>
  pb::util::Status Resolve(const std::string& url, T* out,
                           absl::flat_hash_map<std::string, T>& cache, const Fill& fill) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = cache.find(url); it != cache.end()) {
        *out = it->second;
        return pb::util::OkStatus();
      }
    }
    pb::util::Status status = fill(out);
    if (status.ok()) {
      absl::MutexLock lock(&mu_);
      cache.emplace(url, *out);
    }
    return status;
  }

  const std::unique_ptr<pb::util::TypeResolver> inner_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, pb::Type> types_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, pb::Enum> enums_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

struct Transcoder::Resolver {
  std::unique_ptr<pb::util::TypeResolver> types;
  pb::DynamicMessageFactory messages;
};

std::string TypeUrl(absl::string_view full_name) {
  return absl::StrCat(kTypeUrlPrefix, "/", full_name);
}

bool IsScalarWellKnownType(const pb::Descriptor& message) {
  static const auto* const kNames = new absl::flat_hash_set<std::string>{
      "google.protobuf.Timestamp",   "google.protobuf.Duration",    "google.protobuf.FieldMask",
      "google.protobuf.DoubleValue", "google.protobuf.FloatValue",  "google.protobuf.Int64Value",
      "google.protobuf.UInt64Value", "google.protobuf.Int32Value",  "google.protobuf.UInt32Value",
      "google.protobuf.BoolValue",   "google.protobuf.StringValue", "google.protobuf.BytesValue"};
  return kNames->contains(message.full_name());
}

const pb::FieldDescriptor* FindField(const pb::Descriptor& message, absl::string_view name) {
  if (const pb::FieldDescriptor* f = message.FindFieldByName(std::string(name))) return f;
  for (int i = 0; i < message.field_count(); ++i) {
    if (message.field(i)->json_name() == name) return message.field(i);
  }
  return nullptr;
}

absl::StatusOr<FieldChain> ResolveFieldPath(const pb::Descriptor& message, absl::string_view path) {
  FieldChain fields;
  const pb::Descriptor* current = &message;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (current == nullptr || (!fields.empty() && fields.back()->is_repeated())) {
      return absl::InvalidArgumentError(absl::StrCat("\"", path, "\": ", fields.back()->name(),
                                                     " is not a singular message field"));
    }
    const pb::FieldDescriptor* field = FindField(*current, part);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path, "\": ", current->full_name(), " has no field \"", part, "\""));
    }
    fields.push_back(field);
    current = field->message_type();
  }
  return fields;
}

Transcoder::Transcoder(const pb::DescriptorPool& pool, std::vector<Route> routes)
    : pool_(pool), routes_(std::move(routes)), resolver_(std::make_unique<Resolver>()) {
  resolver_->types = std::make_unique<CachingTypeResolver>(pool_);
}

Transcoder::~Transcoder() = default;

absl::StatusOr<std::unique_ptr<Transcoder>> Transcoder::Create(
    const pb::DescriptorPool& pool, const std::vector<std::string>& files) {
  std::vector<Route> routes;
  for (const std::string& name : files) {
    const pb::FileDescriptor* file = pool.FindFileByName(name);
    if (file == nullptr) return absl::NotFoundError(absl::StrCat(name, " is not in the pool"));
    for (int s = 0; s < file->service_count(); ++s) {
      const pb::ServiceDescriptor& service = *file->service(s);
      for (int m = 0; m < service.method_count(); ++m) {
        const pb::MethodDescriptor& method = *service.method(m);
        if (!method.options().HasExtension(google::api::http)) continue;
        const google::api::HttpRule& rule = method.options().GetExtension(google::api::http);
        std::vector<const google::api::HttpRule*> bindings = {&rule};
        for (const google::api::HttpRule& extra : rule.additional_bindings()) {
          if (extra.additional_bindings_size() > 0) {
            return RuleError(method, "additional_bindings may not nest");
          }
          bindings.push_back(&extra);
        }
        for (size_t b = 0; b < bindings.size(); ++b) {
          absl::StatusOr<Route> route = MakeRoute(method, *bindings[b], static_cast<int>(b));
          if (!route.ok()) return route.status();
          routes.push_back(*std::move(route));
        }
      }
    }
  }
  absl::flat_hash_map<std::string, const Route*> shapes;
  for (const Route& route : routes) {
    auto [it, inserted] = shapes.emplace(Shape(route), &route);
    if (!inserted) {
      return RuleError(*route.method,
                       absl::StrCat(route.http_method, " ", route.path.text(), " is also ",
                                    it->second->method->full_name(), "'s"));
    }
  }
  return absl::WrapUnique(new Transcoder(pool, std::move(routes)));
}

absl::StatusOr<Transcoder::Match> Transcoder::Find(absl::string_view http_method,
                                                   absl::string_view path) const {
  Match best;
  int best_literals = -1;
  std::set<std::string> other_methods;
  for (const Route& route : routes_) {
    std::optional<PathBindings> bindings = route.path.Match(path);
    if (!bindings) continue;
    if (route.http_method != http_method) {
      other_methods.insert(route.http_method);
      continue;
    }
    if (route.path.literal_count() > best_literals) {
      best_literals = route.path.literal_count();
      best.route = &route;
      best.bindings = *std::move(bindings);
    }
  }
  if (best.route != nullptr) return best;
  if (!other_methods.empty()) {
    return Error(absl::StatusCode::kNotFound, "NOT_FOUND",
                 absl::StrCat("no route for ", http_method, " ", path, ": this path takes ",
                              absl::StrJoin(other_methods, ", ")));
  }
  return Error(absl::StatusCode::kNotFound, "NOT_FOUND",
               absl::StrCat("no route for ", http_method, " ", path,
                            "; the API's paths are listed in /openapi.json"));
}

absl::StatusOr<std::string> Transcoder::Request(const Match& match, absl::string_view query,
                                                absl::string_view body) const {
  const Route& route = *match.route;
  std::unique_ptr<pb::Message> request(
      resolver_->messages.GetPrototype(route.method->input_type())->New());
  if (absl::Status s = MergeBody(route, body, *request); !s.ok()) return s;
  // Path variables win over the same field in the body.
  for (size_t i = 0; i < match.bindings.size(); ++i) {
    const std::string& field = match.bindings[i].first;
    absl::Status s = SetFromText(*request, route.path_fields[i], match.bindings[i].second,
                                 absl::StrCat("path variable ", field));
    if (!s.ok()) return s;
  }
  if (absl::Status s = MergeQuery(route, query, *request); !s.ok()) return s;
  return request->SerializeAsString();
}

absl::Status Transcoder::MergeBody(const Route& route, absl::string_view body,
                                   pb::Message& request) const {
  absl::string_view json = absl::StripAsciiWhitespace(body);
  if (route.body.empty()) {
    if (json.empty()) return absl::OkStatus();
    return InvalidArgumentError(
        absl::StrCat(route.http_method, " ", route.path.text(),
                     " takes no request body: send its fields as query parameters"),
        {{"body", "must be empty"}});
  }
  if (json.empty()) json = "{}";
  pb::Message* target = &request;
  for (const pb::FieldDescriptor* field : route.body_fields) {
    target = target->GetReflection()->MutableMessage(target, field, &resolver_->messages);
  }
  std::string binary;
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const absl::Status parsed = FromProtobuf(pb::util::JsonToBinaryString(
      resolver_->types.get(), TypeUrl(target->GetDescriptor()->full_name()), Piece(json), &binary,
      options));
  if (!parsed.ok()) {
    return BodyError(route.body == "*" ? "" : route.body, target->GetDescriptor()->full_name(),
                     parsed.message());
  }
  if (!target->MergeFromString(binary)) {
    return absl::InternalError("the JSON body converted to an unreadable message");
  }
  return absl::OkStatus();
}

absl::Status Transcoder::SetFromText(pb::Message& request, const FieldChain& fields,
                                     absl::string_view text, absl::string_view what) const {
  pb::Message* message = &request;
  for (size_t i = 0; i + 1 < fields.size(); ++i) {
    message = message->GetReflection()->MutableMessage(message, fields[i], &resolver_->messages);
  }
  const pb::FieldDescriptor& field = *fields.back();
  const pb::Reflection& r = *message->GetReflection();
  const bool repeated = field.is_repeated();
  const std::string field_name = FieldPathName(fields, false);
  auto bad = [&](absl::string_view expected) {
    return InvalidArgumentError(absl::StrCat(what, ": \"", text, "\" is not ", expected),
                                {{field_name, absl::StrCat("must be ", expected)}});
  };
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
      const pb::Descriptor& type = *field.message_type();
      pb::Message* sub = repeated ? r.AddMessage(message, &field, &resolver_->messages)
                                  : r.MutableMessage(message, &field, &resolver_->messages);
      if (type.file()->name() == "google/protobuf/wrappers.proto") {
        return SetFromText(*sub, {type.FindFieldByNumber(1)}, text, what);
      }
      std::string binary;
      const absl::Status s = FromProtobuf(pb::util::JsonToBinaryString(
          resolver_->types.get(), TypeUrl(type.full_name()), JsonQuote(text), &binary));
      if (!s.ok() || !sub->MergeFromString(binary)) {
        return bad(absl::StrCat("a ", type.full_name(), " in its JSON form"));
      }
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string value(text);
      if (field.type() == pb::FieldDescriptor::TYPE_BYTES && !absl::Base64Unescape(text, &value) &&
          !absl::WebSafeBase64Unescape(text, &value)) {
        return bad("base64");
      }
      // The service's parser refuses a string field that is not UTF-8 (by this very check) as a
      // failed call, naming nothing; the parameter is named here instead.
      if (field.type() == pb::FieldDescriptor::TYPE_STRING &&
          !pb::internal::IsStructurallyValidUTF8(text.data(), static_cast<int>(text.size()))) {
        return InvalidArgumentError(
            absl::StrCat(what, " is not UTF-8 text"),
            {{field_name,
              "must be UTF-8 text: percent-encode each byte of a character's UTF-8 "
              "encoding (for example %C3%A5 for \u00e5)"}});
      }
      repeated ? r.AddString(message, &field, std::move(value))
               : r.SetString(message, &field, std::move(value));
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      if (text != "true" && text != "false") return bad("true or false");
      repeated ? r.AddBool(message, &field, text == "true")
               : r.SetBool(message, &field, text == "true");
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumDescriptor& type = *field.enum_type();
      const pb::EnumValueDescriptor* value = type.FindValueByName(std::string(text));
      int number = 0;
      if (value != nullptr) {
        number = value->number();
      } else if (!absl::SimpleAtoi(text, &number) || type.FindValueByNumber(number) == nullptr) {
        return bad(absl::StrCat("one of ", EnumNames(type)));
      }
      repeated ? r.AddEnumValue(message, &field, number) : r.SetEnumValue(message, &field, number);
      return absl::OkStatus();
    }
#define LAGOM_GATEWAY_NUMBER(CPPTYPE, T, PARSE, SET, ADD, WHAT)               \
  case pb::FieldDescriptor::CPPTYPE: {                                        \
    T value{};                                                                \
    if (!PARSE(text, &value)) return bad(WHAT);                               \
    repeated ? r.ADD(message, &field, value) : r.SET(message, &field, value); \
    return absl::OkStatus();                                                  \
  }
      LAGOM_GATEWAY_NUMBER(CPPTYPE_INT32, int32_t, absl::SimpleAtoi, SetInt32, AddInt32,
                           "a 32-bit integer")
      LAGOM_GATEWAY_NUMBER(CPPTYPE_INT64, int64_t, absl::SimpleAtoi, SetInt64, AddInt64,
                           "a 64-bit integer")
      LAGOM_GATEWAY_NUMBER(CPPTYPE_UINT32, uint32_t, absl::SimpleAtoi, SetUInt32, AddUInt32,
                           "an unsigned 32-bit integer")
      LAGOM_GATEWAY_NUMBER(CPPTYPE_UINT64, uint64_t, absl::SimpleAtoi, SetUInt64, AddUInt64,
                           "an unsigned 64-bit integer")
      LAGOM_GATEWAY_NUMBER(CPPTYPE_DOUBLE, double, absl::SimpleAtod, SetDouble, AddDouble,
                           "a number")
      LAGOM_GATEWAY_NUMBER(CPPTYPE_FLOAT, float, absl::SimpleAtof, SetFloat, AddFloat, "a number")
#undef LAGOM_GATEWAY_NUMBER
  }
  return bad("a supported value");
}

absl::Status Transcoder::MergeQuery(const Route& route, absl::string_view query,
                                    pb::Message& request) const {
  absl::flat_hash_set<int> seen;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    const std::string key = PercentDecode(pair.substr(0, eq), /*plus_is_space=*/true);
    const std::string value =
        eq == absl::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
    auto it = route.query_index.find(key);
    if (it == route.query_index.end()) {
      std::string why;
      if (route.body == "*") {
        why = "this method takes its fields in the JSON body";
      } else if (absl::StatusOr<FieldChain> f = ResolveFieldPath(*route.method->input_type(), key);
                 f.ok()) {
        why = "the path or the body sets it, or it cannot be written as one string";
      } else {
        std::vector<std::string> known;
        for (const QueryParameter& p : route.query_parameters) known.push_back(p.json_name);
        why = known.empty() ? "this method takes no query parameters"
                            : absl::StrCat("known: ", absl::StrJoin(known, ", "));
      }
      return InvalidArgumentError(
          absl::StrCat("query parameter \"", key, "\" is not accepted: ", why),
          {{key, absl::StrCat("not a query parameter of ", route.method->full_name())}});
    }
    const QueryParameter& parameter = route.query_parameters[it->second];
    if (!seen.insert(it->second).second && !parameter.fields.back()->is_repeated()) {
      return InvalidArgumentError(
          absl::StrCat("query parameter \"", key, "\" is given twice but is not repeated"),
          {{parameter.name, "given twice"}});
    }
    absl::Status s =
        SetFromText(request, parameter.fields, value, absl::StrCat("query parameter ", key));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Transcoder::ResponseJson(const Route& route,
                                                     const std::string& response) const {
  if (route.response_fields.empty())
    return ToJson(route.method->output_type()->full_name(), response);
  std::unique_ptr<pb::Message> message(
      resolver_->messages.GetPrototype(route.method->output_type())->New());
  if (!message->ParseFromString(response)) {
    return absl::InternalError("the service's response is not a valid message");
  }
  const pb::Message* part = message.get();
  for (const pb::FieldDescriptor* field : route.response_fields) {
    part = &part->GetReflection()->GetMessage(*part, field, &resolver_->messages);
  }
  return ToJson(part->GetDescriptor()->full_name(), part->SerializeAsString());
}

absl::StatusOr<std::string> Transcoder::ToJson(absl::string_view full_name,
                                               const std::string& binary) const {
  std::string json;
  const absl::Status s = FromProtobuf(pb::util::BinaryToJsonString(
      resolver_->types.get(), TypeUrl(full_name), binary, &json, pb::util::JsonPrintOptions()));
  if (!s.ok()) return absl::InternalError(absl::StrCat("cannot write JSON: ", s.message()));
  return json;
}

}  // namespace lagom::gateway
