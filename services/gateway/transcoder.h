// HTTP/JSON ↔ gRPC transcoding driven by descriptors: every method of the API whose options carry
// google.api.http becomes one route per binding (the rule and each additional_binding). A
// request is matched to a route by HTTP method and path template, and its message is built from
// the path variables, the body (`body: "*"`, a body field, or none) and the query string (every
// field neither the path nor the body binds, `a.b` for nested fields, repeated by repeating the
// parameter), with the protobuf JSON mapping. Nothing here is specific to one method.
#ifndef LAGOM_SERVICES_GATEWAY_TRANSCODER_H_
#define LAGOM_SERVICES_GATEWAY_TRANSCODER_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/gateway/path_template.h"

namespace lagom::gateway {

using FieldChain = std::vector<const google::protobuf::FieldDescriptor*>;

// A request field the query string may set: a scalar, an enum or a well-known type written as
// one string (Timestamp, Duration, FieldMask, wrappers), possibly repeated, possibly nested.
struct QueryParameter {
  std::string name;       // proto field names joined by ".", e.g. "selector.session"
  std::string json_name;  // the same in JSON names, e.g. "pageSize"
  FieldChain fields;
};

struct Route {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string http_method;  // "GET", "POST", "PATCH", "PUT", "DELETE", or a custom kind
  PathTemplate path;
  std::string body;  // "": no body; "*": the whole request; else the field the body fills
  FieldChain body_fields;
  std::string response_body;  // "": the whole response; else the field sent back
  FieldChain response_fields;
  std::vector<FieldChain> path_fields;  // one per path variable, in the template's order
  std::vector<QueryParameter> query_parameters;
  absl::flat_hash_map<std::string, int> query_index;  // both spellings → query_parameters[i]
  int binding = 0;        // 0: the rule itself; n: its n-th additional_binding
  std::string grpc_path;  // "/lagom.session.v1.SessionService/GetSession"

  bool server_streaming() const { return method->server_streaming(); }
};

class Transcoder final {
 public:
  // Routes for every method of the services in `files` (names in `pool`) that carry
  // google.api.http. Requests and responses are handled as binary protobuf of `pool`'s types,
  // converted with the JSON mapping through a TypeResolver over `pool` (Any included), so
  // `pool` may be the generated pool or one built from a descriptor set. INVALID_ARGUMENT
  // naming the method when a rule is malformed (bad template, unknown field, a body field that
  // is not a message, two methods on one path). `pool` must outlive the Transcoder.
  static absl::StatusOr<std::unique_ptr<Transcoder>> Create(
      const google::protobuf::DescriptorPool& pool, const std::vector<std::string>& files);
  ~Transcoder();

  const std::vector<Route>& routes() const { return routes_; }

  struct Match {
    const Route* route = nullptr;
    PathBindings bindings;
  };
  // The most specific route (most literal segments) for `http_method` and `path`; NOT_FOUND
  // saying which methods the path takes when only the method is wrong.
  absl::StatusOr<Match> Find(absl::string_view http_method, absl::string_view path) const;

  // The request message, serialized, from the path bindings, the raw query string (without
  // "?") and the body. INVALID_ARGUMENT with a BadRequest naming the parameter or field on bad
  // input: malformed JSON, unknown fields, wrong types, unknown query parameters.
  absl::StatusOr<std::string> Request(const Match& match, absl::string_view query,
                                      absl::string_view body) const;

  // The serialized response (or its response_body field) in the protobuf JSON mapping.
  absl::StatusOr<std::string> ResponseJson(const Route& route, const std::string& response) const;

  // Any message of the pool, serialized, as JSON ("google.rpc.Status" for errors).
  absl::StatusOr<std::string> ToJson(absl::string_view full_name, const std::string& binary) const;

 private:
  struct Resolver;
  Transcoder(const google::protobuf::DescriptorPool& pool, std::vector<Route> routes);

  absl::Status MergeBody(const Route& route, absl::string_view body,
                         google::protobuf::Message& request) const;
  absl::Status SetFromText(google::protobuf::Message& request, const FieldChain& fields,
                           absl::string_view text, absl::string_view what) const;
  absl::Status MergeQuery(const Route& route, absl::string_view query,
                          google::protobuf::Message& request) const;

  const google::protobuf::DescriptorPool& pool_;
  std::vector<Route> routes_;
  std::unique_ptr<Resolver> resolver_;
};

// "pageSize" or "page_size" → the field, else null.
const google::protobuf::FieldDescriptor* FindField(const google::protobuf::Descriptor& message,
                                                   absl::string_view name);

// Resolves "a.b.c" (proto or JSON names) from `message`: every field but the last a singular
// message. INVALID_ARGUMENT naming the first segment that is not a field.
absl::StatusOr<FieldChain> ResolveFieldPath(const google::protobuf::Descriptor& message,
                                            absl::string_view path);

// "session.update_mask", or with `json` "session.updateMask".
std::string FieldPathName(const FieldChain& fields, bool json);

// "type.googleapis.com/<full name>".
std::string TypeUrl(absl::string_view full_name);

// True for google.protobuf types written as one JSON string or value (Timestamp, Duration,
// FieldMask, the wrappers).
bool IsScalarWellKnownType(const google::protobuf::Descriptor& message);

}  // namespace lagom::gateway

#endif  // LAGOM_SERVICES_GATEWAY_TRANSCODER_H_
