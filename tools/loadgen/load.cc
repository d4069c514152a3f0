#include "tools/loadgen/load.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace lagom::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "INVALID_CODE";
  }
}

// One of the `inflight` call slots. Its calls run one after another (the completion of one
// starts the next), so at most one gRPC thread touches a slot at a time; the mutex only makes
// the hand-over of the recorded figures explicit and costs nothing uncontended.
struct Slot {
  Slot(int index, grpc::GenericStub& stub, const grpc::ByteBuffer& request)
      : index(index), stub(stub), request(request) {}

  const int index;
  grpc::GenericStub& stub;
  grpc::ByteBuffer request;  // the same for every call, unless LoadOptions::make_call is set
  CallSpec spec;             // with make_call: the current call's request and metadata
  // A ClientContext serves one call. The finished call's context is destroyed one call later,
  // never inside its own completion callback.
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientContext> previous_context;
  grpc::ByteBuffer response;
  Clock::time_point started;

  absl::Mutex mu;
  std::vector<int64_t> ok_latencies_ns ABSL_GUARDED_BY(mu);
  std::map<std::string, int64_t> errors ABSL_GUARDED_BY(mu);
  Clock::time_point last_recorded_completion ABSL_GUARDED_BY(mu){};
};

class ClosedLoop {
 public:
  ClosedLoop(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
             const LoadOptions& options)
      : options_(options), calls_left_(options.max_calls) {
    for (const auto& channel : channels) {
      stubs_.push_back(std::make_unique<grpc::GenericStub>(channel));
    }
    grpc::Slice slice(options.request);
    const grpc::ByteBuffer request(&slice, 1);
    for (int i = 0; i < options.inflight; ++i) {
      slots_.push_back(
          std::make_unique<Slot>(i, *stubs_[static_cast<size_t>(i) % stubs_.size()], request));
    }
  }

  Samples Run() {
    const Clock::time_point start = Clock::now();
    measure_from_ = start + absl::ToChronoNanoseconds(options_.warmup);
    stop_at_ = measure_from_ + absl::ToChronoNanoseconds(options_.duration);
    active_.store(static_cast<int>(slots_.size()));
    for (auto& slot : slots_) StartOrRetire(*slot);
    all_done_.WaitForNotification();

    Samples samples;
    Clock::time_point last = measure_from_;
    for (auto& slot : slots_) {
      absl::MutexLock lock(&slot->mu);
      samples.ok_latencies_ns.insert(samples.ok_latencies_ns.end(), slot->ok_latencies_ns.begin(),
                                     slot->ok_latencies_ns.end());
      for (const auto& [code, count] : slot->errors) samples.errors[code] += count;
      last = std::max(last, slot->last_recorded_completion);
    }
    samples.elapsed = absl::FromChrono(last - measure_from_);
    return samples;
  }

 private:
  void StartOrRetire(Slot& slot) {
    const Clock::time_point now = Clock::now();
    if (now >= stop_at_ || calls_left_.fetch_sub(1) <= 0) {
      if (active_.fetch_sub(1) == 1) all_done_.Notify();
      return;
    }
    slot.previous_context = std::move(slot.context);
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.response.Clear();
    slot.context->set_deadline(std::chrono::system_clock::now() +
                               absl::ToChronoNanoseconds(options_.call_timeout));
    for (const auto& [key, value] : options_.metadata) slot.context->AddMetadata(key, value);
    if (options_.make_call) {
      slot.spec.metadata.clear();
      options_.make_call(slot.index, slot.spec);
      grpc::Slice slice(slot.spec.request);
      slot.request = grpc::ByteBuffer(&slice, 1);
      for (const auto& [key, value] : slot.spec.metadata) slot.context->AddMetadata(key, value);
    }
    // With make_call, the latency starts once the call is made, just before it is sent.
    slot.started = options_.make_call ? Clock::now() : now;
    slot.stub.UnaryCall(slot.context.get(), options_.method, grpc::StubOptions(), &slot.request,
                        &slot.response, [this, &slot](const grpc::Status& status) {
                          Record(slot, status);
                          StartOrRetire(slot);
                        });
  }

  void Record(Slot& slot, const grpc::Status& status) {
    const Clock::time_point done = Clock::now();
    if (slot.started < measure_from_) return;
    absl::MutexLock lock(&slot.mu);
    if (status.ok()) {
      slot.ok_latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(done - slot.started).count());
    } else {
      ++slot.errors[CodeName(status.error_code())];
    }
    slot.last_recorded_completion = done;
  }

  const LoadOptions& options_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::vector<std::unique_ptr<Slot>> slots_;
  Clock::time_point measure_from_;
  Clock::time_point stop_at_;
  std::atomic<int64_t> calls_left_;
  std::atomic<int> active_{0};
  absl::Notification all_done_;
};

}  // namespace

const char* StatusCodeName(grpc::StatusCode code) { return CodeName(code); }

absl::Status CheckLoopbackTarget(const std::string& target) {
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos || colon + 1 == target.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--target must be HOST:PORT, got '", target, "'"));
  }
  const absl::string_view host = absl::string_view(target).substr(0, colon);
  if (host != "127.0.0.1" && host != "localhost" && host != "[::1]") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--target must be on this machine (127.0.0.1, localhost or [::1]), got '", host, "'"));
  }
  return absl::OkStatus();
}

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& target, int channels) {
  std::vector<std::shared_ptr<grpc::Channel>> out;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    // Distinct arguments and a local subchannel pool: one TCP connection per channel.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("lagom.loadgen.channel", i);
    out.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  return out;
}

absl::Status WaitConnected(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                           const std::string& target, absl::Duration timeout) {
  const auto deadline = std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout);
  for (const auto& channel : channels) {
    if (!channel->WaitForConnected(deadline)) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to ", target, " within ", absl::FormatDuration(timeout)));
    }
  }
  return absl::OkStatus();
}

absl::Status CallOnce(grpc::Channel& channel, const LoadOptions& options) {
  grpc::TemplatedGenericStub<grpc::ByteBuffer, grpc::ByteBuffer> stub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(options.call_timeout));
  for (const auto& [key, value] : options.metadata) context.AddMetadata(key, value);
  CallSpec spec;
  if (options.make_call) {
    options.make_call(0, spec);
    for (const auto& [key, value] : spec.metadata) context.AddMetadata(key, value);
  } else {
    spec.request = options.request;
  }
  grpc::Slice slice(spec.request);
  const grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, options.method, grpc::StubOptions(), &request, &response,
                 [&](const grpc::Status& s) {
                   status = s;
                   done.Notify();
                 });
  done.WaitForNotification();
  if (status.ok()) {
    // So a large response can be compared with an echo of the same size (--response_bytes).
    std::cerr << "loadgen: " << options.method << " answers " << response.Length() << " bytes\n";
    return absl::OkStatus();
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(options.method, ": ", CodeName(status.error_code()), ": ",
                                   status.error_message()));
}

Samples RunLoad(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                const LoadOptions& options) {
  ClosedLoop loop(channels, options);
  return loop.Run();
}

}  // namespace lagom::loadgen
