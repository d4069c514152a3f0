#include "services/gateway/api_descriptors.h"

#include <google/protobuf/descriptor.pb.h>

#include <cstddef>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
// Linked so that the google.api.http options in the set are read as that extension.
#include "google/api/annotations.pb.h"

extern const unsigned char kLagomApiDescriptorSet[];
extern const std::size_t kLagomApiDescriptorSetSize;

namespace lagom::gateway {
namespace {

absl::StatusOr<std::unique_ptr<ApiDescriptors>> Build() {
  // Referenced so the linker keeps the extension's registration.
  (void)google::api::http.number();
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromArray(kLagomApiDescriptorSet, static_cast<int>(kLagomApiDescriptorSetSize))) {
    return absl::InternalError("the embedded descriptor set does not parse");
  }
  auto api = std::make_unique<ApiDescriptors>();
  // protoc writes imports before the files that import them.
  for (const google::protobuf::FileDescriptorProto& file : set.file()) {
    if (api->pool.BuildFile(file) == nullptr) {
      return absl::InternalError(
          absl::StrCat("the embedded descriptor of ", file.name(), " does not build"));
    }
    if (absl::StartsWith(file.package(), "lagom.")) api->files.push_back(file.name());
  }
  return api;
}

}  // namespace

absl::StatusOr<const ApiDescriptors*> LoadApiDescriptors() {
  static const auto* const kApi = new absl::StatusOr<std::unique_ptr<ApiDescriptors>>(Build());
  if (!kApi->ok()) return kApi->status();
  return kApi->value().get();
}

absl::StatusOr<std::unique_ptr<Transcoder>> ApiTranscoder() {
  absl::StatusOr<const ApiDescriptors*> api = LoadApiDescriptors();
  if (!api.ok()) return api.status();
  return Transcoder::Create((*api)->pool, (*api)->files);
}

}  // namespace lagom::gateway
