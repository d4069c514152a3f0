#include "tools/lagomctl/probe.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "common/channel.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace lagom::ctl {
namespace {

namespace health = ::grpc::health::v1;
namespace reflection = ::grpc::reflection::v1alpha;

std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  // A replica list ("ip:port,ip:port") reaches any one of them.
  return grpc::CreateChannel(ChannelTarget(address).value_or(address),
                             grpc::InsecureChannelCredentials());
}

absl::Status CheckOnce(health::Health::Stub& stub, absl::Duration timeout) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  health::HealthCheckRequest request;
  health::HealthCheckResponse response;
  grpc::Status status = stub.Check(&ctx, request, &response);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("health check failed: ", status.error_message()));
  }
  if (response.status() != health::HealthCheckResponse::SERVING) {
    return absl::UnavailableError(absl::StrCat(
        "health status is ", health::HealthCheckResponse::ServingStatus_Name(response.status())));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WaitForServing(const std::string& address, absl::Duration wait,
                            std::shared_ptr<grpc::ChannelCredentials> credentials) {
  auto stub = health::Health::NewStub(grpc::CreateChannel(address, credentials));
  const absl::Time give_up = absl::Now() + wait;
  absl::Status last;
  do {
    last = CheckOnce(*stub, absl::Seconds(1));
    if (last.ok()) return last;
    absl::SleepFor(absl::Milliseconds(100));  // polling an external process; nothing to wait on
  } while (absl::Now() < give_up);
  return absl::UnavailableError(absl::StrCat(address, " not SERVING after ",
                                             absl::FormatDuration(wait), ": ", last.message()));
}

absl::StatusOr<std::vector<std::string>> ListServices(const std::string& address,
                                                      absl::Duration timeout) {
  auto stub = reflection::ServerReflection::NewStub(Connect(address));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  auto stream = stub->ServerReflectionInfo(&ctx);
  reflection::ServerReflectionRequest request;
  request.set_list_services("*");
  reflection::ServerReflectionResponse response;
  if (!stream->Write(request) || !stream->WritesDone() || !stream->Read(&response)) {
    grpc::Status status = stream->Finish();
    return absl::UnavailableError(
        absl::StrCat("reflection on ", address, " failed: ", status.error_message()));
  }
  std::vector<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.push_back(service.name());
  }
  while (stream->Read(&response)) {
  }
  grpc::Status status = stream->Finish();
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("reflection on ", address, " failed: ", status.error_message()));
  }
  return names;
}

}  // namespace lagom::ctl
