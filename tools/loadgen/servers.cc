#include "tools/loadgen/servers.h"

#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/unary.h"

namespace lagom::loadgen {
namespace {

constexpr int kMaxMessageBytes = 4 << 20;  // lagom::ServerOptions' default

// One unary method taking and returning raw bytes, as generated code would register it.
class RawEchoService final : public grpc::Service {
 public:
  // response_bytes > 0: every reply is that many bytes (made once), so a large response can
  // be compared with a Lagom RPC returning one; 0: the request's bytes come back.
  explicit RawEchoService(size_t response_bytes) {
    if (response_bytes > 0) {
      grpc::Slice slice(std::string(response_bytes, 'x'));
      fixed_ = std::make_shared<grpc::ByteBuffer>(&slice, 1);
    }
    AddMethod(new grpc::internal::RpcServiceMethod(kEchoMethod,
                                                   grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
    MarkMethodCallback(
        0, new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
               [fixed = fixed_](grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) {
                 *response = fixed ? *fixed : *request;
                 grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
                 reactor->Finish(grpc::Status::OK);
                 return reactor;
               }));
  }

 private:
  std::shared_ptr<grpc::ByteBuffer> fixed_;
};

}  // namespace

EchoServer::EchoServer(size_t response_bytes)
    : service_(std::make_unique<RawEchoService>(response_bytes)) {}

EchoServer::~EchoServer() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    server_->Wait();
  }
}

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Start(size_t response_bytes) {
  auto echo = absl::WrapUnique(new EchoServer(response_bytes));
  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &echo->port_);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(echo->service_.get());
  echo->server_ = builder.BuildAndStart();
  if (echo->server_ == nullptr || echo->port_ == 0) {
    return absl::UnavailableError("cannot start the echo server on 127.0.0.1");
  }
  return echo;
}

std::string EchoServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

grpc::ServerUnaryReactor* SubmitAnswerService::SubmitAnswer(
    grpc::CallbackServerContext* ctx, const session::v1::SubmitAnswerRequest* request,
    session::v1::SubmitAnswerResponse* response) {
  return HandleUnary(ctx, admitter_, executor_, *request, [=](const RequestContext&) {
    *response->mutable_answer() = request->answer();
    return absl::OkStatus();
  });
}

LagomServer::LagomServer(const CallAdmitter& admitter, int executor_threads)
    : executor_(executor_threads), service_(admitter, executor_) {}

absl::StatusOr<std::unique_ptr<LagomServer>> LagomServer::Start(const std::string& name,
                                                                const CallAdmitter& admitter,
                                                                int executor_threads) {
  auto lagom = absl::WrapUnique(new LagomServer(admitter, executor_threads));
  ServerOptions options;
  options.service_name = name;
  options.listen_address = "127.0.0.1:0";
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, {&lagom->service_});
  if (!server.ok()) return server.status();
  lagom->server_ = *std::move(server);
  return lagom;
}

std::string LagomServer::address() const { return absl::StrCat("127.0.0.1:", server_->port()); }

}  // namespace lagom::loadgen
