// Test-only gRPC plumbing that needs no .proto: a callback service whose methods take and
// return raw bytes, and blocking client calls for it. Lets common/ test its server helpers
// without depending on Lagom's API protos.
#ifndef LAGOM_COMMON_TESTING_BYTE_SERVICE_H_
#define LAGOM_COMMON_TESTING_BYTE_SERVICE_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/impl/service_type.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/byte_buffer.h"

namespace lagom::testing {

using UnaryBytesHandler = std::function<grpc::ServerUnaryReactor*(
    grpc::CallbackServerContext*, const grpc::ByteBuffer*, grpc::ByteBuffer*)>;
using StreamBytesHandler = std::function<grpc::ServerWriteReactor<grpc::ByteBuffer>*(
    grpc::CallbackServerContext*, const grpc::ByteBuffer*)>;

// Service "<name>" with method "Unary" and server-streaming method "Stream".
class ByteService final : public grpc::Service {
 public:
  ByteService(const std::string& name, UnaryBytesHandler unary, StreamBytesHandler stream);

 private:
  // gRPC keeps only the pointers.
  const std::string unary_name_;
  const std::string stream_name_;
};

using ::lagom::FromByteBuffer;
using ::lagom::ToByteBuffer;

// Blocking unary call of `method` ("/pkg.Service/Method") with raw request bytes.
grpc::Status CallUnary(grpc::Channel* channel, const std::string& method, grpc::ClientContext* ctx,
                       const std::string& request, std::string* response);

// Reads a whole server stream; returns its final status.
grpc::Status CallStream(grpc::Channel* channel, const std::string& method, grpc::ClientContext* ctx,
                        const std::string& request, std::vector<std::string>* messages);

// grpc.health.v1.Health/Check: 1 SERVING, 2 NOT_SERVING, 3 SERVICE_UNKNOWN; -1 on RPC error.
int HealthCheck(grpc::Channel* channel, const std::string& service);

}  // namespace lagom::testing

#endif  // LAGOM_COMMON_TESTING_BYTE_SERVICE_H_
