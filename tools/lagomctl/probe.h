#pragma once

#include <grpcpp/security/credentials.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lagom::ctl {

// Waits until the server at `address` reports SERVING on grpc.health.v1 (overall status, service
// ""), polling until `wait` has passed. Returns the last error when it never does.
absl::Status WaitForServing(
    const std::string& address, absl::Duration wait,
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials());

// Names of the gRPC services the server at `address` lists through server reflection.
absl::StatusOr<std::vector<std::string>> ListServices(const std::string& address,
                                                      absl::Duration timeout);

}  // namespace lagom::ctl
