#include "common/server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <google/protobuf/empty.pb.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/channel.h"
#include "common/executor.h"
#include "common/testing/byte_service.h"
#include "common/testing/test_admitter.h"
#include "common/unary.h"

namespace lagom {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using testing::HealthCheck;

constexpr char kEchoService[] = "lagom.test.v1.EchoService";
constexpr int kServing = 1, kNotServing = 2;

const testing::TestAdmitter kAdmitter;
const google::protobuf::Empty kNoRequest;

std::unique_ptr<testing::ByteService> EchoService(Executor& executor) {
  return std::make_unique<testing::ByteService>(
      kEchoService,
      [&executor](grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                  grpc::ByteBuffer* resp) {
        return HandleUnary(ctx, kAdmitter, executor, kNoRequest,
                           [req, resp](const RequestContext&) {
                             *resp = *req;
                             return absl::OkStatus();
                           });
      },
      [](grpc::CallbackServerContext* ctx, const grpc::ByteBuffer*) {
        return NotImplementedYetStream<grpc::ByteBuffer>(ctx, kAdmitter, kNoRequest, "Stream");
      });
}

std::shared_ptr<grpc::Channel> Dial(int port) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
}

// The metrics page over plain HTTP/1.0, as Prometheus would scrape it.
std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\n\r\n");
  (void)!write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, n);
  close(fd);
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  Executor executor_{2};
  std::unique_ptr<testing::ByteService> echo_ = EchoService(executor_);
};

TEST_F(ServerTest, ServesHealthForEveryServiceOnAFreePort) {
  const std::string address_file =
      (std::filesystem::temp_directory_path() / absl::StrCat("lagom-addr-", getpid())).string();
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start({.service_name = "test", .address_file = address_file}, {echo_.get()});
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);
  auto channel = Dial((*server)->port());
  EXPECT_EQ(HealthCheck(channel.get(), ""), kServing);
  EXPECT_EQ(HealthCheck(channel.get(), kEchoService), kServing);
  EXPECT_THAT((*server)->service_names(), Contains("grpc.reflection.v1alpha.ServerReflection"));

  std::ifstream in(address_file);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), absl::StrCat("127.0.0.1:", (*server)->port(), "\n"));
  std::filesystem::remove(address_file);

  (*server)->SetServing(false);
  EXPECT_EQ(HealthCheck(channel.get(), ""), kNotServing);
  EXPECT_EQ(HealthCheck(channel.get(), kEchoService), kNotServing);
}

TEST_F(ServerTest, SecondServerOnTheSamePortFailsWithAClearMessage) {
  absl::StatusOr<std::unique_ptr<Server>> first = Server::Start({.service_name = "test"}, {});
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string taken = absl::StrCat("127.0.0.1:", (*first)->port());
  absl::StatusOr<std::unique_ptr<Server>> second =
      Server::Start({.service_name = "test", .listen_address = taken}, {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(),
            absl::StrCat("cannot listen on ", taken, ": address in use or invalid"));
}

TEST_F(ServerTest, BadAddressFailsWithAClearMessage) {
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start({.service_name = "test", .listen_address = "256.1.1.1:99999"}, {});
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), HasSubstr("cannot listen on 256.1.1.1:99999"));
}

TEST_F(ServerTest, AnOversizedMessageIsRefusedAndTheServerServesOn) {
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start({.service_name = "test", .max_message_bytes = 64 << 10}, {echo_.get()});
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = Dial((*server)->port());
  const std::string method = absl::StrCat("/", kEchoService, "/Unary");
  std::string response;
  grpc::ClientContext big;
  big.AddMetadata(testing::kTestTenantKey, "acme");
  EXPECT_EQ(testing::CallUnary(channel.get(), method, &big, std::string(65 << 10, 'x'), &response)
                .error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  grpc::ClientContext small;
  small.AddMetadata(testing::kTestTenantKey, "acme");
  EXPECT_TRUE(testing::CallUnary(channel.get(), method, &small, "hi", &response).ok());
  EXPECT_EQ(response, "hi");
}

TEST_F(ServerTest, RepliesUpToTheLargestMessageReachServiceChannels) {
  // A reply of 20 MB, as a scorecard at scoring's limits may be, to a request of a few bytes.
  constexpr int kReplyBytes = 20 << 20;
  static_assert(kReplyBytes < kMaxMessageBytes);
  testing::ByteService large(
      kEchoService,
      [this](grpc::CallbackServerContext* ctx, const grpc::ByteBuffer*, grpc::ByteBuffer* resp) {
        return HandleUnary(ctx, kAdmitter, executor_, kNoRequest, [resp](const RequestContext&) {
          *resp = ToByteBuffer(std::string(kReplyBytes, 'x'));
          return absl::OkStatus();
        });
      },
      [](grpc::CallbackServerContext* ctx, const grpc::ByteBuffer*) {
        return NotImplementedYetStream<grpc::ByteBuffer>(ctx, kAdmitter, kNoRequest, "Stream");
      });
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start({.service_name = "test"}, {&large});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string method = absl::StrCat("/", kEchoService, "/Unary");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> service_channel = CreateServiceChannel(
      absl::StrCat("127.0.0.1:", (*server)->port()), grpc::InsecureChannelCredentials());
  ASSERT_TRUE(service_channel.ok()) << service_channel.status();
  std::string response;
  grpc::ClientContext ctx;
  ctx.AddMetadata(testing::kTestTenantKey, "acme");
  grpc::Status s = testing::CallUnary(service_channel->get(), method, &ctx, "hi", &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.size(), size_t{kReplyBytes});
  // The same reply is more than a channel with gRPC's defaults takes.
  grpc::ClientContext plain;
  plain.AddMetadata(testing::kTestTenantKey, "acme");
  EXPECT_EQ(testing::CallUnary(Dial((*server)->port()).get(), method, &plain, "hi", &response)
                .error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(ServerTest, CountsCallsOnTheMetricsPage) {
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start({.service_name = "test", .metrics_address = "127.0.0.1:0", .access_log = true},
                    {echo_.get()});
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->metrics_port(), 0);
  auto channel = Dial((*server)->port());
  for (const char* tenant : {"acme", ""}) {
    grpc::ClientContext ctx;
    if (*tenant) ctx.AddMetadata(testing::kTestTenantKey, tenant);
    std::string response;
    testing::CallUnary(channel.get(), absl::StrCat("/", kEchoService, "/Unary"), &ctx, "hi",
                       &response);
  }
  const std::string page = HttpGet((*server)->metrics_port(), "/metrics");
  const std::string method = absl::StrCat("method=\"/", kEchoService, "/Unary\"");
  EXPECT_THAT(page, HasSubstr(absl::StrCat("lagom_rpc_calls_total{code=\"OK\",", method,
                                           ",service=\"test\"} 1")));
  EXPECT_THAT(page, HasSubstr(absl::StrCat("lagom_rpc_errors_total{code=\"UNAUTHENTICATED\",",
                                           method, ",service=\"test\"} 1")));
  EXPECT_THAT(page, HasSubstr(absl::StrCat("lagom_rpc_latency_seconds_count{", method,
                                           ",service=\"test\"} 2")));
}

TEST_F(ServerTest, ShutdownLetsAnInFlightCallFinish) {
  absl::Notification entered, release;
  testing::ByteService slow(
      kEchoService,
      [&](grpc::CallbackServerContext* ctx, const grpc::ByteBuffer*, grpc::ByteBuffer* resp) {
        return HandleUnary(ctx, kAdmitter, executor_, kNoRequest, [&, resp](const RequestContext&) {
          entered.Notify();
          release.WaitForNotification();
          *resp = testing::ToByteBuffer("done");
          return absl::OkStatus();
        });
      },
      nullptr);
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start({.service_name = "test"}, {&slow});
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = Dial((*server)->port());
  grpc::Status call_status;
  std::thread caller([&] {
    grpc::ClientContext ctx;
    ctx.AddMetadata(testing::kTestTenantKey, "acme");
    std::string response;
    call_status = testing::CallUnary(channel.get(), absl::StrCat("/", kEchoService, "/Unary"), &ctx,
                                     "", &response);
  });
  entered.WaitForNotification();
  absl::Notification draining;
  (*server)->OnDrain([&] { draining.Notify(); });
  std::atomic<bool> stopped = false;
  std::thread stopper([&] {
    (*server)->Shutdown();
    stopped = true;
  });
  // Shutdown is under way (gRPC's own shutdown starts right after the drain callbacks) and
  // waits for the call rather than cancelling it.
  draining.WaitForNotification();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(stopped) << "Shutdown returned while a call was in flight";
  release.Notify();
  stopper.join();
  caller.join();
  EXPECT_TRUE(call_status.ok()) << call_status.error_message();
}

TEST_F(ServerTest, SigtermEndsWaitForShutdownSignal) {
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start({.service_name = "test"}, {});
  ASSERT_TRUE(server.ok()) << server.status();
  int exit_code = -1;
  // Started after Start, so SIGTERM is blocked in it and only sigwait receives it.
  std::thread waiter([&] { exit_code = (*server)->WaitForShutdownSignal(); });
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  EXPECT_EQ(exit_code, 0);
}

}  // namespace
}  // namespace lagom
