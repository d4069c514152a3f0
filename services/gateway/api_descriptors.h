// The Lagom API as protoc described it at build time, comments included: the descriptor set
// embedded in the binary (proto/CMakeLists.txt), built into a DescriptorPool of its own.
#ifndef LAGOM_SERVICES_GATEWAY_API_DESCRIPTORS_H_
#define LAGOM_SERVICES_GATEWAY_API_DESCRIPTORS_H_

#include <google/protobuf/descriptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/gateway/transcoder.h"

namespace lagom::gateway {

struct ApiDescriptors {
  google::protobuf::DescriptorPool pool;
  std::vector<std::string> files;  // the Lagom API's own files (package lagom.*), in build order
};

// Built once, on first use; INTERNAL naming the file if the embedded set does not build.
absl::StatusOr<const ApiDescriptors*> LoadApiDescriptors();

// The transcoder of every annotated method of the API, over LoadApiDescriptors()'s pool.
absl::StatusOr<std::unique_ptr<Transcoder>> ApiTranscoder();

}  // namespace lagom::gateway

#endif  // LAGOM_SERVICES_GATEWAY_API_DESCRIPTORS_H_
