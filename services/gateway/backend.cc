#include "services/gateway/backend.h"

#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/synchronization/notification.h"
#include "common/auth/authenticator.h"
#include "common/byte_buffer.h"
#include "common/request_context.h"

namespace lagom::gateway {
namespace {

void AddMetadata(grpc::ClientContext& context, const Metadata& metadata) {
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
}

// A call the gateway's shutdown ended, or did not start: the client may retry elsewhere.
grpc::Status ShuttingDown() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "the gateway is shutting down; retry (another replica takes the call)");
}

}  // namespace

const std::vector<std::string>& ForwardedHeaders() {
  static const auto* const kHeaders = new std::vector<std::string>{
      auth::kAuthorizationKey, auth::kInviteTokenKey, kRequestIdMetadataKey};
  return *kHeaders;
}

void Backends::Add(const std::string& service, std::shared_ptr<grpc::Channel> channel) {
  channels_[service] = std::move(channel);
}

std::shared_ptr<grpc::Channel> Backends::ChannelFor(absl::string_view service) const {
  auto it = channels_.find(service);
  return it == channels_.end() ? nullptr : it->second;
}

grpc::Status CallUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                       const std::string& request, const Metadata& metadata, absl::Duration timeout,
                       CallRegistry& calls, std::string* response) {
  grpc::ClientContext context;
  AddMetadata(context, metadata);
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!calls.Add(&context)) return ShuttingDown();
  grpc::GenericStub stub(channel);
  const grpc::ByteBuffer request_buffer = ToByteBuffer(request);
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  calls.Remove(&context);
  if (status.error_code() == grpc::StatusCode::CANCELLED && calls.cancelled()) {
    return ShuttingDown();
  }
  if (status.ok()) *response = FromByteBuffer(response_buffer);
  return status;
}

bool CallRegistry::Add(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return false;
  contexts_.insert(context);
  return true;
}

void CallRegistry::Remove(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  contexts_.erase(context);
}

void CallRegistry::CancelAll() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  for (grpc::ClientContext* context : contexts_) context->TryCancel();
}

bool CallRegistry::cancelled() {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

grpc::Status CallServerStreaming(const std::shared_ptr<grpc::Channel>& channel,
                                 const std::string& method, const std::string& request,
                                 const Metadata& metadata, CallRegistry& streams,
                                 const std::function<bool(const std::string&)>& on_message) {
  grpc::ClientContext context;
  AddMetadata(context, metadata);
  if (!streams.Add(&context)) return ShuttingDown();
  // The generic call is bidirectional on the wire; one request and the half-close make it the
  // server stream the method is.
  grpc::CompletionQueue queue;
  grpc::GenericStub stub(channel);
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, method, &queue);
  void* tag = nullptr;
  bool ok = false;
  auto step = [&](int n) {
    return queue.Next(&tag, &ok) && ok && tag == reinterpret_cast<void*>(n);
  };
  call->StartCall(reinterpret_cast<void*>(1));
  if (step(1)) {
    call->WriteLast(ToByteBuffer(request), grpc::WriteOptions(), reinterpret_cast<void*>(2));
    if (step(2)) {
      grpc::ByteBuffer buffer;
      while (true) {
        call->Read(&buffer, reinterpret_cast<void*>(3));
        if (!step(3)) break;
        if (!on_message(FromByteBuffer(buffer))) {
          context.TryCancel();
          break;
        }
      }
    }
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(4));
  // Reads still pending after a cancel complete first; Finish always completes.
  while (queue.Next(&tag, &ok) && tag != reinterpret_cast<void*>(4)) {
  }
  streams.Remove(&context);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (status.error_code() == grpc::StatusCode::CANCELLED && streams.cancelled()) {
    return ShuttingDown();
  }
  return status;
}

}  // namespace lagom::gateway
