#include "common/testing/byte_service.h"

#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/support/sync_stream.h>

namespace lagom::testing {
namespace {

using grpc::internal::RpcMethod;

// HealthCheckRequest{service = 1} and HealthCheckResponse{status = 1}, hand-encoded so the
// test needs no health proto. Service names stay under 128 bytes: one-byte length varint.
std::string EncodeHealthRequest(const std::string& service) {
  if (service.empty()) return "";
  return std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
}

int DecodeHealthStatus(const std::string& response) {
  if (response.empty()) return 0;  // proto3 default: UNKNOWN
  return response.size() == 2 && response[0] == '\x08' ? response[1] : -1;
}

}  // namespace

ByteService::ByteService(const std::string& name, UnaryBytesHandler unary,
                         StreamBytesHandler stream)
    : unary_name_("/" + name + "/Unary"), stream_name_("/" + name + "/Stream") {
  AddMethod(
      new grpc::internal::RpcServiceMethod(unary_name_.c_str(), RpcMethod::NORMAL_RPC, nullptr));
  MarkMethodCallback(0,
                     new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
                         std::move(unary)));
  AddMethod(new grpc::internal::RpcServiceMethod(stream_name_.c_str(), RpcMethod::SERVER_STREAMING,
                                                 nullptr));
  MarkMethodCallback(
      1, new grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
             std::move(stream)));
}

grpc::Status CallUnary(grpc::Channel* channel, const std::string& method, grpc::ClientContext* ctx,
                       const std::string& request, std::string* response) {
  grpc::ByteBuffer req = ToByteBuffer(request), resp;
  grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel, RpcMethod(method.c_str(), RpcMethod::NORMAL_RPC), ctx, req, &resp);
  if (status.ok()) *response = FromByteBuffer(resp);
  return status;
}

grpc::Status CallStream(grpc::Channel* channel, const std::string& method, grpc::ClientContext* ctx,
                        const std::string& request, std::vector<std::string>* messages) {
  grpc::ByteBuffer req = ToByteBuffer(request), msg;
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
      grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
          channel, RpcMethod(method.c_str(), RpcMethod::SERVER_STREAMING), ctx, req));
  while (reader->Read(&msg)) messages->push_back(FromByteBuffer(msg));
  return reader->Finish();
}

int HealthCheck(grpc::Channel* channel, const std::string& service) {
  grpc::ClientContext ctx;
  std::string response;
  grpc::Status status = CallUnary(channel, "/grpc.health.v1.Health/Check", &ctx,
                                  EncodeHealthRequest(service), &response);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return 3;  // unknown service
  return status.ok() ? DecodeHealthStatus(response) : -1;
}

}  // namespace lagom::testing
