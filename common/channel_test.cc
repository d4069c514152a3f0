#include "common/channel.h"

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/server.h"
#include "common/testing/byte_service.h"

namespace lagom {
namespace {

using ::testing::HasSubstr;

constexpr char kService[] = "lagom.test.v1.ReplicaService";
constexpr char kMethod[] = "/lagom.test.v1.ReplicaService/Unary";

TEST(ChannelTargetTest, OneAddressOrAUriIsUsedAsItIs) {
  EXPECT_EQ(*ChannelTarget("lagom-session:50051"), "lagom-session:50051");
  EXPECT_EQ(*ChannelTarget("127.0.0.1:7000"), "127.0.0.1:7000");
  EXPECT_EQ(*ChannelTarget("dns:///lagom-session.lagom.svc:50051"),
            "dns:///lagom-session.lagom.svc:50051");
  EXPECT_EQ(*ChannelTarget("ipv4:127.0.0.1:1,127.0.0.1:2"), "ipv4:127.0.0.1:1,127.0.0.1:2");
}

TEST(ChannelTargetTest, AReplicaListBecomesAnAddressListUri) {
  EXPECT_EQ(*ChannelTarget("127.0.0.1:7001,127.0.0.1:7002"), "ipv4:127.0.0.1:7001,127.0.0.1:7002");
  EXPECT_EQ(*ChannelTarget(" 10.0.0.1:80,10.0.0.2:80 "), "ipv4:10.0.0.1:80,10.0.0.2:80");
  EXPECT_EQ(*ChannelTarget("[::1]:7001,[::1]:7002"), "ipv6:[::1]:7001,[::1]:7002");
}

TEST(ChannelTargetTest, BadAddressesAreNamed) {
  EXPECT_THAT(ChannelTarget("").status().message(), HasSubstr("empty"));
  absl::StatusOr<std::string> named = ChannelTarget("127.0.0.1:7001,lagom-session:7002");
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(named.status().message(), HasSubstr("'lagom-session:7002'"));
  EXPECT_THAT(named.status().message(), HasSubstr("is not IP:PORT"));
  EXPECT_THAT(ChannelTarget("127.0.0.1:7001,127.0.0.1:70000").status().message(),
              HasSubstr("'127.0.0.1:70000'"));
  EXPECT_THAT(ChannelTarget("127.0.0.1:7001,").status().message(), HasSubstr("''"));
  EXPECT_THAT(ChannelTarget("127.0.0.1:1,[::1]:2").status().message(),
              HasSubstr("mixes IPv4 and IPv6"));
  EXPECT_FALSE(CreateServiceChannel("a:1,b:2", grpc::InsecureChannelCredentials()).ok());
}

// One replica: counts its calls and answers OK, or UNAVAILABLE while `refuse` is set.
struct Replica {
  std::atomic<int> calls{0};
  std::atomic<bool> refuse{false};
  std::unique_ptr<testing::ByteService> service = std::make_unique<testing::ByteService>(
      kService,
      [this](grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
             grpc::ByteBuffer* resp) {
        calls++;
        *resp = *req;
        grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
        reactor->Finish(refuse ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "refusing")
                               : grpc::Status::OK);
        return reactor;
      },
      nullptr);
  std::unique_ptr<Server> server;

  void Start() {
    absl::StatusOr<std::unique_ptr<Server>> started = Server::Start(
        {.service_name = "replica", .drain_deadline = absl::Seconds(1)}, {service.get()});
    ASSERT_TRUE(started.ok()) << started.status();
    server = *std::move(started);
  }
  std::string Address() const { return absl::StrCat("127.0.0.1:", server->port()); }
};

class ServiceChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_.Start();
    b_.Start();
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = CreateServiceChannel(
        absl::StrCat(a_.Address(), ",", b_.Address()), grpc::InsecureChannelCredentials());
    ASSERT_TRUE(channel.ok()) << channel.status();
    channel_ = *channel;
    // round_robin uses a replica once its connection is up: call until both have answered
    // (bounded), so each test starts with both in the rotation.
    for (int i = 0; i < 300 && (a_.calls.load() == 0 || b_.calls.load() == 0); ++i) {
      ASSERT_EQ(Calls(1), 1);
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_GT(a_.calls.load(), 0);
    ASSERT_GT(b_.calls.load(), 0);
  }

  // `n` calls; how many succeeded.
  int Calls(int n) {
    int ok = 0;
    for (int i = 0; i < n; ++i) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      std::string response;
      ok += testing::CallUnary(channel_.get(), kMethod, &ctx, "x", &response).ok();
    }
    return ok;
  }

  Replica a_, b_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServiceChannelTest, CallsAreSpreadOverTheReplicas) {
  const int a_before = a_.calls.load(), b_before = b_.calls.load();
  EXPECT_EQ(Calls(40), 40);
  EXPECT_GE(a_.calls.load() - a_before, 15);
  EXPECT_GE(b_.calls.load() - b_before, 15);
}

TEST_F(ServiceChannelTest, AnUnavailableReplicaIsRetriedOnAnother) {
  a_.refuse = true;
  const int refused_before = a_.calls.load();
  EXPECT_EQ(Calls(40), 40);
  EXPECT_GT(a_.calls.load(), refused_before) << "no call reached the refusing replica: no retry";

  // Without the service config the same replicas fail calls.
  grpc::ChannelArguments plain;
  plain.SetLoadBalancingPolicyName("round_robin");
  plain.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  channel_ =
      grpc::CreateCustomChannel(*ChannelTarget(absl::StrCat(a_.Address(), ",", b_.Address())),
                                grpc::InsecureChannelCredentials(), plain);
  EXPECT_LT(Calls(40), 40);
}

TEST_F(ServiceChannelTest, AStoppedReplicaIsLeftOutAndNoCallFails) {
  bool drained = false;
  a_.server->OnDrain([&] { drained = true; });
  a_.server->Shutdown();
  EXPECT_TRUE(drained);
  const int a_calls = a_.calls.load();
  EXPECT_EQ(Calls(40), 40);
  EXPECT_EQ(a_.calls.load(), a_calls);
}

TEST_F(ServiceChannelTest, ANotServingReplicaGetsNoNewCalls) {
  a_.server->SetServing(false);
  // The channel hears of it on its health watch of the replica; nothing to wait on here.
  absl::SleepFor(absl::Milliseconds(500));
  const int a_calls = a_.calls.load();
  EXPECT_EQ(Calls(40), 40);
  EXPECT_EQ(a_.calls.load(), a_calls) << "client-side health checking is off";
}

}  // namespace
}  // namespace lagom

namespace lagom {
namespace {

// A server without grpc.health.v1 (another vendor's, or a test double) still gets calls.
TEST(ServiceChannelWithoutHealthTest, AServerWithoutAHealthServiceIsUsed) {
  Replica replica;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(replica.service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      CreateServiceChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  ASSERT_TRUE(channel.ok());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  std::string response;
  grpc::Status s = testing::CallUnary(channel->get(), kMethod, &ctx, "x", &response);
  EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();

  // A refusal comes back once the attempts are spent, not at the deadline.
  replica.refuse = true;
  grpc::ClientContext refused;
  refused.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  const absl::Time start = absl::Now();
  s = testing::CallUnary(channel->get(), kMethod, &refused, "x", &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_EQ(s.error_message(), "refusing");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  server->Shutdown();
}

}  // namespace
}  // namespace lagom
