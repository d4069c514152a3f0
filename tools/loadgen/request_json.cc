#include "tools/loadgen/request_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
// Links the descriptors of every Lagom API file into the generated pool (permissions.cc
// names one message of each), so any Lagom method can be found by name.
#include "common/auth/permissions.h"

namespace lagom::loadgen {

absl::StatusOr<std::string> EncodeRequest(const std::string& method,
                                          const std::string& request_type,
                                          const std::string& json) {
  auth::PermissionTable();  // keeps permissions.o, and with it the descriptors, linked in
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  absl::string_view path = method;
  if (!absl::ConsumePrefix(&path, "/") || path.find('/') == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--method must read /pkg.Service/Method, got '", method, "'"));
  }
  const std::string full_name = absl::StrReplaceAll(path, {{"/", "."}});
  const google::protobuf::MethodDescriptor* rpc = pool->FindMethodByName(full_name);
  const google::protobuf::Descriptor* type =
      request_type.empty() ? nullptr : pool->FindMessageTypeByName(request_type);
  if (rpc == nullptr && type == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown method ", method, request_type.empty() ? "" : " and unknown request type ",
        request_type, ": loadgen knows the Lagom v1 API"));
  }
  if (type == nullptr) {
    if (!request_type.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown --request_type ", request_type));
    }
    type = rpc->input_type();
  }
  if (rpc != nullptr && rpc->input_type() != type) {
    return absl::InvalidArgumentError(absl::StrCat(
        method, " takes ", rpc->input_type()->full_name(), ", not ", type->full_name()));
  }
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  std::unique_ptr<google::protobuf::Message> request(prototype->New());
  const auto status = google::protobuf::util::JsonStringToMessage(json, request.get());
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--request_json is not a valid ", type->full_name(), ": ", status.message().as_string()));
  }
  return request->SerializeAsString();
}

}  // namespace lagom::loadgen
